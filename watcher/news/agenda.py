"""The agenda (Activiteit) as the store knows it, and what is news: a debate scheduled, moved, cancelled.

An `Activiteit` (a plenair debat, a commissiedebat, a notaoverleg, …) has `Agendapunt`s, whose zaken
link a dossier. Its status is "Gepland", "Uitgevoerd", "Verplaatst" or "Geannuleerd" (openkamer/tkapi
ActiviteitStatus). A moved debate reappears as a new Activiteit that names the old one
(`vervangenVanuit`); the old and new date are told in one alert, whichever of the two arrives first. The
state is assembled from the mirror (sources/tweedekamer/assemble.py: `meeting_state`). Only decides;
reading is elsewhere.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime

from ..parliament import AMSTERDAM, dutch_date

KIND = "agenda"
WEEKDAYS = "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag".split()
PLENARY_URL = "https://www.tweedekamer.nl/debat_en_vergadering/plenaire_vergaderingen/details/activiteit?id={nummer}"
COMMITTEE_URL = "https://www.tweedekamer.nl/debat_en_vergadering/commissievergaderingen/details?id={nummer}"


def when(state: dict) -> str:
    """"dinsdag 8 december 2026, 10:00–12:00", as far as the row says."""
    start = local_time(state.get("aanvang")) or local_time(state.get("datum"))
    if start is None:
        return "datum nog niet bekend"
    text = f"{WEEKDAYS[start.weekday()]} {dutch_date(start.date().isoformat())}"
    if state.get("aanvang"):
        end = local_time(state.get("eind"))
        text += f", {start:%H:%M}" + (f"–{end:%H:%M}" if end and end.date() == start.date() else "")
    return text


def local_time(value) -> datetime | None:
    """A time as the Kamer's clock shows it: one with a zone (UTC from a server that sends it so) is turned
    into Amsterdam's, one without is taken as it is."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return moment.astimezone(AMSTERDAM) if moment is not None and moment.tzinfo is not None else moment


def day(state: dict) -> date | None:
    moment = local_time(state.get("aanvang")) or local_time(state.get("datum"))
    return moment.date() if moment else None


def link(state: dict) -> str:
    template = PLENARY_URL if "plenair" in state.get("soort", "").lower() else COMMITTEE_URL
    return template.format(nummer=state["nummer"]) if state.get("nummer") else ""


def lines(state: dict) -> list[str]:
    out = [f"wanneer: {when(state)}"]
    if state.get("locatie"):
        out.append(f"waar: {state['locatie']}")
    if state.get("commissie"):
        out.append(f"commissie: {state['commissie']}")
    out += [f"agendapunt: {z['onderwerp']} (zaak {z['nummer']})" for z in state.get("zaken", []) if z["onderwerp"]][:5]
    return out


def kamer_day(moment: datetime) -> date:
    """The day it is in The Hague at `moment` (a UTC clock reads yesterday until 01:00 or 02:00 there)."""
    return moment.astimezone(AMSTERDAM).date()


@dataclass
class Event:
    """A change to a debate on the agenda, told as an alert of its own."""

    number: int
    headline: str
    lines: list[str]
    # The meeting the alert shows and links: for a move, the one it moved to.
    shown: dict = field(default_factory=dict)


def _told(state: dict, headline: str, body: list[str], shown: dict | None = None) -> Event:
    told = state["told"]
    told.update(when=when(state), status=state.get("status", ""), events=told.get("events", 0) + 1)
    return Event(told["events"], headline, body, shown if shown is not None else state)


def decide(state: dict, replacement: dict | None, today: date) -> tuple[dict, Event | None]:
    """The state with what it told marked, and its news. `replacement`: the state of the Activiteit that
    replaces this one (VervangenDoor), when known. `today`: the Kamer's day (kamer_day): a debate first seen
    on its own day is still announced."""
    state = copy.deepcopy(state)
    told = state.setdefault("told", {})
    status = state.get("status", "").lower()
    if state.get("removed"):
        return state, None
    if not told:
        past = (d := day(state)) is not None and d < today
        if status in ("geannuleerd", "verplaatst", "uitgevoerd") or past or state.get("vervangt"):
            # Nothing to announce: over, or cancelled before we knew of it, or the new date of a move
            # (told with the old one).
            told.update(when=when(state), status=state.get("status", ""), events=0)
            return state, None
        return state, _told(state, f"gepland: {state.get('soort', '').lower() or 'activiteit'} {when(state)}",
                            lines(state))
    if status == "geannuleerd" and told.get("status", "").lower() != "geannuleerd":
        return state, _told(state, f"geannuleerd: {state.get('soort', '').lower()} van {told.get('when')}", lines(state))
    moved_before = told.get("status", "").lower() == "verplaatst"
    if status == "verplaatst" and (not moved_before or (replacement is not None and not told.get("naar"))):
        # Told once with its new date; or, when the meeting that replaces it is not there yet (the feed links
        # a move only from the new meeting to the old), told at once without, and once more when it comes.
        if replacement is None:
            if state.get("vervangen_door"):
                return state, None  # its new date comes with the Activiteit that replaces it
            return state, _told(state, f"verplaatst: {state.get('soort', '').lower()} van {told.get('when')}, "
                                       "nieuwe datum nog niet bekend", lines(state))
        was = told.get("when")
        event = _told(state, f"verplaatst: {state.get('soort', '').lower()} van {was} naar {when(replacement)}",
                      lines(replacement), shown=replacement)
        told["naar"] = when(replacement)
        return state, event
    if status not in ("geannuleerd", "verplaatst") and when(state) != told.get("when"):
        return state, _told(state, f"verplaatst: {state.get('soort', '').lower()} van {told.get('when')} naar "
                                   f"{when(state)}", lines(state))
    return state, None


def reminder(state: dict, today: date) -> str:
    """"morgen: commissiedebat dinsdag 8 december 2026, 10:00–12:00" once, the day before a debate that
    still takes place; "" otherwise."""
    told = state.get("told", {})
    if (state.get("removed") or told.get("reminded") or not told or day(state) is None
            or (day(state) - today).days != 1 or state.get("status", "").lower() in ("geannuleerd", "verplaatst")):
        return ""
    return f"morgen: {state.get('soort', '').lower() or 'activiteit'} {when(state)}"
