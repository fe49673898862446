"""What is news in a verslag that grows (Casco, then Ongecorrigeerd, then the corrected text): who spoke in
which debate, told once per debate when they first appear; a correction of what they said, once more at most,
with the change. Only decides, on plain data (extract/vlos.py's `digest` of a verslag).

A debate is its activiteit's objectid, stable across the versions of a verslag; a speaker is their objectid.
A Casco has no speech and says nothing; an interim verslag (its sitting not closed) may grow, and a speaker
first seen in a later version of it is told then.
"""

from __future__ import annotations

import copy
from datetime import date

from ..parliament import fold
from dataclasses import dataclass

KIND = "debate"
SITTING = "debate-sitting"  # a small index: a plenary sitting (vergaderjaar/nummer) -> who heard of which debate
CORRECTED = "gecorrigeerd"


@dataclass
class Event:
    """A member who spoke in a debate, or whose words in its verslag were corrected."""

    debate: str  # the debate's id
    speaker: str  # the speaker's id
    kind: str  # "spoke" or "corrected"
    before: str = ""  # a correction: their words as first told, and as they are now
    after: str = ""


def held_before(now: dict, moment) -> bool:
    """A sitting held before `moment` (a datetime): its date is in the digest's vergadering."""
    try:
        return date.fromisoformat((now.get("vergadering") or {}).get("datum", "")) < moment.date()
    except ValueError:
        return False


def decide(told: dict | None, now: dict) -> tuple[dict, list[Event]]:
    """What was told of a verslag's debates (None: nothing yet) after this version of it, and its news."""
    told = copy.deepcopy(told or {})
    events: list[Event] = []
    corrected = (now.get("status") or "").strip().lower() == CORRECTED
    for debate_id, debate in (now.get("debates") or {}).items():
        seen = told.setdefault(debate_id, {})
        for speaker_id, speaker in debate.get("speakers", {}).items():
            before = seen.get(speaker_id)
            if before is None:
                seen[speaker_id] = {"hash": speaker["hash"], "first": speaker["first"], "corrected": False}
                events.append(Event(debate_id, speaker_id, "spoke"))
            elif corrected and not before["corrected"] and before["hash"] != speaker["hash"]:
                before.update(corrected=True, hash=speaker["hash"])
                events.append(Event(debate_id, speaker_id, "corrected", before["first"], speaker["first"]))
                before["first"] = speaker["first"]
            else:
                before["hash"] = speaker["hash"]  # grown or fixed before the corrected text: not a correction
                before["first"] = speaker["first"]
    return told, events


SHOWN = 3  # speakers a headline names; the rest are counted
QUOTED = 200  # characters of someone's words quoted in an alert


def _who(speaker: dict) -> str:
    return f"{speaker['name']} ({speaker['fractie']})" if speaker.get("fractie") else speaker["name"]


def _quoted(words: str) -> str:
    words = " ".join((words or "").split())
    return f"“{words[:QUOTED]}{'…' if len(words) > QUOTED else ''}”"


def spoke_words(speakers: list[dict], debate: dict) -> tuple[str, list[str], str]:
    """The headline and lines of "who spoke" (their first words each), and the alert id's suffix."""
    speakers = list({s["id"]: s for s in speakers}.values())
    names = [_who(s) for s in speakers[:SHOWN]]
    if len(speakers) > SHOWN:
        names.append(f"{len(speakers) - SHOWN} anderen")
    verb = "sprak" if len(speakers) == 1 else "spraken"
    said = " en ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    return f"in het debat {verb} {said}", [f"{_who(s)}: {_quoted(s.get('first', ''))}" for s in speakers], ""


def correction_words(fixes: list[Event], debate: dict) -> tuple[str, list[str], str]:
    """A correction in the verslag of what someone said: what it said first, and what it says now."""
    who = [_who(debate["speakers"][e.speaker]) for e in fixes]
    lines = [f"{w}: eerst {_quoted(e.before)}, nu {_quoted(e.after)}" for w, e in zip(who, fixes)]
    return f"correctie in het verslag: {', '.join(who)}", lines, "|correctie"


def sitting_key(vergaderjaar: str, nummer: str) -> str:
    return f"{vergaderjaar}/{nummer}"


def handelingen_sitting(key: str) -> tuple[str, str] | None:
    """KOOP's Handelingen of a Tweede Kamer sitting (h-tk-20242025-104-7): its vergaderjaar and number."""
    parts = key.split("-")
    if len(parts) == 5 and parts[:2] == ["h", "tk"] and len(parts[2]) == 8 and parts[2].isdigit():
        return f"{parts[2][:4]}-{parts[2][4:]}", parts[3]
    return None


def heard_of(index: dict | None, title: str) -> set[str]:
    """Who heard, from the verslag, of the debate a Handelingen item is (its title that debate's, folded)."""
    wanted = " ".join(fold(title).split())
    out: set[str] = set()
    for debate in (index or {}).get("debates", {}).values():
        name = " ".join(fold(debate.get("titel", "")).split())
        if name and wanted and (name == wanted or name in wanted or wanted in name):
            out |= set(debate.get("heard", []))
    return out
