"""Quiet hours: a window of the day, in Amsterdam's time, in which a subscriber's alerts are sent without a
sound (Telegram's `disable_notification`), or held until the window ends ("bewaar").

"22:00-07:00" runs across midnight; the clock is Europe/Amsterdam's, so the window keeps its local hours
across the change to and from summer time (a held alert then waits one hour more or less). Only decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ..parliament import AMSTERDAM

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})(?:\s+(bewaar))?\s*$")


@dataclass(frozen=True)
class Window:
    """A subscriber's quiet hours, by Amsterdam's clock."""

    start: time
    end: time
    hold: bool = False  # held to the end of the window, rather than sent silently

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}" + (" bewaar" if self.hold else "")


def parse(text: str) -> Window:
    """"22:00-07:00" or "22:00-07:00 bewaar"; ValueError (in Dutch, for chat and YAML alike) otherwise."""
    m = _WINDOW.match(text or "")
    if not m:
        raise ValueError("verwacht een tijdvak als 22:00-07:00 (met 'bewaar' erachter om meldingen tot het eind "
                         "ervan te bewaren)")
    h1, m1, h2, m2 = (int(g) for g in m.groups()[:4])
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ValueError("een tijdvak loopt van 00:00 tot 23:59 en is niet leeg (22:00-07:00)")
    return Window(time(h1, m1), time(h2, m2), bool(m.group(5)))


def inside(window: Window, moment: datetime) -> bool:
    """Is `moment` (aware) in the window, by Amsterdam's clock?"""
    local = moment.astimezone(AMSTERDAM).time().replace(tzinfo=None)
    if window.start < window.end:
        return window.start <= local < window.end
    return local >= window.start or local < window.end  # across midnight


def ends(window: Window, moment: datetime) -> datetime:
    """When the window that `moment` is in ends (aware, in Amsterdam's time)."""
    local = moment.astimezone(AMSTERDAM)
    day = local.date()
    if window.start >= window.end and local.time().replace(tzinfo=None) >= window.start:
        day += timedelta(days=1)  # in the evening part: it ends tomorrow morning
    return datetime.combine(day, window.end, tzinfo=AMSTERDAM)
