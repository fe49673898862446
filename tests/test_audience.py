"""watchlists.audience: who hears of a change, decided on plain data (tests/cases/audience.yaml)."""

from pathlib import Path

import pytest
import yaml

from watcher.model import StoredDocument
from watcher.watchlists import audience
from watcher.watchlists.match import Hit

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "audience.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_who_hears_of_a_documents_change(case):
    matched = [Hit(name, reasons=[why]) for name, why in case.get("matched", [])]
    muted = {name: {"2025D00001"} for name in case.get("muted", [])}
    hits = audience.of_document(case["kind"], matched, case.get("alerted", []), set(case.get("told", [])),
                                case.get("followers", []), audience.FOLLOWS_QUESTION, muted, "2025D00001")
    assert [[h.subscriber, h.reasons[0]] for h in hits] == case["hears"]


def _copy(alerted, *hashes):
    return StoredDocument.from_dict({"key": "kst-1", "source": "ob", "alerted": alerted,
                                     "versions": [{"version": "1", "hash": h, "fingerprint": "", "seen": ""}
                                                  for h in hashes]})


@pytest.mark.parametrize("kind, current, told", [
    ("new", "h1", {"a"}),  # one document, one alert
    ("revised", "h2", set()),  # a text the copy never had is news to its audience too
    ("revised", "h1", {"a"}),  # the copy had this very text: they read it there
])
def test_who_a_copy_from_the_other_source_told_already(kind, current, told):
    assert audience.told_elsewhere(kind, [_copy(["a"], "h1")], current) == told
    assert audience.told_elsewhere(kind, [], current) == set()


def test_who_hears_what_happened_to_a_matter():
    doc, other = _copy(["a", "b"], "h1"), StoredDocument.from_dict({"key": "kst-2", "source": "ob", "alerted": ["c"]})
    hits = audience.of_matter([Hit("b", reasons=["keyword AOW"])], [doc, other], "motie", {"c": {"kst-2"}})
    assert [(h.subscriber, h.reasons) for h in hits] == [("b", ["keyword AOW"]),
                                                         ("a", ["u kreeg een melding over deze motie"])]
