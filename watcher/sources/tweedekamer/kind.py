"""What a sources.yaml and `watcher status` know of kind: tweedekamer without importing its poller: the
feed's address, the events a source can be asked to read and the SyncFeed categories each needs, how its
own keys are read, and how a feed position is named."""

from __future__ import annotations

import re

from ...settings import parse_duration
from ...yamlfile import not_a_list

DEFAULT_BASE = "https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/"

ALWAYS = ("Fractie", "Persoon")  # the names of parties and members
# Each event (`events:` in sources.yaml) and the categories its roots are assembled from: documents, then the
# streams of source.py (STREAMS, by the same names and in this order).
NEEDS = {
    "documents": ("Document", "DocumentVersie", "DocumentActor", "DocumentPublicatie", "Zaak", "ZaakActor",
                  "Kamerstukdossier"),
    "votes": ("Besluit", "Stemming", "Zaak", "ZaakActor", "Kamerstukdossier", "Agendapunt", "Activiteit"),
    "agenda": ("Activiteit", "Agendapunt", "Zaak", "Kamerstukdossier"),
    "toezeggingen": ("Toezegging", "Activiteit"),
    "debates": ("Verslag",),
}
EVENTS = tuple(NEEDS)


def categories(events: tuple[str, ...]) -> tuple[str, ...]:
    """The SyncFeed categories a source reading `events` mirrors."""
    return tuple(dict.fromkeys([c for e in events for c in NEEDS.get(e, ())] + list(ALWAYS)))


SKIPTOKEN = re.compile(r"[?&]skiptoken=(\d+)(?:&|$)")


def skiptoken_of(url: str) -> int | None:
    found = SKIPTOKEN.search(url)
    return int(found.group(1)) if found else None


def where(url: str, category: str) -> str:
    """"Document at skiptoken 20127218": how a failing page is named in the log and in `watcher status`."""
    token = skiptoken_of(url) if url else None
    return f"{category} at skiptoken {token}" if token is not None else f"{category} from the start"


def _soorten(value) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValueError(not_a_list("soorten", value))
    items = value
    if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
        raise ValueError("expected a list of document kinds, e.g. [\"Motie\", \"Brief regering\"]")
    return tuple(s.strip() for s in items)


def _events(value) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValueError(not_a_list("events", value))
    items = value
    if not isinstance(items, list) or not items or not all(isinstance(e, str) and e.strip() in EVENTS for e in items):
        raise ValueError(f"expected a list of {', '.join(EVENTS)} (the default is all of them)")
    return tuple(dict.fromkeys(e.strip() for e in items))


OPTIONS = {"soorten": _soorten, "events": _events, "warmup": parse_duration}


def url_problem(url: str) -> str | None:
    if re.search(r"/odata/", url, re.I):
        return (f"{url} is the Tweede Kamer's OData API, which watcher no longer reads: the Kamer closed OData "
                f"v4 on 2026-10-01 (OData v5 is undocumented). watcher reads its SyncFeed: write "
                f"`url: {DEFAULT_BASE}`, or leave url out")
    return None


def describe(store, config) -> list[tuple[str, str]]:
    """Where the feed is, for `watcher status`: how many categories are read to their head, else which are
    catching up and where."""
    wanted = categories(config.options.get("events") or EVENTS)
    states = {c: store.cursor(f"{config.name}/feed {c}") for c in wanted}
    behind = [c for c, s in states.items() if not (s or {}).get("head")]
    document = (states.get("Document") or {}).get("next", "")
    position = f" ({where(document, 'Document')})" if document else ""
    if not any(states.values()):
        feed = "not read yet"
    elif behind:
        feed = f"{len(wanted) - len(behind)} of {len(wanted)} categories at their head; catching up: " + \
               ", ".join(where((states[c] or {}).get("next", ""), c) for c in behind)
    else:
        feed = f"{len(wanted)} categories read to their head{position}"
    return [("feed", feed), ("mirror", f"{store.count_entities():,} entities")]
