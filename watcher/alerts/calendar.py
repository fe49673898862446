"""A subscriber's agenda as an iCalendar feed (RFC 5545): the debates and activities it was told of.

One event per meeting, its UID the Activiteit's: a meeting the Kamer moves (a new Activiteit that replaces
the old) stays the same event at its new time, with a higher SEQUENCE, so a calendar moves it rather than
adding a second; a cancelled one keeps its UID with STATUS:CANCELLED. Times are Amsterdam's, with its
VTIMEZONE (icalendar writes it from the zone database).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..news import agenda
from ..parliament import AMSTERDAM

PRODID = "-//watcher//Tweede Kamer agenda//NL"
REPLACEMENTS = 10  # a chain of moves followed this far (the Kamer's are one or two long)


def events(states: dict[str, dict], subscriber: str) -> list[dict]:
    """What the calendar shows, as plain data: per meeting told to `subscriber`, its uid, its latest state
    (a move followed to the meeting that replaced it), its sequence and status."""
    heard = {k for k, s in states.items() if subscriber in s.get("heard", []) and not s.get("removed")}
    out = []
    for key in sorted(heard):
        state = states[key]
        if any(old in heard for old in state.get("vervangt", [])):
            continue  # shown as the meeting it replaced, under that one's uid
        chain = [state]
        while len(chain) < REPLACEMENTS and (nxt := next((states[k] for k in chain[-1].get("vervangen_door", [])
                                                           if k in states), None)) is not None:
            chain.append(nxt)
        latest = chain[-1]
        status = latest.get("status", "").lower()
        told = sum(s.get("told", {}).get("events", 0) for s in chain)
        out.append({"uid": f"{key}@watcher", "state": latest, "sequence": max(told - 1, 0),
                     "status": "CANCELLED" if status == "geannuleerd" else
                               "TENTATIVE" if status == "verplaatst" else "CONFIRMED"})
    return out


def calendar(states: dict[str, dict], subscriber: str, title: str, now: datetime) -> bytes:
    from icalendar import Calendar, Event  # only `watcher serve` and --write pay for its import

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", "Europe/Amsterdam")
    for item in events(states, subscriber):
        state = item["state"]
        start = _start(state)
        if start is None:
            continue  # no date yet: nothing a calendar can place
        event = Event()
        event.add("uid", item["uid"])
        event.add("sequence", item["sequence"])
        event.add("status", item["status"])
        event.add("dtstamp", now)
        event.add("summary", f"{state.get('soort') or 'Activiteit'}: {state.get('onderwerp') or ''}".rstrip(": "))
        if isinstance(start, datetime):
            event.add("dtstart", start)
            end = _time(state.get("eind"))
            event.add("dtend", end if end is not None and end > start else start + timedelta(hours=1))
        else:
            event.add("dtstart", start)  # a day without a time: an all-day event
        if state.get("locatie"):
            event.add("location", state["locatie"])
        description = agenda.lines(state)
        if item["status"] == "TENTATIVE":
            description.insert(0, "verplaatst, nieuwe datum nog niet bekend")
        event.add("description", "\n".join(description))
        if agenda.link(state):
            event.add("url", agenda.link(state))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _time(value) -> datetime | None:
    moment = agenda.local_time(value)
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)  # the Kamer's clock


def _start(state: dict):
    if state.get("aanvang"):
        return _time(state["aanvang"])
    moment = _time(state.get("datum"))
    return moment.date() if moment is not None else None
