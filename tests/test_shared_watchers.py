"""Several `watcher run` on one PostgreSQL database share the work by roles (roles.py), and SIGKILLs of the
role holders at random moments lose nothing, send nothing twice but the one send a crash leaves unconfirmed,
and leave no role unheld for longer than one poll interval."""

import random
import signal
import time
from collections import Counter

import pytest

from tests.fakes.tk import page_rows
from tests.processes import Witness
from watcher.config import load
from watcher.demo.telegram import _fields
from watcher.store import open_store

INTERVAL = 2.0  # the poll interval: a role whose holder died is taken within it
ROUNDS = 6


def _alerted(config, numbers) -> bool:
    settings = load(config)
    with open_store(settings.state_dir, readonly=True, kind="postgresql", dsn=settings.dsn) as store:
        return store.count_pending_alerts() == 0 and all(
            (doc := store.document(n)) is not None and doc.alerted for n in numbers)


def _wait(condition, within: float, what: str):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (found := condition()):
            return found
        time.sleep(0.02)
    raise AssertionError(f"not within {within:g} s: {what}")


@pytest.mark.parametrize("watchers", [2, 3])
def test_watchers_sharing_a_database_survive_sigkills_of_the_role_holders(
        watchers, tk, telegram, write_config, spawn, postgres_dsn):
    rows = [r for r in page_rows() if r["Soort"] == "Motie" and r["ContentType"]][:ROUNDS]
    numbers = [r["DocumentNummer"] for r in rows]
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "chat", "telegram": 777, "keywords": ["motie"]},
                           {"name": "console", "keywords": ["motie"]}],
                          telegram={"api_url": telegram.url}, store="postgresql", dsn=postgres_dsn,
                          poll_interval=f"{INTERVAL}s")
    env = {"TELEGRAM_BOT_TOKEN": "42:SHARED"}
    procs = []
    start = lambda: procs.append(spawn("-c", config, "run", env=env)) or procs[-1]  # noqa: E731
    start()
    _wait(lambda: tk.server.requests, 30, "the first watcher polls")
    tk_seen = Witness(tk.server, procs, postgres_dsn, ["poll tk", "sender"])
    sent_seen = Witness(telegram.server, procs, postgres_dsn, ["poll tk", "sender"])
    for _ in range(watchers - 1):
        start()
    # Spread: the first gives up the source to a watcher that holds less.
    _wait(lambda: (h := tk_seen.holders())["poll tk"] and h["sender"] and h["poll tk"] != h["sender"], 30,
          "the roles spread over the watchers")
    rng = random.Random(20261202 + watchers)
    outputs, killed, took_over, kill_times = [], [], [], []
    for row in rows:
        tk.add(row)
        time.sleep(rng.uniform(0.0, INTERVAL * 1.2))  # mid-poll, mid-send or between cycles
        role = rng.choice(["poll tk", "sender"])
        # (held: a role given up to a watcher that joined is free for a moment, until that one takes it)
        victim_pid = _wait(lambda: tk_seen.holders()[role], INTERVAL, f"someone holds {role}")
        victim = next(p for p in procs if p.pid == victim_pid)
        victim.send_signal(signal.SIGKILL)
        at = time.monotonic()
        kill_times.append((victim_pid, at))
        outputs.append(victim.communicate(timeout=30)[0])
        killed.append(victim_pid)
        _wait(lambda: tk_seen.holders()[role] not in (None, victim_pid), 30, f"someone takes {role}")
        took_over.append((role, time.monotonic() - at))
        start()  # a new machine in its place
    _wait(lambda: _alerted(config, numbers), 60, "every document alerted and sent")
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            outputs.append(out)
    tk_seen.close()
    sent_seen.close()

    # Each source was polled by one process at a time: every listing came from the holder of its role then.
    # (A request whose process cannot be found was on its way when that process was killed: its sockets
    # were gone by the time it was looked up.)
    def by_the_holder(seen, role):
        if seen.pid is None:
            return any(0 <= seen.request.at - at < 1.0 for _, at in kill_times)
        return seen.pid == seen.holders[role]

    listings = [s for s in tk_seen.seen if "resource" not in s.request.path]
    assert listings and all(by_the_holder(s, "poll tk") for s in listings), [
        (s.request.path, s.pid, s.holders) for s in listings if not by_the_holder(s, "poll tk")][:5]
    # One bot token, one sender: every call to Telegram came from the holder of `sender` then.
    calls = [s for s in sent_seen.seen if s.request.path.rsplit("/", 1)[-1] in ("sendMessage", "getUpdates")]
    assert calls and all(by_the_holder(s, "sender") for s in calls), [
        (s.request.path, s.pid, s.holders, s.request.at) for s in calls if not by_the_holder(s, "sender")][:5]
    # Every document reached the chat and the console; a second copy only where the first was sent by a
    # process killed before it could mark it sent, one such send per crash at most.
    sends = [(s.pid, _fields(s.request).get("text", "")) for s in calls if s.request.path.endswith("sendMessage")]
    copies = {n: [pid for pid, text in sends if n in text.split("\n")[0]] for n in numbers}
    assert all(copies.values()), {n: c for n, c in copies.items() if not c}
    twice = {n: c for n, c in copies.items() if len(c) > 1}
    assert all(len(c) == 2 and c[0] in killed and c[1] != c[0] for c in twice.values()), twice
    assert len(twice) <= len(killed), twice
    printed = Counter(n for out in outputs for line in out.splitlines() for n in numbers
                      if line.startswith("[console] ") and line.endswith(n))
    assert set(printed) == set(numbers) and sum(printed.values()) <= len(numbers) + len(killed), printed
    print(f"{watchers} watchers, {len(killed)} killed; taken over after "
          f"{', '.join(f'{r} {t:.2f} s' for r, t in took_over)}; sent twice: {sorted(twice)}")
    assert all(t < INTERVAL for _, t in took_over), took_over
