"""What is news in a verslag that grows (Casco, then Ongecorrigeerd, then the corrected text): who spoke in
which debate, told once per debate when they first appear; a correction of what they said, once more at most,
with the change. Only decides, on plain data (`of_verslag` makes it from extract/vlos.py's reading).

A debate is its activiteit's objectid, stable across the versions of a verslag; a speaker is their objectid.
A Casco has no speech and says nothing; an interim verslag (its sitting not closed) may grow, and a speaker
first seen in a later version of it is told then.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

CORRECTED = "gecorrigeerd"
FIRST_WORDS = 300  # characters of what a speaker said first, in the alert


@dataclass
class Event:
    debate: str  # the debate's id
    speaker: str  # the speaker's id
    kind: str  # "spoke" or "corrected"
    before: str = ""  # a correction: their words as first told, and as they are now
    after: str = ""


def of_verslag(verslag) -> dict:
    """A verslag as plain data: its status and, per debate, who spoke with their words (a hash to notice a
    correction, and the first words to show)."""
    debates = {}
    for debate in verslag.debates:
        speakers: dict[str, dict] = {}
        for speech in debate.speeches:
            s = speakers.setdefault(speech.speaker.id, {"name": speech.speaker.name, "soort": speech.speaker.soort,
                                                        "fractie": speech.speaker.fractie, "words": []})
            s["words"].append(speech.text)
        debates[debate.id] = {"titel": debate.titel, "soort": debate.soort, "nummer": debate.nummer,
                              "zaken": debate.zaken,
                              "speakers": {k: {**{f: v for f, v in s.items() if f != "words"},
                                               "first": " ".join(" ".join(s["words"]).split())[:FIRST_WORDS],
                                               "hash": _hash("\n".join(s["words"]))}
                                           for k, s in speakers.items()}}
    return {"status": verslag.status, "closed": verslag.vergadering.get("closed", False),
            "vergadering": {k: verslag.vergadering.get(k, "") for k in ("titel", "datum", "soort")}, "debates": debates}


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


def _hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]
