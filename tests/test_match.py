"""Watchlists: who a document concerns and why, precise and explainable."""

from pathlib import Path

import pytest
import yaml

from watcher.config import Subscriber
from watcher.extract import extract
from watcher.match import SNIPPET, Matcher
from watcher.model import Actor, Meta

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "match_cases.yaml").read_text())


def subscriber(data: dict) -> Subscriber:
    return Subscriber(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def document(spec: dict):
    if "seed" in spec:
        [path] = SEEDS.glob(f"{spec['seed']}_*.txt")
        doc = extract(path.read_bytes())
    else:
        doc = extract(spec["text"].encode())
    raw = dict(spec.get("meta", {}))
    raw["actors"] = [Actor(**a) for a in raw.get("actors", [])]
    return doc, Meta(**raw)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_who_and_why(case):
    doc, meta = document(case["doc"])
    hits = Matcher([subscriber(s) for s in case["subscribers"]]).match(doc.text, meta, doc.metadata.get("askers"),
                                                                          stated=doc.metadata)
    assert {h.subscriber: h.reasons for h in hits} == case["expect"]
    for h in hits:
        assert 0 < len(h.snippet) <= SNIPPET


def test_the_snippet_shows_the_first_hit_and_names_it():
    doc, meta = document({"seed": "004"})
    [hit] = Matcher([subscriber({"name": "a", "keywords": ["*surveillance*"]})]).match(doc.text, meta)
    assert hit.highlight == "surveillance"
    assert hit.highlight in hit.snippet and len(hit.snippet) <= SNIPPET


def test_for_a_revision_the_hit_is_told_in_or_outside_the_change():
    doc, meta = document({"seed": "000"})
    matcher = Matcher([subscriber({"name": "x", "keywords": ["Xinjiang"]}), subscriber({"name": "z", "keywords": ["Zen"]})])
    hits = {h.subscriber: h.in_change for h in matcher.match(doc.text, meta, changed="de arrestatie van kardinaal Zen")}
    assert hits == {"x": False, "z": True}


def test_watcher_match_prints_json_lines(tmp_path, watcher_cli):
    config = tmp_path / "sources.yaml"
    config.write_text("subscribers:\n  - {name: china, keywords: [Xinjiang]}\n  - {name: sgp, parties: [SGP]}\n")
    [seed] = SEEDS.glob("000_*.txt")
    code, out, err = watcher_cli("-c", config, "match", "--json", seed)
    import json
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(x["subscriber"], x["reasons"]) for x in lines] == [("china", ["keyword Xinjiang"]), ("sgp", ["party SGP"])]
    assert all(x["file"] == str(seed) and x["snippet"] for x in lines)
