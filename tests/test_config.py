"""sources.yaml: every problem reported with file, line and key; good files load into plain objects."""

from pathlib import Path

import pytest
import yaml

from watcher.config import ConfigError, load, parse_duration

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "config_errors.yaml").read_text())
A_SOURCE = "sources:\n  - {name: tk, kind: tweedekamer}\n"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_check_names_line_and_key_of_each_problem(case, tmp_path, watcher_cli):
    path = tmp_path / "sources.yaml"
    text = case["yaml"]
    if not case.get("without_sources") and not text.startswith("sources:") and "\nsources:" not in text:
        text += A_SOURCE  # at the end, so the lines the case names stay where they are
    path.write_text(text)
    code, out, err = watcher_cli("-c", path, "check")
    assert code == 2
    lines = err.splitlines()
    for expected in case["problems"]:
        assert any(line.startswith(f"{path}:") and expected in line for line in lines), (expected, err)
    assert len(lines) == len(case["problems"]) + 1  # and nothing else, but the closing summary


def test_a_good_file_loads_with_defaults(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: tk, kind: tweedekamer}\nsubscribers:\n  - {name: a, keywords: [x]}\n")
    config = load(path)
    [source] = config.sources
    assert source.url == "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/"
    assert (source.since, source.stale_after) == ("now", 86400.0)
    assert config.state_dir == tmp_path / "state"
    assert config.poll_interval == 300.0
    assert config.subscribers[0].telegram is None


def test_environment_overrides_state_dir(tmp_path, monkeypatch):
    path = tmp_path / "sources.yaml"
    path.write_text("state_dir: here\n" + A_SOURCE)
    monkeypatch.setenv("WATCHER_STATE", str(tmp_path / "elsewhere"))
    assert load(path).state_dir == tmp_path / "elsewhere"


def test_config_path_comes_from_the_environment_when_not_given(tmp_path, monkeypatch, watcher_cli):
    path = tmp_path / "mine.yaml"
    path.write_text(A_SOURCE + "subscribers: []\n")
    monkeypatch.setenv("WATCHER_CONFIG", str(path))
    code, out, _ = watcher_cli("check")
    assert code == 0 and out.startswith(str(path))


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("5m", 300), ("1h", 3600), ("2d", 172800), ("0.5s", 0.5)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_missing_file_says_what_to_do(tmp_path, watcher_cli):
    code, out, err = watcher_cli("-c", tmp_path / "nope.yaml", "check")
    assert code == 2 and "no config at" in err and "WATCHER_CONFIG" in err


def test_config_error_lists_all_problems_at_once(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("poll_interval: never\nbogus: 1\n" + A_SOURCE)
    with pytest.raises(ConfigError) as e:
        load(path)
    assert [p.line for p in e.value.problems] == [1, 2]
