"""`watcher questions`: the open written questions the store knows, overdue first."""

from __future__ import annotations

from datetime import date

from ..news.questions import SOORTEN, collect, open_report
from ..parliament import Parliament, dutch_date
from ..store import open_reader


def print_report(config, out, member: str | None = None, party: str | None = None, today: date | None = None) -> int:
    """`watcher questions`: the open written questions the store knows, overdue first."""
    store = open_reader(config, out)
    if store is None:
        return 1
    today = today or date.today()
    with store:
        questions = collect(store.all_documents(SOORTEN))
        parliament = Parliament.from_store(store)
    shown = open_report(questions, today, member, party, parliament.party_key)
    overdue = sum(q.overdue(today) for q in shown)
    who = " of " + " and ".join(x for x in (member, party) if x) if member or party else ""
    out.write(f"{len(shown)} open written questions{who} ({overdue} overdue), of {len(questions)} the store knows\n")
    for q in shown:
        state = "OVERDUE" if q.overdue(today) else "open"
        delay = f", {len(q.delays)} delay notice{'s' if len(q.delays) != 1 else ''}" if q.delays else ""
        askers = ", ".join(f"{n} ({p})" if p else n for n, p in q.askers)
        out.write(f"  {q.zaak} {state}: asked {dutch_date(q.asked_on.isoformat())}, {q.days_open(today)} days open, "
                  f"due {dutch_date(q.due.isoformat())}{delay}\n")
        out.write(f"      {askers + ': ' if askers else ''}{q.onderwerp[:160]}\n")
    return 0
