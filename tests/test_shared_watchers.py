"""Several `watcher run` on one PostgreSQL database share the work by roles (roles.py), and SIGKILLs of the
role holders at random moments lose nothing, send nothing twice but the one send a crash leaves unconfirmed,
and leave no role unheld for longer than one poll interval."""

import random
import signal
import socket
import time
from collections import Counter

import pytest

from tests.fakes.tk import page_rows
from tests.processes import Witness
from watcher import exitcodes
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


def _kill_holder(seen, procs, role: str, outputs: list, kills: list) -> float:
    """SIGKILL whoever holds `role` now (held: a role handed to a watcher that joined is free for a moment);
    returns how long after the kill another watcher held it."""
    victim_pid = _wait(lambda: seen.holders()[role], INTERVAL, f"someone holds {role}")
    victim = next(p for p in procs if p.pid == victim_pid)
    victim.send_signal(signal.SIGKILL)
    at = time.monotonic()
    kills.append((role, victim_pid, at))
    outputs.append(victim.communicate(timeout=30)[0])
    _wait(lambda: seen.holders()[role] not in (None, victim_pid), 30, f"someone takes {role}")
    return time.monotonic() - at


def _poller_and_sender(spawn, config, tk, dsn: str, env=None, second=None):
    """Two `watcher run` on one database, once the second polls and the first sends (the first, alone at
    first, hands the source over); returns them with a Witness of the Tweede Kamer's requests. `second`: the
    second's own config (the same database reached another way), if not `config`."""
    procs = [spawn("-c", config, "run", env=env)]
    _wait(lambda: tk.server.requests, 30, "the first watcher polls")
    seen = Witness(tk.server, procs, dsn, ["poll tk", "sender"])
    procs.append(spawn("-c", second or config, "run", env=env))
    _wait(lambda: (h := seen.holders())["poll tk"] == procs[1].pid and h["sender"] == procs[0].pid, 30,
          "the second polls, the first sends")
    return procs, seen


def _stop_all(procs, outputs: list, kills: list | None = None) -> None:
    """SIGTERM every watcher still running, and check each stops with 0; `kills` notes when (a request cut
    off by a stop has no process to be found either)."""
    if kills is not None:
        kills.append(("stop", None, time.monotonic()))
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            outputs.append(out)


def _by_the_holder(seen, role: str, kills: list) -> bool:
    """The request came from the holder of `role` at that moment. (One whose process cannot be found was on
    its way when that process was killed: its sockets were gone by the time the server, on two busy cores,
    got to it.)"""
    if seen.pid is None:
        return any(0 <= seen.request.at - at < (3.0 if what != "stop" else float("inf")) for what, _, at in kills)
    return seen.pid == seen.holders[role]


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
    outputs, kills, took_over = [], [], []
    for row in rows:
        tk.add(row)
        time.sleep(rng.uniform(0.0, INTERVAL * 1.2))  # mid-poll, mid-send or between cycles
        role = rng.choice(["poll tk", "sender"])
        took_over.append((role, _kill_holder(tk_seen, procs, role, outputs, kills)))
        start()  # a new machine in its place
    _wait(lambda: _alerted(config, numbers), 60, "every document alerted and sent")
    _stop_all(procs, outputs, kills)
    tk_seen.close()
    sent_seen.close()
    killed = [pid for what, pid, _ in kills if what != "stop"]

    # Each source was polled by one process at a time: every listing came from the holder of its role then.
    listings = [s for s in tk_seen.seen if "/Resources/" not in s.request.path]
    assert listings and all(_by_the_holder(s, "poll tk", kills) for s in listings), [
        (s.request.path, s.pid, s.holders) for s in listings if not _by_the_holder(s, "poll tk", kills)][:5]
    # One bot token, one sender: every call to Telegram came from the holder of `sender` then.
    calls = [s for s in sent_seen.seen if s.request.path.rsplit("/", 1)[-1] in ("sendMessage", "getUpdates")]
    assert calls and all(_by_the_holder(s, "sender", kills) for s in calls), [
        (s.request.path, s.pid, s.holders) for s in calls if not _by_the_holder(s, "sender", kills)][:5]
    # Every document reached the chat and the console; a second copy only where the first was sent by a
    # process killed before it could mark it sent, one such send per crash at most.
    sends = [(s.pid, _fields(s.request).get("text", "")) for s in calls if s.request.path.endswith("sendMessage")]
    copies = {n: [pid for pid, text in sends if n in (text.split("\n") + [""])[1]] for n in numbers}
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


def test_a_watcher_without_a_role_reads_files_for_the_poller_and_its_death_mid_file_loses_nothing(
        tk, write_config, spawn, postgres_dsn):
    """Three watchers: one polls, one sends, the third has no role and reads the poller's files from the
    shared queue (share.py). Killed with a file half read, that file is read again by another, and every
    document is stored with its text and alerted once."""
    # More files than the poller reads at once (cycle.CONCURRENT_RECORDS): the rest wait for whoever is free.
    rows = [r for r in page_rows() if r["Soort"] in ("Motie", "Brief regering") and r["ContentType"]][:40]
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "console", "keywords": ["Kamer"]}], store="postgresql", dsn=postgres_dsn,
                          poll_interval=f"{INTERVAL}s")
    procs = []
    start = lambda: procs.append(spawn("-c", config, "run")) or procs[-1]  # noqa: E731
    first = start()
    _wait(lambda: tk.server.requests, 30, "the first watcher polls")
    seen = Witness(tk.server, procs, postgres_dsn, ["poll tk", "sender", "clock"])
    second = start()
    _wait(lambda: (h := seen.holders())["poll tk"] == second.pid and h["sender"] == first.pid, 30,
          "the second takes the source")
    helper = start()
    _wait(lambda: _connected(postgres_dsn) == 3, 30, "the third joins")
    tk.latency = (0.0, 0.5)  # each file takes half a second
    for row in rows:
        tk.add(row)
    in_flight = _wait(lambda: next((s for s in seen.seen if s.pid == helper.pid and "/Resources/" in s.request.path),
                                   None), 30, "the third reads a file")
    helper.send_signal(signal.SIGKILL)
    helper.communicate(timeout=30)
    killed_at = time.monotonic()
    numbers = [r["DocumentNummer"] for r in rows]
    _wait(lambda: _alerted(config, numbers), 60, "every document stored and alerted")
    outputs = []
    _stop_all([first, second], outputs)
    seen.close()
    settings = load(config)
    with open_store(settings.state_dir, readonly=True, kind="postgresql", dsn=settings.dsn) as store:
        docs = [store.document(n) for n in numbers]
        assert all(d.current and d.current.hash and not d.text_pending for d in docs), [
            d.key for d in docs if not (d.current and d.current.hash) or d.text_pending]
        assert store.files.waiting() == 0
        # and every row went once its poller had what came of it
        assert store.marks.execute("SELECT count(*) FROM files").fetchone()[0] == 0
    again = [s for s in seen.seen if s.request.path == in_flight.request.path and s.request.at > killed_at]
    assert again and again[0].pid in (first.pid, second.pid), "the file the helper died on was not read again"
    files = [s for s in seen.seen if "/Resources/" in s.request.path]
    assert {s.pid for s in files} >= {helper.pid, second.pid} or {s.pid for s in files} >= {helper.pid, first.pid}
    printed = Counter(n for out in outputs for line in out.splitlines() for n in numbers
                      if line.startswith("[console] ") and line.endswith(n))
    assert printed == Counter({n: 1 for n in numbers}), printed


def _connected(dsn: str) -> int:
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as db:
        return db.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                          "application_name LIKE 'watcher run %'").fetchone()[0]


def test_a_rule_added_in_chat_on_the_sender_is_matched_by_the_poller_in_another_process(
        tk, telegram, write_config, spawn, postgres_dsn, watcher_cli):
    """The bot runs in the sender's process; the source is polled in another. A /watch there changes what the
    other matches from its next cycle on (Store.rules_version)."""
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "allow": "open"}, store="postgresql",
                          dsn=postgres_dsn, poll_interval="1s")
    env = {"TELEGRAM_BOT_TOKEN": "42:RULES"}
    procs, seen = _poller_and_sender(spawn, config, tk, postgres_dsn, env)
    code, out, err = watcher_cli("-c", config, "status")
    roles = {line.split(":")[0].strip(): line for line in out.split("roles:\n")[1].splitlines()[:3]}
    assert f"process {procs[1].pid}," in roles["poll tk"] and f"process {procs[0].pid}," in roles["sender"], out
    assert f"process {procs[0].pid}," in roles["clock"], out
    telegram.send_update(31, "/start")
    telegram.send_update(31, "/watch begrotingsstaten")
    _wait(lambda: any("U volgt nu" in t for t in telegram.texts(31)), 30, "the bot answers")
    row = tk.add(page_rows()[0])  # "Vaststelling van de begrotingsstaten ..."
    _wait(lambda: any(row["DocumentNummer"] in t for t in telegram.texts(31)), 30, "the new rule's alert")
    _stop_all(procs, [])
    seen.close()
    listings = [s for s in seen.seen if "/Resources/" not in s.request.path]
    assert {s.pid for s in listings[-3:]} == {procs[1].pid}  # matched where it was polled


def test_a_poller_waiting_on_a_slow_file_keeps_no_other_watcher_from_writing(
        tk, telegram, write_config, spawn, postgres_dsn):
    """The page lock of a shared store keeps every other watcher's writes out while it is held, so a page
    waits for its files before it takes the lock: the bot in the other process answers (a command it must
    store) while the poller's file is still on its way."""
    import threading

    from tests.fakes.tk import FILES
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "console", "keywords": ["motie"]}],
                          telegram={"api_url": telegram.url, "allow": "open"}, store="postgresql",
                          dsn=postgres_dsn, poll_interval="1s",
                          http={"timeout": "60s", "retries": 0})  # the file is slow, not failed
    env = {"TELEGRAM_BOT_TOKEN": "42:SLOW"}
    procs, seen = _poller_and_sender(spawn, config, tk, postgres_dsn, env)
    release = threading.Event()
    pdf = FILES["application/pdf"].read_bytes()
    row = tk.add(next(r for r in page_rows() if r["Soort"] == "Motie" and r["ContentType"] == "application/pdf"))
    tk.renderers[row["Id"]] = lambda: (release.wait(60), (pdf, "application/pdf"))[1]
    try:
        _wait(lambda: any("/Resources/" in s.request.path for s in seen.seen), 30, "the poller asks for the file")
        telegram.send_update(31, "/start")
        _wait(lambda: any(t.startswith("Welkom.") for t in telegram.texts(31)), 20,
              "the bot answers while the file is on its way")
    finally:
        release.set()
    _wait(lambda: _alerted(config, [row["DocumentNummer"]]), 30, "the document stored and alerted")
    _stop_all(procs, [])
    seen.close()


def test_two_sources_three_watchers_each_source_polled_by_one_at_a_time_through_sigkills(
        tk, koop, write_config, spawn, postgres_dsn):
    """Two sources, three watchers: the sources go to two of them (one unit of work each, roles.py). The holder
    of a random role is SIGKILLed four times: each source's listings always came from the holder of its
    role, every document of both sources was printed, twice only where a killed sender left it unmarked."""
    from datetime import date
    rows = [r for r in page_rows() if r["Soort"] == "Motie" and r["ContentType"]][:4]
    publications = [f"kst-99999-{80 + n}" for n in range(4)]
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url},
                           {"name": "ob", "kind": "officielebekendmakingen", "url": koop.url}],
                          [{"name": "console", "keywords": ["motie", "testonderwerp"]}], store="postgresql",
                          dsn=postgres_dsn, poll_interval=f"{INTERVAL}s")
    roles = ["poll tk", "poll ob", "sender"]
    procs = []
    start = lambda: procs.append(spawn("-c", config, "run")) or procs[-1]  # noqa: E731
    start()
    _wait(lambda: tk.server.requests and koop.server.requests, 30, "the first watcher polls both")
    tk_seen = Witness(tk.server, procs, postgres_dsn, roles)
    koop_seen = Witness(koop.server, procs, postgres_dsn, roles)
    start()
    start()
    def spread() -> bool:
        holders = tk_seen.holders()
        return None not in holders.values() and len(set(holders.values())) == 3
    _wait(spread, 30, "one source each for two of them, sending for the third")
    rng = random.Random(20261202)
    outputs, kills = [], []
    for n, (row, identifier) in enumerate(zip(rows, publications)):
        tk.add(row)
        koop.add(2, identifier=identifier, modified=date.today().isoformat())
        time.sleep(rng.uniform(0.0, INTERVAL * 1.2))
        _kill_holder(tk_seen, procs, rng.choice(roles), outputs, kills)
        start()
    keys = [r["DocumentNummer"] for r in rows] + publications
    _wait(lambda: _alerted(config, keys), 60, "every document of both sources alerted")
    _stop_all(procs, outputs, kills)
    tk_seen.close()
    koop_seen.close()
    for seen, role, listing in ((tk_seen, "poll tk", lambda p: "/Resources/" not in p),
                                (koop_seen, "poll ob", lambda p: p == "/sru")):
        listings = [s for s in seen.seen if listing(s.request.path)]
        assert listings and all(_by_the_holder(s, role, kills) for s in listings), [
            (s.request.path, s.pid, s.holders) for s in listings if not _by_the_holder(s, role, kills)][:5]
    printed = Counter(key for out in outputs for line in out.splitlines() for key in keys
                      if line.startswith("[console] ") and line.endswith(key))
    senders_killed = sum(role == "sender" for role, _, _ in kills)
    assert set(printed) == set(keys) and sum(printed.values()) - len(keys) <= senders_killed, (printed, kills)


@pytest.mark.parametrize("sigterm", [False, True], ids=["left-alone", "sigterm"])
def test_a_watcher_cut_off_from_the_database_stops_within_its_timeout_and_another_takes_its_roles_and_sends(
        sigterm, tk, telegram, tmp_path, write_config, spawn, postgres_server, postgres_dsn):
    """A partition between the sender and the database (no RST: its calls are never answered) ends that
    watcher within `database_timeout`, with one line that says so, whether it was asked to stop or not; the
    other watcher ends the sessions the server still keeps for it (which hold its roles), takes its roles
    and sends what came in meanwhile."""
    from tests.postgres import Partition
    partition = Partition(postgres_server.port)
    direct = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "chat", "telegram": 777, "keywords": ["motie"]}],
                          telegram={"api_url": telegram.url}, store="postgresql", dsn=postgres_dsn,
                          poll_interval="1s", database_timeout="3s")
    through = tmp_path / "through.yaml"
    through.write_text(direct.read_text().replace(postgres_dsn, partition.dsn(postgres_dsn)))
    procs, seen = _poller_and_sender(spawn, through, tk, postgres_dsn, {"TELEGRAM_BOT_TOKEN": "42:CUT"}, direct)
    try:
        partition.cut()
        if sigterm:
            procs[0].send_signal(signal.SIGTERM)
        row = tk.add(next(r for r in page_rows() if r["Soort"] == "Motie" and r["ContentType"]))
        _, err = procs[0].communicate(timeout=60)
        assert procs[0].returncode == exitcodes.STATE, err
        last = err.strip().splitlines()[-1]
        assert last.startswith("watcher: the database") and "no answer within 3 s" in last, err
        _wait(lambda: seen.holders()["sender"] == procs[1].pid, 60, "the other watcher sends")
        _wait(lambda: any(row["DocumentNummer"] in t for t in telegram.texts(777)), 30, "the alert is sent")
        procs[1].send_signal(signal.SIGTERM)
        _, err = procs[1].communicate(timeout=60)
        assert procs[1].returncode == 0, err
        assert f"the watcher {socket.gethostname()}:{procs[0].pid} had said nothing" in err, err
    finally:
        seen.close()
        partition.close()
