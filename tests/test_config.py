"""sources.yaml: every problem reported with file, line and key; good files load into plain objects."""

import os
from pathlib import Path

import pytest
import yaml

from watcher.config import ConfigError, load
from watcher.settings import parse_duration

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
    assert source.url == "https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/"
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


# Files that are not a config file at all: each must be refused before it is read (a FIFO would hang,
# a huge file balloon, a symlink's target be echoed), with exit 2 and the file named.
def _not_utf8(folder):
    path = folder / "sources.yaml"
    path.write_bytes(A_SOURCE.encode() + b"subscribers:\n  - {name: caf\xe9, keywords: [x]}\n")
    return path, "sources.yaml:4: (encoding): byte 0xe9 at column 15 is not UTF-8"


def _directory(folder):
    (folder / "conf").mkdir()
    return folder / "conf", "is a directory: pass the config file itself"


def _fifo(folder):
    os.mkfifo(folder / "sources.yaml")
    return folder / "sources.yaml", "is not a regular file (a FIFO, socket or device)"


SECRET = "root:$6$do-not-echo-this-line"


def _symlink_out_of_its_folder(folder):
    (folder / "elsewhere").mkdir()
    (folder / "elsewhere" / "shadow").write_text(f"{SECRET}\nsources: [\n")
    (folder / "conf").mkdir()
    (folder / "conf" / "sources.yaml").symlink_to(folder / "elsewhere" / "shadow")
    return folder / "conf" / "sources.yaml", "outside its own folder: refused"


def _over_five_megabytes(folder):
    path = folder / "sources.yaml"
    path.write_text(A_SOURCE + "# " + "x" * (5 * 2**20) + "\n")
    return path, "over the 5 MB a config file may be"


def _deeply_nested(folder):
    # Deeper than any YAML parser allows: the words are ours, whatever PyYAML would say (6.0.4 has its own).
    path = folder / "sources.yaml"
    path.write_text(A_SOURCE + "x: " + "[" * 20000 + "]" * 20000 + "\n")
    return path, "too deep to be a config file"


def _nested_past_our_bound(folder):
    # Deeper than a config file needs, shallower than every parser's own limit: refused by our bound.
    path = folder / "sources.yaml"
    path.write_text(A_SOURCE + "x: " + "{a: " * 150 + "1" + "}" * 150 + "\n")
    return path, "too deep to be a config file"


def _state_dir_under_a_file(folder):
    (folder / "plain").write_text("not a folder")
    path = folder / "sources.yaml"
    path.write_text(f"state_dir: {folder / 'plain' / 'state'}\n" + A_SOURCE)
    return path, "state_dir: "


FILE_CASES = [_not_utf8, _directory, _fifo, _symlink_out_of_its_folder, _over_five_megabytes, _deeply_nested,
              _nested_past_our_bound,
              _state_dir_under_a_file]


@pytest.mark.parametrize("make", FILE_CASES, ids=[f.__name__.strip("_") for f in FILE_CASES])
def test_a_file_that_is_no_config_is_refused_before_it_is_read(make, tmp_path, watcher_cli):
    path, expected = make(tmp_path)
    code, out, err = watcher_cli("-c", path, "check")
    assert code == 2, err
    assert expected in err and str(path) in err, err
    assert "Traceback" not in err and SECRET not in err + out


def test_each_kind_loads_the_poller_of_its_word_and_the_tweedekamer_events_are_its_streams():
    # kinds.py names a poller by a string and kind.py the events by their names, apart from the code: a name
    # that drifts from its class would be found by a run, not by `watcher check`.
    from watcher.sources.kinds import KINDS
    from watcher.sources.tweedekamer import kind, source

    assert {word: k.load().kind for word, k in KINDS.items()} == {word: word for word in KINDS}
    assert kind.EVENTS == ("documents", *(s.name for s in source.STREAMS))


# ---------------------------------------------------------------- a config read once is kept

def _read_in_a_process_of_its_own(path: Path, cache: Path) -> tuple[dict, bool]:
    """(the first source, whether PyYAML was imported) as a fresh `watcher` process reads `path`."""
    import json
    import subprocess
    import sys

    code = ("import json, sys; from watcher.config import load; c = load(sys.argv[1]); "
            "print(json.dumps([c.sources[0].name, c.sources[0].url, 'yaml' in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                          env=dict(os.environ, XDG_CACHE_HOME=str(cache)), cwd=Path(__file__).parent.parent)
    name, url, imported = json.loads(done.stdout)
    return {"name": name, "url": url}, imported


GOOD = "sources:\n  - name: kamer\n    kind: tweedekamer\n    url: https://example.org/one/\n"


def test_a_config_read_again_is_read_without_pyyaml(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD)
    assert _read_in_a_process_of_its_own(path, tmp_path / "cache") == ({"name": "kamer", "url": "https://example.org/one/"}, True)
    assert _read_in_a_process_of_its_own(path, tmp_path / "cache") == ({"name": "kamer", "url": "https://example.org/one/"}, False)


def test_an_edited_config_is_read_anew_even_at_its_old_size_and_time(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD)
    _read_in_a_process_of_its_own(path, tmp_path / "cache")
    before = path.stat()
    path.write_text(GOOD.replace("one", "two"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert _read_in_a_process_of_its_own(path, tmp_path / "cache") == ({"name": "kamer", "url": "https://example.org/two/"}, True)


def test_a_config_with_an_error_is_never_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD + "  - [unclosed\n")
    with pytest.raises(ConfigError, match=r"sources.yaml:6"):
        load(path)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.marshal"))


def test_the_kept_values_and_lines_are_those_of_the_text(tmp_path, monkeypatch):
    from watcher import yamlfile
    from watcher.yamlread import read

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = (Path(__file__).parent.parent / "sources.yaml").read_text()
    fresh = read(text, "sources.yaml")
    first, kept = yamlfile.load(text, "sources.yaml"), yamlfile.load(text, "sources.yaml")
    assert (first.data, first.lines) == (kept.data, kept.lines) == (fresh.data, fresh.lines)
    assert len(fresh.lines) > 20


@pytest.mark.parametrize("spoil", ["a file where the folder goes", "a kept file that is not ours",
                                   "a kept file cut short"])
def test_a_cache_that_cannot_be_used_is_passed_by(spoil, tmp_path, monkeypatch):
    from watcher import yamlfile

    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD)
    kept = Path(yamlfile._cache_file(str(path)))
    if spoil == "a file where the folder goes":
        cache.mkdir()
        (cache / "watcher").write_text("not a folder")
    else:
        load(path)
        kept.write_bytes(b"\x00not marshal" if spoil == "a kept file that is not ours" else kept.read_bytes()[:40])
    assert load(path).sources[0].url == "https://example.org/one/"
    path.write_text(GOOD.replace("one", "two"))
    assert load(path).sources[0].url == "https://example.org/two/"


def _read_once(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """GOOD read once with a cache of the test's own: (the file, its kept copy)."""
    from watcher import yamlfile

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD)
    load(path)
    return path, Path(yamlfile._cache_file(str(path)))


def test_a_new_version_of_the_reader_reads_every_file_anew(tmp_path, monkeypatch):
    import marshal

    from watcher import yamlfile

    path, kept = _read_once(tmp_path, monkeypatch)
    key, data, lines = marshal.loads(kept.read_bytes())
    data["sources"][0]["url"] = "https://example.org/as-an-older-reader-read-it/"
    kept.write_bytes(marshal.dumps((key, data, lines)))
    assert load(path).sources[0].url.endswith("/as-an-older-reader-read-it/")  # the same reader: it is kept
    reader = Path(yamlfile.__file__)
    monkeypatch.setattr(yamlfile, "__file__", str(tmp_path / "yamlfile.py"))  # installed anew: another file
    (tmp_path / "yamlfile.py").write_text(reader.read_text())
    assert load(path).sources[0].url == "https://example.org/one/"


def test_the_kept_copy_is_readable_by_its_owner_alone(tmp_path, monkeypatch):
    _, kept = _read_once(tmp_path, monkeypatch)
    assert kept.stat().st_mode & 0o777 == 0o600  # it holds the watchlists
    assert kept.parent.stat().st_mode & 0o777 == 0o700


def test_a_cache_write_that_fails_leaves_no_half_written_file(tmp_path, monkeypatch):
    from watcher import yamlfile

    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD)

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(yamlfile.os, "replace", full)
    assert load(path).sources[0].url == "https://example.org/one/"
    assert [p.name for p in (cache / "watcher").iterdir()] == []
