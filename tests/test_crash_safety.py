"""The state survives SIGKILL at any point of a cycle, and one state directory has one process."""

import json
import os
import random
import signal
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.fakes.tk import page_rows
from watcher.store import open_store

DOCS = 20
TRIALS = {"sqlite": 21, "tinydb": 9, "postgresql": 9}  # TinyDB is the older path, kept for small installs


def in_flight(state: Path) -> set[str]:
    """Alerts whose send had started but was not confirmed when the process died."""
    started = set()
    log = state / "outbox.log"
    if log.exists():
        for line in log.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry[0] == "sending":
                started.add(entry[1])
            else:
                started.discard(entry[1])
    return started


def first_cycle_done(state: Path) -> bool:
    if not (state / "watcher.db").exists():
        return False
    with open_store(state, readonly=True) as store:
        return "last_success" in store.health("tk")


@pytest.mark.parametrize("store", ["sqlite", "tinydb", "postgresql"])
def test_sigkill_at_random_points_loses_nothing_and_repeats_only_an_unconfirmed_send(
        tk, telegram, tmp_path, write_config, store, spawn, request):
    server = request.getfixturevalue("postgres_server") if store == "postgresql" else None
    tk.page_size = 7
    rows = [r for r in page_rows() if r["Soort"] in ("Motie", "Brief regering") and r["ContentType"]][:DOCS]
    for row in rows:
        tk.add(row)
    numbers = [r["DocumentNummer"] for r in rows]
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = {"TELEGRAM_BOT_TOKEN": "42:KILLTEST"}
    rng = random.Random(20261123)
    duration = None
    for trial in range(TRIALS[store]):
        state = tmp_path / f"state{trial}"
        dsn = {"dsn": server.new_database()} if server else {}  # a fresh database a trial
        config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since,
                            "backfill_alerts": True}],
                              [{"name": "chat", "telegram": 777, "keywords": ["Kamer"]},
                               {"name": "console", "keywords": ["Kamer"]}],
                              telegram={"api_url": telegram.url}, state_dir=str(state), store=store, **dsn)
        telegram.messages.clear()
        outputs = []
        if duration is None:  # the first trial measures how long a whole cycle takes
            started = time.monotonic()
            proc = spawn("-c", config, "run", "--once", env=env)
            outputs.append(proc.communicate(timeout=120)[0])
            duration = time.monotonic() - started
            killed_at, ambiguous = None, set()
        else:
            proc = spawn("-c", config, "run", "--once", env=env)
            killed_at = rng.uniform(0.05, duration * 1.1)
            time.sleep(killed_at)
            proc.send_signal(signal.SIGKILL)
            outputs.append(proc.communicate(timeout=60)[0])
            if server:  # the marks are rows in the database: what it says was started and never confirmed
                with open_store(state, readonly=True, kind=store, **dsn) as killed:
                    ambiguous = set(killed.in_flight())
            else:
                ambiguous = in_flight(state)
            proc = spawn("-c", config, "run", "--once", env=env)
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"trial {trial} (killed at {killed_at:.2f}s): the next run failed:\n{err}"
            outputs.append(out)

        sent = Counter(n for text in telegram.texts(777) for n in numbers if n in (text.split("\n") + [""])[1])
        printed = Counter(n for out in outputs for line in out.splitlines()
                          for n in numbers if line.startswith("[console] ") and line.endswith(n))
        for channel, counts, subscriber in (("telegram", sent, "chat"), ("stdout", printed, "console")):
            lost = [n for n in numbers if counts[n] == 0]
            assert not lost, f"trial {trial} (killed at {killed_at}): {channel} never got {lost}"
            for n, count in counts.items():
                if count > 1:
                    # The one duplicate allowed: a send that had started and was never confirmed.
                    assert count == 2 and f"{subscriber}|{n}|new" in ambiguous, (
                        f"trial {trial} (killed at {killed_at}): {n} sent {count} times via {channel}")
        with open_store(state, readonly=True, kind=store, **dsn) as after:
            assert after.count_pending_alerts() == 0 and after.count_documents() == DOCS
    print(f"one whole cycle took {duration:.2f}s")


def test_a_second_run_on_the_same_state_exits_3_and_names_the_holder(tk, write_config, spawn):
    tk.add(page_rows()[0])
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since,
                            "backfill_alerts": True}])
    tk.delay = 1.5
    first = spawn("-c", config, "run", "--once")
    deadline = time.monotonic() + 30
    while not tk.server.requests and time.monotonic() < deadline:
        time.sleep(0.02)  # the first has the lock once it talks to the API
    second = spawn("-c", config, "run", "--once")
    out2, err2 = second.communicate(timeout=60)
    out1, err1 = first.communicate(timeout=60)
    assert second.returncode == 3
    assert f"in use by process {first.pid}" in err2
    assert first.returncode == 0, err1


def test_sigterm_finishes_the_cycle_in_flight_saves_and_exits_0(tk, write_config, spawn, watcher_cli):
    rows = [tk.add(r) for r in page_rows()[:3]]
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since,
                            "backfill_alerts": True}],
                          [{"name": "all", "keywords": ["Kamer"]}])
    tk.delay = 0.5
    proc = spawn("-c", config, "run")
    deadline = time.monotonic() + 30
    while not any(r.query.get("category") == "Document" for r in tk.server.requests) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)  # while the first pages are still being answered
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    # What was in flight (where each category starts, the pages being answered) was finished and kept;
    # what it makes whole is told by the next run, once.
    with open_store(config.parent / "state", readonly=True) as store:
        assert store.cursor("tk/feed Document") is not None
    tk.delay = 0
    code, again, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    told = [line for line in (out + again).splitlines() if line.startswith("[all] ")]
    assert sorted(line.split()[-1] for line in told) == sorted(r["DocumentNummer"] for r in rows), told


def test_a_running_watcher_keeps_its_last_good_rules_when_the_file_breaks(tk, write_config, spawn):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "all", "keywords": ["Kamer"]}])
    proc = spawn("-c", config, "run")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not first_cycle_done(config.parent / "state"):
        time.sleep(0.05)  # the first cycle is done: the loop has read the file
    config.write_text(config.read_text().replace("- Kamer", '- ""'))  # an empty keyword
    os.utime(config, (time.time() + 5, time.time() + 5))
    row = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if row is None:
            row = tk.add(page_rows()[0])
        if len([r for r in tk.server.requests if "/Resources/" in r.path]) >= 1:
            break
    polls = tk.requests["Document"]  # two polls after the file was read: its cycle ended, its alert printed
    while time.monotonic() < deadline + 30 and tk.requests["Document"] < polls + 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "keeping the last good rules" in err
    assert "subscribers[0].keywords[0]: an empty keyword matches nothing" in err
    assert f"[all] nieuw: {row['Soort']} {row['DocumentNummer']}" in out  # the old rule still matched


def test_a_bot_command_answered_mid_page_does_not_make_a_half_applied_page_durable(tk, telegram, write_config, spawn):
    """A command's reply waits for its rule to be on disk. Were that flush to land while a page is half
    applied (one document stored, its alert not yet queued), a crash would then lose the alert: the next
    run finds the document already stored, unchanged."""
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "all", "keywords": ["Kamer"]}],
                          telegram={"api_url": telegram.url, "allow": "open"}, poll_interval="1s")
    env = {"TELEGRAM_BOT_TOKEN": "42:BOT"}
    proc = spawn("-c", config, "run", env=env)
    release = threading.Event()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not first_cycle_done(config.parent / "state"):
            time.sleep(0.05)
        quick, slow = [tk.add(r) for r in page_rows() if r["ContentType"] and "Kamer" in (r["Titel"] or "")][:2]
        # The second document's file hangs: the first is stored and waits for the page to end.
        tk.renderers[slow["Id"]] = lambda: (release.wait(60), tk.files[slow["Id"]])[1]
        while time.monotonic() < deadline and not any(r.path.endswith(f"/Resources/{slow['Id']}")
                                                      for r in tk.server.requests):
            time.sleep(0.05)
        time.sleep(0.5)
        telegram.send_update(31, "/start")
        give_up = time.monotonic() + 3
        while time.monotonic() < give_up and not telegram.texts(31):
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        release.set()
    again = spawn("-c", config, "run", "--once")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    for row in (quick, slow):
        assert f"[all] nieuw: {row['Soort']} {row['DocumentNummer']}" in out, out


def test_a_second_watcher_on_the_same_database_exits_3_until_the_first_is_gone(tk, tmp_path, write_config, spawn,
                                                                              postgres_dsn):
    """The lock file guards one machine; a database is shared, so it holds a lock of its own, which the
    server lets go when its holder dies (SIGKILL included)."""
    tk.add(page_rows()[0])
    first_config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], store="postgresql",
                                dsn=postgres_dsn, state_dir=str(tmp_path / "one"))
    first = spawn("-c", first_config, "run")
    deadline = time.monotonic() + 30
    while not tk.server.requests and time.monotonic() < deadline:
        time.sleep(0.02)  # the first holds the database once it talks to the API
    other = tmp_path / "other.yaml"  # another machine: another state_dir, the same database
    other.write_text(first_config.read_text().replace(str(tmp_path / "one"), str(tmp_path / "two")))
    second = spawn("-c", other, "run", "--once")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 3 and "another watcher is running on" in err, err
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)
    third = spawn("-c", other, "run", "--once")
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_whole_process_group_after_extraction_ends_the_run_quietly(sig, tk, write_config):
    # systemd's default and `timeout` in a crontab signal the whole group: the extraction workers too.
    # They leave signals to their parent, which closes the pool within a bound: no hang, no traceback.
    import subprocess
    import sys

    from tests.conftest import ROOT

    rows = [tk.add(r) for r in page_rows()[:3]]
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since,
                            "backfill_alerts": True}], [{"name": "all", "keywords": ["Kamer"]}], poll_interval="1s")
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "-c", str(config), "run"], cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not first_cycle_done(config.parent / "state"):
            time.sleep(0.05)  # the files were extracted: the workers are up
        assert len([r for r in tk.server.requests if "/Resources/" in r.path]) == len(rows)
        os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err


def test_sigkill_while_sending_to_three_channels_loses_nothing_and_repeats_only_an_unconfirmed_send(
        tk, telegram, smtp, webhook, tmp_path, write_config, spawn):
    """Telegram, e-mail and a team chat side by side, each a little slow to answer; a watcher killed at random
    moments of its sends. Per channel: every alert arrives; one arrives twice only if its send on that channel
    had started and was not confirmed when the process died (the in-flight window, one a channel at most)."""
    rows = [r for r in page_rows() if r["Soort"] in ("Motie", "Brief regering") and r["ContentType"]][:DOCS]
    for row in rows:
        tk.add(row)
    numbers = [r["DocumentNummer"] for r in rows]
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    smtp.delay, webhook.delay = 0.03, 0.03
    telegram.server.observe = lambda request: time.sleep(0.03)
    rng = random.Random(20261206)
    windows: set[str] = set()  # the channels a kill caught mid-send
    for trial in range(6):
        state = tmp_path / f"state{trial}"
        config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since,
                                "backfill_alerts": True}],
                              [{"name": "alle", "telegram": 777, "email": "alle@example.nl", "chats": [webhook.url()],
                                "keywords": ["Kamer"]}],
                              telegram={"api_url": telegram.url}, state_dir=str(state),
                              email={"host": "127.0.0.1", "port": smtp.port, "from": "watcher@example.nl",
                                     "security": "none"})
        telegram.messages.clear()
        smtp.messages.clear()
        smtp.envelopes.clear()
        webhook.posts.clear()
        env = {"TELEGRAM_BOT_TOKEN": "42:KILLTEST"}
        ambiguous: Counter = Counter()  # per copy: how many kills caught its send in flight
        for _ in range(3):  # three kills a trial, each at a random moment of a run that has sends to do
            proc = spawn("-c", config, "run", "--once", env=env)
            time.sleep(rng.uniform(0.3, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            ambiguous.update(in_flight(state))
        proc = spawn("-c", config, "run", "--once", env=env)
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        got = {
            "": Counter(n for text in telegram.texts(777) for n in numbers if n in (text.split("\n") + [""])[1]),
            "#email:alle@example.nl": Counter(n for m in smtp.messages for n in numbers
                                               if n in m.get_body(("plain",)).get_content()),
            "#chat:": Counter(n for p in webhook.posts for n in numbers if n in p["message"]),
        }
        windows.update(_channel_of(a) for a in ambiguous)
        for channel, counts in got.items():
            lost = [n for n in numbers if counts[n] == 0]
            assert not lost, f"trial {trial}: {channel or 'telegram'} never got {lost}"
            for n, count in counts.items():
                # A repeat only for each kill that caught this copy's send in flight (one copy can be caught
                # twice: killed mid-send, started again, killed again mid-send of the same).
                caught = sum(k for a, k in ambiguous.items()
                             if a.startswith(f"alle|{n}|new") and _channel_of(a) == channel)
                assert count <= 1 + caught, f"trial {trial}: {n} sent {count} times on {channel or 'telegram'}"
        with open_store(state, readonly=True) as after:
            assert after.count_pending_alerts() == 0
    assert windows == {"", "#email:alle@example.nl", "#chat:"}  # each channel was killed mid-send at least once


def _channel_of(alert_id: str) -> str:
    """The channel of an alert's copy as the test counts them: "" (Telegram), "#email:…", "#chat:" (any chat)."""
    copy = alert_id.partition("#")[2]
    return "" if not copy else "#chat:" if copy.startswith("chat:") else f"#{copy}"
