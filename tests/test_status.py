"""`watcher status`: per-source health, and exit 1 when a source is stale (for HEALTHCHECK and cron)."""

from datetime import datetime, timedelta, timezone

from watcher.config import load
from watcher.status import status
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
    tk.fail("Document", 500, 500, 500)
    watcher_cli("-c", config, "run", "--once")
    code, out, err = watcher_cli("-c", config, "status")
    assert code == 1
    assert "last success: never" in out and "HTTP 500" in out


def test_status_before_any_run_says_what_to_do(write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9"}])
    code, out, err = watcher_cli("-c", config, "status")
    assert code == 1 and "watcher run --once" in out
