"""The questions, answers, askers and answerers of each seed, pinned."""

from pathlib import Path

import pytest
import yaml

from watcher.extract import extract

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "seeds.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["seed"] for c in CASES])
def test_seed(case):
    [path] = SEEDS.glob(f"{case['seed']}_*.txt")
    doc = extract(path.read_bytes(), name=path.name)
    labels = {b.label for b in doc.blocks}
    for label in case["labels"]:
        assert label in labels
    questions = {b.label for b in doc.blocks if b.label.startswith("Vraag ")}
    assert len(questions) == case["questions"]
    for key, value in case["metadata"].items():
        assert doc.metadata.get(key) == value, key
    for label, start in case.get("text", {}).items():
        assert any(b.label == label and start in b.text for b in doc.blocks), (label, start)
    for marker in case.get("markers", []):
        assert marker in doc.text
    for gone in case.get("absent", []):  # from what is diffed; a running line still counts for matching
        assert gone not in doc.body.text
    for present in case.get("contains", []):
        assert present in doc.text
