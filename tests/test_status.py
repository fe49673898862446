"""`watcher status`: per-source health, and exit 1 when a source is stale (for HEALTHCHECK and cron)."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from watcher.config import load
from watcher.commands.status import status
from watcher.store import open_store
from tests.conftest import ROOT
from tests.fakes.tk import page_rows


def test_status_after_a_good_cycle_is_ok(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}])
    watcher_cli("-c", config, "run", "--once")
    tk.add(page_rows()[0])
    watcher_cli("-c", config, "run", "--once")
    code, out, err = watcher_cli("-c", config, "status")
    assert code == 0, out
    assert "tk (tweedekamer): ok" in out
    assert "documents:    1" in out
    assert "alerts waiting: 0" in out


def test_status_as_json_says_the_same_for_monitoring(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "stale_after": "1h"}])
    code, out, err = watcher_cli("-c", config, "status", "--json")
    assert code == 1 and out == "" and "no state" in err  # no JSON to misread before the first run
    watcher_cli("-c", config, "run", "--once")
    tk.add(page_rows()[0])
    watcher_cli("-c", config, "run", "--once")
    code, out, err = watcher_cli("-c", config, "status", "--json")
    found = json.loads(out)
    assert code == 0 and found["stale"] == [] and found["alerts_waiting"] == 0, out
    [source] = found["sources"]
    assert (source["name"], source["stale"], source["documents"]) == ("tk", False, 1)
    assert "feed" in source["where"]


def test_status_is_stale_when_the_last_success_is_older_than_stale_after(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "stale_after": "1h"}])
    watcher_cli("-c", config, "run", "--once")
    import io
    out = io.StringIO()
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert status(load(config), out, now=later) == 1
    assert "tk (tweedekamer): STALE" in out.getvalue()


def test_status_of_a_failing_source_shows_the_error(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": "2026-01-01"}])
    tk.fail("Feed?category=Document", 500, 500, 500)
    watcher_cli("-c", config, "run", "--once")
    code, out, err = watcher_cli("-c", config, "status")
    assert code == 1
    assert "last success: never" in out and "HTTP 500" in out


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_status_before_any_run_says_what_to_do(write_config, watcher_cli, store, request):
    dsn = {"dsn": request.getfixturevalue("postgres_dsn")} if store == "postgresql" else {}
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9"}], store=store, **dsn)
    code, out, err = watcher_cli("-c", config, "status")
    assert code == 1 and "no state in" in out and "watcher run --once" in out and "STALE" not in out, out


def _state_with_a_send_not_yet_folded(tk, write_config, watcher_cli, tmp_path, monkeypatch, store="sqlite"):
    """What a crash leaves between Telegram accepting a send and the next flush: a `sent` line in
    outbox.log that the tables do not show yet."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "desk", "telegram": 501, "keywords": ["Kamer"]}],
                          telegram={"api_url": "http://127.0.0.1:9"}, store=store)
    watcher_cli("-c", config, "run", "--once")
    for row in page_rows()[:2]:
        tk.add(row)
    watcher_cli("-c", config, "run", "--once")  # Telegram unreachable: both alerts stay waiting
    state = tmp_path / "state"
    with open_store(state, readonly=True, kind=store) as reader:
        first = reader.pending_alerts()[0].id
    with open(state / "outbox.log", "a") as log:
        log.write(json.dumps(["sending", first]) + "\n" + json.dumps(["sent", first, "telegram"]) + "\n")
    return config, state


def _snapshot(folder):
    # SQLite's -shm is the readers' shared index, not state: any reader of a WAL database touches it.
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith("-shm")}


@pytest.mark.parametrize("store", ["sqlite", "tinydb"])
def test_status_right_after_a_crash_counts_unfolded_sends_and_writes_nothing(store, tk, write_config, watcher_cli,
                                                                              tmp_path, monkeypatch):
    config, state = _state_with_a_send_not_yet_folded(tk, write_config, watcher_cli, tmp_path, monkeypatch, store)
    before = _snapshot(state)
    code, out, err = watcher_cli("-c", config, "status")
    assert code == 0, out + err
    assert "alerts waiting: 1" in out
    assert "1 sends not yet folded" in out
    assert _snapshot(state) == before


def test_status_on_a_read_only_mount_reads_the_state_and_claims_no_damage(tk, write_config, watcher_cli, tmp_path,
                                                                          monkeypatch):
    config, state = _state_with_a_send_not_yet_folded(tk, write_config, watcher_cli, tmp_path, monkeypatch)
    # A read-only bind mount of the state in a mount namespace of its own (root needs one: file modes do not
    # stop root). Where namespaces are not allowed, this cannot be tried.
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro {state} {state}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.decode().strip()}")
    script = (f"mount --bind -o ro {state} {state} && touch {state}/x 2>/dev/null && exit 99; "
              f"exec {sys.executable} -m watcher -c {config} status")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "alerts waiting: 1" in done.stdout and "1 sends not yet folded" in done.stdout
    assert "Traceback" not in done.stderr and "damaged" not in done.stdout + done.stderr


def _watcher_in_a_process(config, *verb: str, before: str = "", after: str = "") -> subprocess.CompletedProcess:
    """`watcher -c CONFIG VERB…` in a Python of its own: `before` runs ahead of watcher, `after` once it is done
    (both write what they see to stderr). `STARTUP` holds what the interpreter had loaded before either: a
    site's .pth files may import modules of their own (certifi's CA hook loads zipfile), and those are not
    watcher's."""
    code = (f"import sys\nSTARTUP = set(sys.modules)\n{before}\n"
            f"from watcher.cli import main\nrc = main(sys.argv[1:])\n{after}\nsys.exit(rc)")
    return subprocess.run([sys.executable, "-c", code, "-c", str(config), *verb], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


LOADED = "print(' '.join(sorted(set(sys.modules) - STARTUP)), file=sys.stderr)"  # what watcher imported, on stderr


# What the health check (every five minutes) and `check` must not load: the pollers, the parsers and the clients
# a run uses. Each is tens of milliseconds of a verb that polls nothing. Nor PyYAML: the config, read by the run
# before, is kept (yamlfile.py).
NOT_LOADED = ("watcher.sources._base", "watcher.sources.tweedekamer.source", "watcher.sources.tweedekamer.feed",
              "watcher.sources.officielebekendmakingen", "watcher.sources.feed", "watcher.extract._text",
              "lxml", "httpx", "telegram", "ahocorasick_rs", "pypdfium2", "tinydb", "yaml", "watcher.yamlread")


@pytest.mark.parametrize("verb", ["status", "check"])
def test_a_verb_that_polls_nothing_imports_no_poller_parser_or_client(verb, tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "events": ["documents", "votes"]},
                           {"name": "ob", "kind": "officielebekendmakingen", "url": tk.url,
                            "query": "c.product-area==officielepublicaties"}])
    watcher_cli("-c", config, "run", "--once")
    done = _watcher_in_a_process(config, verb, after=LOADED)
    loaded = done.stderr.split()
    assert "watcher.sources.kinds" in loaded, done.stderr[-2000:]  # the test sees what is imported
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert [m for m in loaded if m.startswith(NOT_LOADED)] == []


# What a cron run with nothing new loads no part of: the Telegram client (nothing to send), the mail (none to
# send), the reader of a verslag (none changed), PyYAML (the config is kept), the diff and its page (no
# revision), the buttons and the quiet hours (no alert), the Kamer's assembly of documents (no root changed),
# the automaton library (nothing to match). Each is milliseconds of every run.
NOT_LOADED_QUIET = ("telegram", "smtplib", "watcher.extract.vlos", "yaml", "watcher.yamlread", "watcher.news.diff",
                    "diff_match_patch", "watcher.alerts.diffpage", "watcher.alerts.buttons", "watcher.deliver.quiet",
                    "watcher.sources.tweedekamer.assemble", "ahocorasick_rs", "zipfile")


def _quiet(tk, telegram, write_config, watcher_cli, monkeypatch):
    """A config with a subscriber on Telegram and e-mail, run once: the next run finds nothing new."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:BOT")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "ann", "telegram": 31, "keywords": ["begrotingsstaten"],
                            "email": "ann@example.org"}],
                          telegram={"api_url": telegram.url, "allow": "open"},
                          email={"host": "127.0.0.1", "port": 1, "from": "watcher@example.org", "security": "none"})
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    return config


def test_a_quiet_run_loads_only_what_it_uses(tk, telegram, write_config, watcher_cli, monkeypatch):
    config = _quiet(tk, telegram, write_config, watcher_cli, monkeypatch)
    done = _watcher_in_a_process(config, "run", "--once", after=LOADED)
    loaded = done.stderr.split()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "watcher.deliver.email" in loaded and "httpx" in loaded, done.stderr[-2000:]  # it sees what is loaded
    assert [m for m in loaded if m.startswith(NOT_LOADED_QUIET)] == []


# httpx tries to load its command line as it loads, and that loads html's entity table by way of pygments where
# pygments is installed (pytest brings it; a watcher's own install has none): there a quiet run's `html` is
# httpx's. Without pygments, as installed for use, it is nobody's: watcher imports html where it writes an alert.
ABSENT_AS_INSTALLED = """
class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("pygments", "rich"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Absent())
"""


def test_a_quiet_run_where_httpx_has_no_command_line_loads_no_html(tk, telegram, write_config, watcher_cli,
                                                                    monkeypatch):
    config = _quiet(tk, telegram, write_config, watcher_cli, monkeypatch)
    done = _watcher_in_a_process(config, "run", "--once", before=ABSENT_AS_INSTALLED, after=LOADED)
    loaded = done.stderr.split()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "httpx" in loaded and "pygments" not in loaded, done.stderr[-2000:]
    assert "html" not in loaded


def test_a_quiet_run_tries_no_missing_module_twice(tk, koop, telegram, write_config, watcher_cli, monkeypatch):
    # An import that fails searches every folder on sys.path again each time it is tried: httpcore asks for
    # sniffio inside a function it calls at every request, and without it installed a quiet run paid ~100
    # such searches (2% of its instructions, bench_quiet.py --instructions). A library's module trying an
    # optional one as it loads is once; a function trying the same missing module twice is at every call.
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:BOT")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url},
                           {"name": "ob", "kind": "officielebekendmakingen", "url": koop.url,
                            "query": "c.product-area==officielepublicaties"}],
                          [{"name": "ann", "telegram": 31, "keywords": ["begrotingsstaten"]}],
                          telegram={"api_url": telegram.url, "allow": "open"})
    watcher_cli("-c", config, "run", "--once")
    tk.requests.clear()
    watching = ("missed = []\n"
                "class Missed:\n"
                "    @staticmethod\n"
                "    def find_spec(name, path=None, target=None):\n"
                "        frame = sys._getframe(1)\n"
                "        while frame.f_code.co_filename.startswith('<frozen'):\n"
                "            frame = frame.f_back\n"
                "        if frame.f_code.co_name != '<module>':\n"
                "            missed.append(name)\n"
                "sys.meta_path.append(Missed)  # asked only when no other finder found the module")
    done = _watcher_in_a_process(config, "run", "--once", before=watching,
                                 after="print('MISSED', ' '.join(missed), file=sys.stderr)")
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stdout + done.stderr
    missed = done.stderr.rsplit("MISSED", 1)[1].split()
    assert sum(tk.requests.values()) > 0  # this run asked the feed: httpcore asked for sniffio
    assert sorted({m for m in missed if missed.count(m) > 1}) == []
