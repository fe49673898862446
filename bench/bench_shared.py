"""Several `watcher run` on one PostgreSQL database (a throwaway server on this machine, as the tests start
theirs): what sharing the work buys, in processes of their own.

Prints, with 1, 2 and 4 watchers, each as a ratio to one watcher in the same run:
- extraction: documents/s of a burst of new documents whose files the loopback Tweede Kamer serves in
  250 ms each (--latency), from their arrival upstream until every one is stored with its text. One watcher
  polls; the others read files for it from the shared queue (share.py). Which process read how many files
  is looked up while each download waits (tests/processes.py).
- delivery: messages/s of a fan-out of alerts waiting in the outbox, to a loopback Bot API that answers 429
  past Telegram's limits (30 a second per bot). One process is the sender (roles.py): more watchers do not
  send faster, and must not.
And a whole quiet `watcher run --once` (a process started, its store opened, the source asked, nothing new)
over 1,000 and over a million stored documents, and their ratio (goal < 1.5).

    python bench/bench_shared.py [DOCUMENTS] [--alerts 900] [--latency 250ms] [--quiet 1000000]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import ROOT, generated_pdf, wait_for
from bench_store import fill

from tests.fakes.tk import FakeTK, page_rows
from tests.postgres import Server
from tests.processes import owner_of
from watcher.demo.telegram import FakeTelegram
from watcher.model import Alert
from watcher.store import PostgresStore

WATCHERS = (1, 2, 4)


def start(config: Path, count: int, env: dict | None = None) -> list[subprocess.Popen]:
    environment = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    if not env:
        environment.pop("TELEGRAM_BOT_TOKEN", None)
    return [subprocess.Popen([sys.executable, "-m", "watcher", "-c", str(config), "run"], cwd=ROOT, env=environment,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(count)]


def stop(procs) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def connected(dsn: str) -> int:
    with PostgresStore(dsn, readonly=True) as store:
        return store.watchers()


def who_asked(server, procs, only=lambda path: True) -> Counter:
    """Requests (of the paths `only` takes) per process, by the client's port looked up while it waits."""
    counts = Counter()
    port = server.port

    def observe(request):
        if only(request.path):
            counts.update([owner_of(request.peer, port, [p.pid for p in procs])])
    server.observe = observe
    return counts


def extraction(server: Server, count: int, watchers: int, latency: float, folder: Path) -> tuple[float, Counter]:
    dsn = server.new_database()
    tk = FakeTK()
    tk.server.httpd.handle_error = lambda *_: None  # a download cut off when the watchers stop is no news
    tk.server.start()
    config = folder / f"extract{watchers}.yaml"
    config.write_text(f"""state_dir: {folder / 'state'}
store: postgresql
dsn: "{dsn}"
poll_interval: 1s
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}"}}
subscribers:
  - {{name: moties, keywords: [motie]}}
""")
    procs = start(config, watchers)
    try:
        if not wait_for(lambda: connected(dsn) == watchers and tk.server.requests, 60):
            raise SystemExit("the watchers did not start")
        time.sleep(2.0)  # the first cycle (a first run: what is there is not news) is done
        files = who_asked(tk.server, procs, only=lambda path: "/Resources/" in path)
        tk.latency = (0.0, latency)
        rows = [r for r in page_rows() if r["ContentType"]]
        started = time.perf_counter()
        for n in range(count):
            row = dict(rows[n % len(rows)], Id=f"00000000-0000-4000-8000-{n:012d}", DocumentNummer=f"2026D{n:05d}",
                       ContentType="application/pdf")
            data = generated_pdf(n, 1 + n % 3, row["Onderwerp"] or row["Titel"] or "")
            row = tk.add(row, data=data, content_type="application/pdf")

        def stored() -> bool:
            with PostgresStore(dsn, readonly=True) as store:
                return store.db.execute("SELECT count(*) FROM documents WHERE NOT text_pending AND "
                                        "data->'versions' <> '[]'::jsonb").fetchone()[0] >= count
        if not wait_for(stored, 600, step=0.2):
            raise SystemExit("not every document was stored")
        elapsed = time.perf_counter() - started
        return count / elapsed, Counter({pid: n for pid, n in files.items()})
    finally:
        stop(procs)
        tk.server.stop()


def delivery(server: Server, alerts: int, watchers: int, folder: Path) -> tuple[float, Counter, int]:
    dsn = server.new_database()
    fake = FakeTelegram()
    fake.enforce = True
    fake.server.start()
    tk = FakeTK()
    tk.server.start()
    chats = alerts  # one message per chat: only the per-bot limit holds them back
    lines = [f"state_dir: {folder / 'state'}", "store: postgresql", f'dsn: "{dsn}"', "poll_interval: 30s",
             "telegram:", f"  api_url: {fake.url}", "sources:",
             f'  - {{name: tk, kind: tweedekamer, url: "{tk.url}"}}', "subscribers:"]
    lines += [f"  - {{name: s{i}, telegram: {1000 + i}, keywords: [x]}}" for i in range(chats)]
    config = folder / f"deliver{watchers}.yaml"
    config.write_text("\n".join(lines) + "\n")
    with PostgresStore(dsn) as store:
        for n in range(alerts):
            store.enqueue(Alert(id=f"s{n % chats}|2025D{n:05d}|new", subscriber=f"s{n % chats}",
                                document=f"2025D{n:05d}", kind="new", title=f"Motie {n}", reasons=["keyword x"],
                                created=f"{n:08d}"))
        store.flush()
    procs = start(config, watchers, env={"TELEGRAM_BOT_TOKEN": "1:BENCH"})
    senders = who_asked(fake.server, procs)
    try:
        if not wait_for(lambda: fake.messages, 60):
            raise SystemExit("nothing was sent")
        started = fake.messages[0]["at"]

        def done() -> bool:
            with PostgresStore(dsn, readonly=True) as store:
                return store.count_pending_alerts() == 0
        if not wait_for(done, 600, step=0.2):
            raise SystemExit("not every alert was sent")
        elapsed = fake.messages[-1]["at"] - started
        return (len(fake.messages) - 1) / elapsed, senders, fake.too_many
    finally:
        stop(procs)
        fake.server.stop()
        tk.server.stop()


def quiet_run(server: Server, stored: int, folder: Path, repeat: int = 5) -> float:
    """The median wall time of `watcher run --once` with nothing new over `stored` documents."""
    dsn = server.new_database()
    tk = FakeTK()
    tk.server.start()
    config = folder / f"quiet{stored}.yaml"
    config.write_text(f"""state_dir: {folder / 'state'}
store: postgresql
dsn: "{dsn}"
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}"}}
subscribers:
  - {{name: moties, keywords: [motie]}}
""")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TELEGRAM_BOT_TOKEN", None)
    once = [sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"]
    subprocess.run(once, cwd=ROOT, env=env, check=True, capture_output=True)  # the first run: a cursor
    with PostgresStore(dsn) as store:
        fill(store, stored, "postgresql")
        store.db.execute("ANALYZE")
        store.db.commit()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run(once, cwd=ROOT, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    tk.server.stop()
    return statistics.median(times)


def main(documents: int, alerts: int, latency: float, quiet: int) -> None:
    try:
        server = Server().start()
    except LookupError as e:
        raise SystemExit(f"no PostgreSQL server to be had: {e}")
    tmp = Path(tempfile.mkdtemp())
    try:
        print(f"extraction: {documents:,} new documents, each file served in {latency * 1000:.0f} ms "
              f"(8 requests at once per watcher to the host):")
        base = None
        for watchers in WATCHERS:
            rate, files = extraction(server, documents, watchers, latency, tmp)
            base = base or rate
            spread = ", ".join(str(n) for _, n in files.most_common())
            print(f"  {watchers} watcher{'s' * (watchers > 1)}: {rate:6.1f} documents/s ({rate / base:.2f}x one); "
                  f"files read per process: {spread}")
        print(f"delivery: {alerts:,} alerts waiting, one per chat, Telegram's limit 30 messages/s per bot:")
        base = None
        for watchers in WATCHERS:
            rate, senders, refused = delivery(server, alerts, watchers, tmp)
            base = base or rate
            print(f"  {watchers} watcher{'s' * (watchers > 1)}: {rate:6.1f} messages/s ({rate / base:.2f}x one); "
                  f"processes that called Telegram: {len([p for p in senders if p])}; 429s: {refused}")
        small = quiet_run(server, 1_000, tmp)
        big = quiet_run(server, quiet, tmp)
        print(f"a whole quiet `watcher run --once`: {small:.2f} s over 1,000 documents, {big:.2f} s over "
              f"{quiet:,}: ratio {big / small:.2f} (goal < 1.5)")
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("documents", nargs="?", type=int, default=600)
    parser.add_argument("--alerts", type=int, default=900)
    parser.add_argument("--latency", default="250ms", help="how long the loopback Tweede Kamer takes a file")
    parser.add_argument("--quiet", type=int, default=1_000_000, help="documents stored for the big quiet run")
    args = parser.parse_args()
    from watcher.settings import parse_duration
    main(args.documents, args.alerts, parse_duration(args.latency), args.quiet)
