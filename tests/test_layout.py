"""Where a PDF's paragraph ends, decided from where its lines stand (tests/cases/layout_breaks.yaml)."""

from pathlib import Path

import pytest
import yaml

from watcher.extract._layout import Line, _breaks

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "layout_breaks.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_a_paragraph_ends_where_the_spacing_or_the_size_changes(case):
    above = Line("boven", 72.0, float(case["above"]["y"]), float(case["above"]["size"]))
    line = Line("onder", 72.0, float(case["line"]["y"]), float(case["line"]["size"]))
    assert _breaks(above, line) == case["breaks"]
