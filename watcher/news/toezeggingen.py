"""Toezeggingen (the cabinet's promises to the Kamer) as the store knows them, and what is news: a new one, a
change of status (afgedaan, deels afgedaan, vervallen, …), and one past its date and still open. Only decides.

The register's quirks: a date of fulfilment of 0001-01-01 means none (sources/tweedekamer/assemble.py reads it
so); statuses arrive that the XSD does not list (Afgedaan and Deels Afgedaan came in 2026, ODP #179), so any
status but Openstaand counts as no longer open; a toezegging re-stamped without change folds into the same
state and says nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

from ..parliament import dutch_date, fold, member_matches

KIND = "toezegging"
OPEN = "openstaand"
TEXT_SHOWN = 300  # characters of the promise in an alert; the rest is in the register


@dataclass
class Event:
    """A change to a toezegging, told as an alert of its own."""

    number: int  # the toezegging's n-th event: with its id, the alerts' idempotency key
    headline: str
    lines: list[str]


def is_open(state: dict) -> bool:
    return (state.get("status") or OPEN).strip().lower() == OPEN


def due(state: dict) -> date | None:
    try:
        return date.fromisoformat(state.get("nakoming") or "")
    except ValueError:
        return None


def made_before(state: dict, moment: date) -> bool:
    """A toezegging first seen that was made before `moment`: one from the register's past that changed now
    (its status, a date moved), not a new promise."""
    try:
        return date.fromisoformat(state.get("gemaakt") or "") < moment
    except ValueError:
        return False


def decide(state: dict, today: date, old: bool = False) -> tuple[dict, Event | None]:
    """The state with what it told marked, and the event it is news of now (None when nothing is): new, a
    status it was not told in, or past its date while open (once; `today` is the Kamer's day). `old`: first
    seen now but made long ago (made_before): its being done is news, its being open is not."""
    state = copy.deepcopy(state)
    told = state.setdefault("told", {})
    if state.get("removed"):
        return state, None
    status = (state.get("status") or "").strip()
    number = told.get("n", 0)
    if not told.get("new") and old:
        told.update(new=True, status=status, overdue=True, n=number + (0 if is_open(state) else 1))
        if is_open(state):
            return state, None  # an old promise, still open: known, not news (nor, now, late news)
        return state, Event(number + 1, f"toezegging {status.lower()}", lines(state))
    if not told.get("new"):
        told.update(new=True, status=status, n=number + 1)
        late = is_open(state) and (when := due(state)) is not None and when < today
        if late:
            told["overdue"] = True  # made already late: said at once, not again by the clock
        headline = "nieuwe toezegging" + (f" ({status.lower()})" if status and not is_open(state) else "")
        return state, Event(number + 1, headline + (", termijn verstreken" if late else ""), lines(state))
    if status != told.get("status"):
        told.update(status=status, n=number + 1)
        if is_open(state):
            return state, None  # back to open (a correction): nothing to tell until it changes again
        return state, Event(number + 1, f"toezegging {status.lower()}", lines(state))
    if is_open(state) and not told.get("overdue") and (when := due(state)) is not None and when < today:
        told.update(overdue=True, n=number + 1)
        return state, Event(number + 1, "toezegging: termijn verstreken", lines(state))
    return state, None


def lines(state: dict) -> list[str]:
    """Who promised what, to whom, by when, in which debate; the letter that fulfils it, where one is named."""
    out = []
    tekst = " ".join((state.get("tekst") or "").split())
    if tekst:
        out.append(f"“{tekst[:TEXT_SHOWN]}{'…' if len(tekst) > TEXT_SHOWN else ''}”")
    by = ", ".join(x for x in (state.get("functie"), state.get("bewindspersoon")) if x)
    if by or state.get("ministerie"):
        out.append("toegezegd door " + by + (f" ({state['ministerie']})" if state.get("ministerie") else ""))
    to = state.get("aan") or ""
    if state.get("fractie"):
        to = f"{to} ({state['fractie']})" if to else state["fractie"]
    if to:
        out.append(f"aan {to}")
    if state.get("nakoming"):
        out.append(f"uiterlijk {dutch_date(state['nakoming'])}")
    debate = state.get("debat") or {}
    if debate.get("onderwerp"):
        what = " ".join(x for x in ((debate.get("soort") or "").lower(), debate["onderwerp"]) if x)
        out.append(f"in {what}" + (f" van {dutch_date(debate['datum'])}" if debate.get("datum") else ""))
    elif debate.get("nummer"):  # the debate itself not in the feed: its number is what the register says
        out.append(f"in activiteit {debate['nummer']}")
    if state.get("status"):
        out.append(f"status: {state['status'].lower()}")
    if state.get("kamerbrief"):
        out.append(f"nagekomen met: {state['kamerbrief']}")
    return out


def overdue_days(state: dict, today: date) -> int | None:
    """Days since its date while it is open (negative: days to go); None when it has no date or is done."""
    when = due(state)
    return (today - when).days if when is not None and is_open(state) else None


def open_report(states: list[dict], today: date, ministerie: str | None = None, member: str | None = None,
                party: str | None = None, party_key=lambda name: name.lower()) -> list[dict]:
    """The open toezeggingen, longest overdue first, then by date to come, those with no date last; narrowed
    to a ministry (a word of its name), the member or the party it was made to."""
    shown = [s for s in states if is_open(s)
             and (not ministerie or fold(ministerie) in fold(s.get("ministerie") or ""))
             and (not member or member_matches(member, s.get("aan") or ""))
             and (not party or (s.get("fractie") and party_key(s["fractie"]) == party_key(party)))]
    return sorted(shown, key=lambda s: (due(s) is None, due(s) or date.max, s.get("nummer") or ""))
