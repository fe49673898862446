"""`watcher toezeggingen`: the open promises the Kamer's register holds, longest overdue first."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from ..news.agenda import kamer_day
from ..news.toezeggingen import open_report, overdue_days
from ..parliament import Parliament, dutch_date
from ..sources.tweedekamer.assemble import all_promises
from ..sources.tweedekamer.mirror import Mirror
from ..store import open_reader


def print_promises(config, out, ministerie: str | None = None, member: str | None = None, party: str | None = None,
                   as_json: bool = False, today: date | None = None) -> int:
    store = open_reader(config, out)
    if store is None:
        return 1
    today = today or kamer_day(datetime.now(timezone.utc))
    with store:
        states = {}
        for source in config.sources:
            if source.kind == "tweedekamer":
                states.update(all_promises(Mirror(store, source.name)))
        parliament = Parliament.from_store(store)
    shown = open_report(list(states.values()), today, ministerie, member, party, parliament.party_key)
    if as_json:
        json.dump([{**{k: s.get(k, "") for k in ("nummer", "tekst", "status", "nakoming", "ministerie",
                                                  "bewindspersoon", "aan", "fractie")},
                    "dagen_over_tijd": overdue_days(s, today)} for s in shown], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return 0
    late = sum(1 for s in shown if (overdue_days(s, today) or 0) > 0)
    narrowed = ", ".join(x for x in (ministerie, member, party) if x)
    out.write(f"{len(shown)} open toezeggingen{f' ({narrowed})' if narrowed else ''}, {late} past their date, "
              f"of {len(states)} in the register\n")
    for s in shown:
        days = overdue_days(s, today)
        when = (f"due {dutch_date(s['nakoming'])}" + (f", {days} days late" if days and days > 0 else "")
                if s.get("nakoming") else "no date")
        to = s.get("aan") or ""
        if s.get("fractie"):
            to = f"{to} ({s['fractie']})" if to else s["fractie"]
        by = ", ".join(x for x in (s.get("bewindspersoon"), s.get("ministerie")) if x)
        out.write(f"  {s.get('nummer') or '?'} {when}: {by}" + (f" to {to}" if to else "") + "\n")
        out.write(f"      {' '.join((s.get('tekst') or '').split())[:160]}\n")
    return 0
