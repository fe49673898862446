"""news.classify: what becomes of a record, judged on plain data (tests/cases/verdicts.yaml)."""

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from watcher.news.classify import Verdict, classify
from watcher.model import Meta, Record, StoredDocument

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "verdicts.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_what_becomes_of_a_record(case):
    fields = dict(case["record"])
    record = Record(key="2025D00001", source="tk", meta=Meta(**fields.pop("meta", {})), **fields)
    stored = (StoredDocument.from_dict({"key": "2025D00001", "source": "tk", **case["stored"]})
              if case["stored"] is not None else None)
    before = datetime.fromisoformat(case["backlog_before"]) if case.get("backlog_before") else None
    assert classify(record, stored, before) == Verdict(case["verdict"])


def test_every_verdict_has_a_case():
    assert {Verdict(c["verdict"]) for c in CASES} == set(Verdict)
