"""The questions, answers, askers and answerers of each seed, pinned."""

from pathlib import Path

import pytest
import yaml

from tests.pdfgen import render
from watcher.news.diff import diff
from watcher.extract import extract
from watcher.model import Block, Document

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


@pytest.mark.parametrize("case", [c for c in CASES if c["metadata"]], ids=lambda c: c["seed"])
def test_the_same_text_as_a_pdf_gives_the_same_words_and_facts(case):
    # Today's renderings differ in line width and pagination; the words, the labels, who asked (with their
    # party), who answered and the date must not.
    [path] = SEEDS.glob(f"{case['seed']}_*.txt")
    text = extract(path.read_bytes(), name=path.name)
    # Our PDF writer has the standard fonts only: what Latin-1 lacks (an emoji in a menu) is left out of both.
    paragraphs = [b.text.encode("latin-1", "ignore").decode("latin-1") for b in text.body.blocks]
    pdf = extract(render(paragraphs, width=72, lines_per_page=20, hyphenate=True,  # 3 pages: running lines show
                         header="Testdrukwerk, niet officieel", footer="Pagina {page}"))
    assert diff(Document(blocks=[Block(text=p) for p in paragraphs]), pdf).changes == []
    for key in ("askers", "minister", "datum", "zaken"):
        assert pdf.metadata.get(key) == text.metadata.get(key), key
    assert [b.label for b in pdf.body.blocks if b.kind == "heading"] == \
           [b.label for b in text.body.blocks if b.kind == "heading"]
