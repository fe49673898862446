"""An upstream that is broken or hostile costs a bounded number of bytes and seconds: a body past the cap
stops being read there, an answer that announces too much is not read at all, a server that drips holds
one source for its deadline and no longer, while the other sources are polled and their alerts sent."""

import asyncio
import itertools
import subprocess
import sys
import threading
from datetime import date

import pytest

from tests.fakes.server import LoopbackServer, Response
from tests.fakes.tk import page_rows
from watcher.settings import HTTPSettings
from watcher.sources.http import HTTP, TooLarge
from watcher.store import open_store

MB = 2**20
# What a loopback socket may hold on both ends before the sender blocks: bytes the server wrote that the
# client never read.
SOCKET_SLACK = 16 * MB


def endless(chunk=MB, pause=0.0, stop: threading.Event | None = None):
    """A body that never ends (or ends when `stop` is set): one `chunk` of bytes at a time."""
    block = b"%PDF-1.7\n" + b"x" * (chunk - 9) if chunk > 9 else b"x" * chunk
    for _ in itertools.count():
        if stop is not None and stop.wait(pause):
            return
        yield block


def fetch(server, cap):
    async def go():
        http = HTTP(HTTPSettings(timeout=30, retries=0, backoff=0.01))
        try:
            await http.get(server.url + "/big", max_bytes=cap)
        except TooLarge as e:
            return e
        finally:
            await http.aclose()
    return asyncio.run(go())


@pytest.mark.parametrize("headers", [{}, {"Content-Length": str(1000)}], ids=["chunked", "lying-length"])
def test_a_body_past_the_cap_stops_being_read_at_the_cap(headers):
    # "lying-length": Content-Length says 1,000 bytes, and then the server goes on; httpx reads what was
    # announced, so the cap is only reached without it (chunked). Both must end within the cap.
    server = LoopbackServer(lambda request: Response(200, headers=dict(headers), stream=endless())).start()
    try:
        error = fetch(server, cap=8 * MB)
        if headers:
            assert error is None  # 1,000 bytes as announced, and the rest never read
        else:
            assert "sent more than the 8,388,608-byte limit" in str(error)
        assert server.bytes_sent <= 8 * MB + SOCKET_SLACK
    finally:
        server.stop()


def test_an_answer_that_announces_more_than_the_cap_is_refused_unread():
    server = LoopbackServer(lambda request: Response(200, headers={"Content-Length": str(300 * MB)},
                                                     stream=endless())).start()
    try:
        error = fetch(server, cap=50 * MB)
        assert "announces 314,572,800 bytes, over the 52,428,800-byte limit: not read" in str(error)
        assert server.bytes_sent <= SOCKET_SLACK
    finally:
        server.stop()


# Runs the watcher as its only child and prints the peak RSS of it (and what it reaped). Not measured on a
# child of the test process itself: a child forked from pytest starts with pytest's high-water mark.
LAUNCHER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def _run_in_a_process(config, timeout=120):
    """`watcher run --once` in a process of its own; returns (exit code, stderr, its peak RSS in bytes)."""
    done = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, "-m", "watcher", "-c", str(config),
                           "run", "--once"], capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stderr, int(done.stdout.strip() or 0) * 1024  # KiB on Linux


def test_a_300_mb_file_behind_a_small_content_length_is_read_once_up_to_the_cap(tk, write_config):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "desk", "keywords": ["Kamer"]}])
    assert _run_in_a_process(config)[0] == 0  # baseline
    row = tk.add(page_rows()[0])  # the row says its file has a few hundred kB
    tk.intercept = lambda path, request: (Response(200, headers={"Content-Type": "application/pdf"},
                                                   stream=itertools.islice(endless(), 300))
                                          if path == f"Resources/{row['Id']}" else None)
    code, err, peak = _run_in_a_process(config)
    assert code == 0, err
    assert "over the 52,428,800-byte limit" in err or "more than the 52,428,800-byte limit" in err, err
    file = f"Resources/{row['Id']}"
    assert [r.path.endswith(file) for r in tk.server.requests].count(True) == 1  # read once
    assert tk.server.bytes_sent <= 50 * MB + SOCKET_SLACK
    assert peak < 300 * MB, f"peak RSS {peak / MB:.0f} MB"
    with open_store(config.parent / "state", readonly=True) as store:
        assert store.count_documents("tk") == 1  # stored on its metadata, the file given up on


def test_a_row_that_declares_more_than_the_cap_is_not_downloaded(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "desk", "keywords": ["Defensie"]}])  # in its title
    watcher_cli("-c", config, "run", "--once")
    row = tk.add(page_rows()[0])
    doc = tk.entities[("Document", row["Id"])]
    tk.put_entity("Document", row["Id"], doc["fields"], doc["refs"], content_type=doc["content_type"],
                  content_length=300 * MB)  # what the feed declares
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert "over the 52,428,800-byte limit: not downloaded" in err
    assert not any("/Resources/" in r.path for r in tk.server.requests)
    assert row["DocumentNummer"] in out  # alerted on its metadata


# Either bound ends it: the request's own deadline (http.timeout, over the whole answer), or the source's.
@pytest.mark.parametrize("timeout,deadline,says", [
    ("2s", "60s", "no whole answer within 2s from"),
    ("60s", "3s", "tk: cycle failed, will retry next cycle: not done within its deadline of 3s"),
], ids=["request-deadline", "source-deadline"])
def test_a_dripping_listing_holds_its_source_for_its_deadline_while_the_others_are_polled_and_sent(
        timeout, deadline, says, tk, koop, telegram, write_config, monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "deadline": deadline},
                           {"name": "ob", "kind": "officielebekendmakingen", "url": koop.url}],
                          [{"name": "desk", "telegram": 21, "keywords": ["Defensie", "Testbericht"]}],
                          telegram={"api_url": telegram.url},
                          http={"timeout": timeout, "retries": 1, "backoff": "0.01s"})
    assert _run_in_a_process(config)[0] == 0  # baseline of both
    with open_store(tmp_path / "state", readonly=True) as store:
        cursor = store.cursor("tk/feed Document")
    tk.add(page_rows()[0])
    koop.add(0, modified=date.today().isoformat())
    stop = threading.Event()
    # One byte every half second: no read ever times out, the listing never ends.
    tk.intercept = lambda path, request: (Response(200, headers={"Content-Type": "application/atom+xml"},
                                                   stream=endless(chunk=1, pause=0.5, stop=stop))
                                          if request.query.get("category") == "Document" else None)
    try:
        code, err, _ = _run_in_a_process(config, timeout=90)
    finally:
        stop.set()
    assert code == 1, err  # a source failed this cycle: cron may retry
    assert says in err, err
    assert any("kv-tk-2024Z99901" in text for text in telegram.texts(21))  # KOOP's alert went out this cycle
    with open_store(tmp_path / "state", readonly=True) as store:
        assert store.cursor("tk/feed Document") == cursor  # where it was: retried next cycle
    tk.intercept = None
    code, err, _ = _run_in_a_process(config)
    assert code == 0, err
    assert any(page_rows()[0]["DocumentNummer"] in text for text in telegram.texts(21)), (err, telegram.texts(21))
