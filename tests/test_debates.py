"""news/debates.py: who spoke in which debate, told once, and a correction once more at most; on the real
verslagen (tests/fixtures/realdocs2/), a corrected version made from the real one by changing a word."""

import copy
from pathlib import Path

from watcher.extract.vlos import digest, read_verslag
from watcher.news import debates

REAL = Path(__file__).parent / "fixtures" / "realdocs2"
PLENARY = (REAL / "vlos-plenair-2025-07-03-104e-vergadering.xml").read_bytes()


def state(data: bytes) -> dict:
    return digest(read_verslag(data))


def names(now: dict, events) -> list[tuple[str, str]]:
    return sorted((now["debates"][e.debate]["titel"], now["debates"][e.debate]["speakers"][e.speaker]["name"])
                  for e in events)


def test_a_casco_says_nothing():
    casco = (REAL / "vlos-procedurevergadering-biza-2025-07-03-casco.xml").read_bytes()
    assert debates.decide(None, state(casco))[1] == []


def test_each_speaker_is_told_once_per_debate_they_spoke_in():
    now = state(PLENARY)
    told, events = debates.decide(None, now)
    assert {e.kind for e in events} == {"spoke"}
    spoke = names(now, events)
    assert len(spoke) == 26 and ("Materieel", "Van Baarle") in spoke and ("Slavernijverleden", "Van Baarle") in spoke
    assert not [n for _, n in spoke if n == "Vermeer"]  # the chair
    assert debates.decide(told, now)[1] == []  # the same version again


def test_a_growing_interim_verslag_tells_only_who_is_new():
    full = state(PLENARY)
    early = copy.deepcopy(full)
    later = next(k for k, d in full["debates"].items() if d["titel"] == "Bouwregelgeving")
    del early["debates"][later]  # the sitting not yet that far
    told, first = debates.decide(None, early)
    told, then = debates.decide(told, full)
    assert {full["debates"][e.debate]["titel"] for e in then} == {"Bouwregelgeving"}
    assert len(first) + len(then) == 26


def test_a_correction_of_what_someone_said_is_told_once_more_at_most():
    told, _ = debates.decide(None, state(PLENARY))
    phrase = _ceders_phrase()
    corrected = PLENARY.replace(b'status="Ongecorrigeerd"', b'status="Gecorrigeerd"', 1)
    corrected = corrected.replace(phrase.encode(), phrase.replace(" ", "  x ", 1).encode(), 1)  # a word added
    assert corrected.count(b'status="Gecorrigeerd"') == 1 and corrected != PLENARY
    now = state(corrected)
    told, events = debates.decide(told, now)
    said = [(e.kind, now["debates"][e.debate]["speakers"][e.speaker]["name"]) for e in events]
    assert said == [("corrected", "Ceder")]
    assert events[0].before != events[0].after
    again = corrected.replace(b"  x ", b" y ", 1)  # Ceder's words corrected again: told already
    assert again != corrected
    assert debates.decide(told, state(again))[1] == []


def test_a_change_before_the_corrected_text_is_no_correction():
    told, _ = debates.decide(None, state(PLENARY))
    phrase = _ceders_phrase()
    fixed = PLENARY.replace(phrase.encode(), phrase.replace(" ", "  x ", 1).encode(), 1)  # still Ongecorrigeerd
    assert state(fixed) != state(PLENARY)  # Ceder's words did change
    assert debates.decide(told, state(fixed))[1] == []


def _ceders_phrase() -> str:
    """Five words of Ceder's, found once in the file."""
    ceder = next(s for s in read_verslag(PLENARY).speeches() if s.speaker.name == "Ceder")
    words = ceder.text.split()
    return next(p for i in range(len(words) - 4) if PLENARY.count((p := " ".join(words[i:i + 5])).encode()) == 1)
