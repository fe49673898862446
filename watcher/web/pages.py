"""What each address serves, read from the store at the moment it is asked (a reader polling a feed sees
what the watcher beside it has written since).

    /<token>/meldingen.atom          every alert of the subscriber (`feed: true`)
    /<token>/regels/<rule>.atom      those one rule made ("keyword-xinjiang", "dossier-35207")
    /<token>/agenda.ics              the debates and activities it was told of
    /diff/<old>-<new>.html           the changes between two stored texts (the link in a revision's alert)
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from ..alerts import atom, calendar
from ..alerts.diffpage import render_page
from ..news import agenda
from ..news.diff import diff
from ..settings import RULE_KINDS, RULE_WORD, Config, Subscriber
from ..watchlists import subscribers as subs
from . import tokens

ATOM = "application/atom+xml; charset=utf-8"
ICS = "text/calendar; charset=utf-8"
HTML = "text/html; charset=utf-8"
SCAN = 500  # the newest feed entries a rule's feed is picked from


@dataclass
class Page:
    status: int
    type: str
    body: bytes


NOT_FOUND = Page(404, "text/plain; charset=utf-8", b"Niet gevonden.\n")


def slug(reason: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")


def rules(subscriber: Subscriber) -> dict[str, str]:
    """slug -> the rule as an alert's reasons name it ("keyword Xinjiang")."""
    out = {}
    for kind in RULE_KINDS:
        for rule in getattr(subscriber, kind) if kind in RULE_WORD else ():
            reason = f"{RULE_WORD[kind]} {rule}"
            out[slug(reason)] = reason
    return out


def made_by(alert, reason: str) -> bool:
    """Whether the rule made the alert ("member Ceder" makes "member Ceder (D.G.M. Ceder)")."""
    return any(r == reason or r.startswith(reason + " (") for r in alert.reasons)


def addresses(config: Config, store, subscriber: Subscriber) -> dict[str, str]:
    """What a subscriber can subscribe to: name -> URL (empty before the first run made the secret)."""
    token = tokens.token(store, subscriber.name)
    if token is None:
        return {}
    base = config.serve.base() + token + "/"
    out = {}
    if any(c.kind == "feed" for c in subscriber.channels):
        out["meldingen"] = base + "meldingen.atom"
        out.update({f"regel {reason}": f"{base}regels/{name}.atom" for name, reason in rules(subscriber).items()})
    out["agenda"] = base + "agenda.ics"
    return out


def serve(config: Config, store, path: str, now: datetime | None = None) -> Page:
    now = now or datetime.now(timezone.utc)
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) == 3 and parts[0] == "diff":
        return _diff(store, parts[1], parts[2])
    if len(parts) < 2:
        return NOT_FOUND
    subscriber = _owner(config, store, parts[0])
    if subscriber is None:
        return NOT_FOUND
    base = config.serve.base()
    here = base + "/".join(parts)
    wants_feed = any(c.kind == "feed" for c in subscriber.channels)
    if parts[1:] == ["meldingen.atom"] and wants_feed:
        entries = store.recent_sent(subscriber.name, atom.ENTRIES, how="feed")
        return Page(200, ATOM, atom.feed(entries, f"watcher — {subscriber.name}", f"{parts[0]}", here, base, now))
    if len(parts) == 3 and parts[1] == "regels" and parts[2].endswith(".atom") and wants_feed:
        reason = rules(subscriber).get(parts[2][: -len(".atom")])
        if reason is None:
            return NOT_FOUND
        entries = [a for a in store.recent_sent(subscriber.name, SCAN, how="feed") if made_by(a, reason)]
        return Page(200, ATOM, atom.feed(entries, f"watcher — {subscriber.name} — {reason}", f"{parts[0]}/{reason}",
                                         here, base, now))
    if parts[1:] == ["agenda.ics"]:
        states = store.event_states(agenda.KIND)
        return Page(200, ICS, calendar.calendar(states, subscriber.name, f"Tweede Kamer — {subscriber.name}", now))
    return NOT_FOUND


def _owner(config: Config, store, token: str) -> Subscriber | None:
    for subscriber in subs.effective(config, store):
        mine = tokens.token(store, subscriber.name)
        if mine is not None and hmac.compare_digest(mine, token):
            return subscriber
    return None


_HASHES = re.compile(r"([0-9a-f]{16,128})-([0-9a-f]{16,128})\.html")


def _diff(store, key: str, name: str) -> Page:
    """Two texts of one document: both must be versions of it (no page made of any two texts in the store)."""
    found = _HASHES.fullmatch(name)
    doc = store.document(key) if found else None
    if doc is None or not {found.group(1), found.group(2)} <= {v.hash for v in doc.versions}:
        return NOT_FOUND
    old, new = store.text(found.group(1)), store.text(found.group(2))
    if old is None or new is None:
        return NOT_FOUND
    facts = [f for f in (doc.meta.soort, key, "wijzigingen") if f]
    page = render_page(diff(old, new), new, title=doc.meta.onderwerp or doc.meta.titel or key, facts=facts)
    return Page(200, HTML, page.encode("utf-8"))
