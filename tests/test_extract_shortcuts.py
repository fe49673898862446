"""The extraction's shortcuts give what its full patterns give (tests/cases/text_shortcuts.yaml): a cheap first
test may only rule out what the slow pattern would not have found, so no document reads differently for them.
(The real documents' cases show the same on whole files; these are the edges a real file may lack.)"""

import re
from pathlib import Path

import pytest
import yaml

from watcher.extract._facts import askers, facts, iso_date
from watcher.model import Block
from watcher.extract._text import _starts_block, clean, clean_fully
from watcher.extract.pdf import page_texts

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "text_shortcuts.yaml").read_text())
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("line", CASES["block_starts"])
def test_a_line_that_begins_a_block_is_seen_to(line):
    assert _starts_block(line)


@pytest.mark.parametrize("line", CASES["not_block_starts"])
def test_a_line_that_only_looks_like_a_label_goes_on(line):
    assert not _starts_block(line)


@pytest.mark.parametrize("case", CASES["askers"], ids=lambda c: c["text"][:30])
def test_askers_are_found_whatever_letters_the_pattern_takes_for_i_and_s(case):
    assert [a["name"] for a in askers(case["text"])] == case["names"]


def test_the_cleaning_of_plain_lines_is_the_full_cleaning():
    lines = list(CASES["clean"])
    for path in sorted(FIXTURES.glob("realdocs*/*.pdf")):
        lines += [line for text in page_texts(path.read_bytes()) for line in re.split("[\n\r\ufffe]", text)]
    for path in sorted(FIXTURES.glob("seeds/*.txt")):
        lines += path.read_text().splitlines()
    assert len(lines) > 2000
    assert [clean(line) for line in lines] == [clean_fully(line) for line in lines]


@pytest.mark.parametrize("case", CASES["dates"], ids=lambda c: c["text"])
def test_a_date_is_read_whatever_case_its_month_is_written_in(case):
    assert iso_date(case["text"]) == case["date"]


@pytest.mark.parametrize("case", CASES["document_numbers"], ids=lambda c: c["text"][:30])
def test_a_document_number_is_found_where_the_text_states_it(case):
    assert facts([Block(case["text"])]).get("nummer", "") == case["number"]
