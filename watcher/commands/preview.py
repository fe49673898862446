"""`watcher preview`: what the watchlists in sources.yaml would have alerted, over the documents already in
the store. A dry run against real history, to tune a watchlist before it goes live; no network, and the
store is only read (safe beside a running watcher).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..watchlists import subscribers as subs
from ..alerts.alert import reasons_in_dutch, subject
from ..parliament import dutch_date
from ..settings import Config, parse_since
from ..watchlists.match import Matcher
from ..store import open_reader

SHOWN = 20  # documents listed per subscriber; the rest are counted


@dataclass
class Found:
    key: str
    datum: str
    soort: str
    title: str
    why: str


def preview(config: Config, out, subscriber: str | None = None, since: timedelta | None = None,
            now: datetime | None = None) -> int:
    store = open_reader(config, out, first="run `watcher run --once` (with `since:` to backfill history) first")
    if store is None:
        return 1
    cutoff = (now or datetime.now(timezone.utc)) - since if since else None
    with store:
        chosen = [s for s in subs.effective(config, store) if subscriber in (None, s.name)]
        if subscriber and not chosen:
            names = ", ".join(s.name for s in subs.effective(config, store)) or "none"
            out.write(f"watcher: no subscriber called {subscriber!r} (known: {names})\n")
            return 2
        documents, found = matches(store, chosen, cutoff)
    window = f" of the last {since.days} days" if since else ""
    out.write(f"{documents} stored documents{window}, matched against {len(chosen)} subscriber(s):\n")
    for name, hits in found.items():
        out.write(f"\n{name}: {len(hits)} document{'s' if len(hits) != 1 else ''} would have alerted\n")
        for f in sorted(hits, key=lambda f: f.datum, reverse=True)[:SHOWN]:
            out.write(f"  {f.key} · {dutch_date(f.datum)} · {f.soort}: {f.title[:120]}\n      {f.why}\n")
        if len(hits) > SHOWN:
            out.write(f"  … and {len(hits) - SHOWN} more\n")
    return 0


def matches(store, chosen, cutoff: datetime | None) -> tuple[int, dict[str, list[Found]]]:
    """The stored documents (dated after `cutoff`) each subscriber's rules match, and how many were read."""
    matcher = Matcher(chosen)
    found: dict[str, list[Found]] = {s.name: [] for s in chosen}
    listed: dict[str, set[str]] = {s.name: set() for s in chosen}
    documents = 0
    for doc in store.all_documents():
        if doc.deleted or (cutoff and not _since(doc.meta.datum, cutoff)):
            continue
        documents += 1
        text = store.text(doc.current.hash) if doc.current and doc.current.hash else None
        facts = text.metadata if text else {}
        people = (facts.get("askers") or []) + (facts.get("sprekers") or [])
        actors = [{"name": a.name, "party": a.party, "role": a.role} for a in doc.meta.actors]
        # The same document from another source (a TK document and its KOOP publication) is one alert.
        same = {doc.key} | {d.key for d in store.related(doc)}
        for hit in matcher.match(text.text if text else "", doc.meta, people, stated=facts):
            if same & listed[hit.subscriber]:
                continue
            listed[hit.subscriber] |= same
            found[hit.subscriber].append(Found(doc.key, doc.meta.datum[:10], doc.meta.soort,
                                               subject(doc.meta) or doc.key, reasons_in_dutch(hit.reasons, actors)))
    return documents, found


def _since(datum: str, cutoff: datetime) -> bool:
    try:
        return parse_since(datum) >= cutoff
    except ValueError:
        return True  # no date to judge by: shown
