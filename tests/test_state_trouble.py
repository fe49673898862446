"""A state that cannot be used stops watcher with one clear line and exit 3 (never a traceback, never a
second watcher beside the first): the directory replaced under a running watcher, a disk that is full."""

import resource
import signal
import subprocess
import sys
import time

import pytest

from tests.fakes.tk import page_rows
from watcher.store import open_store


def _until(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _cursor(state):
    try:
        with open_store(state, readonly=True) as store:
            return store.cursor("tk")
    except Exception:  # not made yet, or made this very moment
        return None


def test_a_state_directory_replaced_under_a_running_watcher_stops_it(tk, write_config, spawn, tmp_path):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], poll_interval="1s")
    state = tmp_path / "state"
    proc = spawn("-c", config, "run")
    assert _until(lambda: _cursor(state) is not None), "the first cycle never ended"
    state.rename(tmp_path / "state.moved")  # what a restore from backup, or a remount, does
    state.mkdir()
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("watcher ran on in a directory no one else sees")
    err = proc.stderr.read()
    assert code == 3, err
    assert f"the state directory {state} was removed, replaced or remounted" in err
    assert "Traceback" not in err


def _file_size_limit(limit):
    def apply():
        # SIGXFSZ would kill the process; ignored, a write past the limit fails with EFBIG instead, as a
        # write to a full disk fails with ENOSPC.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _run_limited(config, limit):
    return subprocess.run([sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"],
                          capture_output=True, text=True, timeout=300, preexec_fn=_file_size_limit(limit))


def test_a_state_that_cannot_grow_ends_the_run_with_one_line_and_exit_3(tk, write_config, tmp_path):
    for row in page_rows()[:120]:
        tk.add(row, fresh=False)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": "2020-01-01",
                            "backfill_alerts": True}], [{"name": "desk", "keywords": ["Kamer"]}])
    done = _run_limited(config, 256 * 1024)
    assert done.returncode == 3, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("watcher:")]
    assert len(errors) == 1 and "cannot be written" in errors[0] and "nothing is lost" in errors[0], done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    # Nothing was lost: without the limit, the next run goes on from the last commit and ends well.
    again = subprocess.run([sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    with open_store(tmp_path / "state", readonly=True) as store:
        assert store.count_documents("tk") == 120


def test_a_read_only_state_ends_the_run_with_one_line_and_exit_3(tk, write_config, tmp_path):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}])
    first = subprocess.run([sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"],
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    tk.add(page_rows()[0])
    state = tmp_path / "state"
    # A read-only bind mount in a mount namespace of its own: file modes do not stop root.
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro {state} {state}"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.decode().strip()}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro {state} {state} && exec "
                           f"{sys.executable} -m watcher -c {config} run --once"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("watcher:")]
    assert len(errors) == 1 and str(state) in errors[0] and "Traceback" not in done.stderr, done.stderr
