"""Watchers at rest: `watcher run` between two polls, with nothing to do. After each has done its first cycle,
for WINDOW seconds (poll_interval is longer, so no poll falls in it): each process's CPU (with its children),
as CPU-seconds an hour, and on PostgreSQL the statements the watchers sent (from the server's log) and the
database's transactions (which count autovacuum's too) an hour. The bot is on (a token) against
a loopback Bot API that holds an empty getUpdates for 10 s, as Telegram does.

Cases: one watcher on SQLite (the floor), one on PostgreSQL, and two on one PostgreSQL database (one holds the
roles, the other stands by). Ratios against the SQLite watcher, same run (goal: within 1.5).

    python bench/bench_resting.py [WINDOW_SECONDS]     (default 60)
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from _common import ROOT, wait_for

from tests.fakes.telegram import FakeTelegram
from tests.fakes.tk import FakeTK
from tests.postgres import Server

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """user + system time of a process and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
        todo += children.get(current, [])
    return total


def transactions(dsn: str) -> int:
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("SELECT pg_stat_force_next_flush()") if db.info.server_version >= 150000 else None
        return db.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                          "WHERE datname = current_database()").fetchone()[0]


def statements(log: Path, start: int, end: int) -> int:
    """The statements the server logged between two offsets of its log (log_statement = all)."""
    with log.open("rb") as f:
        f.seek(start)
        text = f.read(end - start).decode(errors="replace")
    return len(re.findall(r"LOG:  (?:statement|execute [^:]*): ", text))


def rest(config: Path, count: int, window: float, state_ready, dsn: str = "",
         log: Path | None = None) -> tuple[list[float], float, float]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "42:REST"}
    procs = [subprocess.Popen([sys.executable, "-m", "watcher", "-c", str(config), "run"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]
    try:
        assert wait_for(state_ready, 120), "the first cycle did not end"
        time.sleep(3)  # the bot started, the roles spread
        before = [cpu_seconds(p.pid) for p in procs]
        xacts = transactions(dsn) if dsn else 0
        start = log.stat().st_size if log else 0
        time.sleep(window)
        end = log.stat().st_size if log else 0
        after = [cpu_seconds(p.pid) for p in procs]
        xacts = (transactions(dsn) - xacts - 1) if dsn else 0  # less the one that read them
        hour = 3600 / window
        said = statements(log, start, end) if log else 0
        return [(a - b) * hour for a, b in zip(after, before)], xacts * hour, said * hour
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(60)


def main(window: float) -> None:
    tk, telegram = FakeTK(), FakeTelegram()
    telegram.long_poll = 10.0
    tk.server.start()
    telegram.server.start()
    server = Server().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)

            def config(name: str, store: str = "", dsn: str = "") -> Path:
                path = tmp / f"{name}.yaml"
                extra = f"store: postgresql\ndsn: {dsn}\n" if store else ""
                path.write_text(f"""state_dir: {tmp / name}
{extra}poll_interval: 1h
telegram: {{api_url: "{telegram.url}"}}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}"}}
subscribers:
  - {{name: x, telegram: 5, keywords: [stikstof]}}
""")
                return path

            def sqlite_ready():
                return (tmp / "sqlite" / "watcher.db").exists() and bool(tk.requests)

            floor, _, _ = rest(config("sqlite"), 1, window, sqlite_ready)
            rows = [("SQLite, one watcher", floor, None, None)]
            for count in (1, 2):
                dsn = server.new_database()
                with psycopg.connect(dsn, autocommit=True) as db:  # the watchers' sessions log every statement
                    db.execute(f"ALTER DATABASE {db.info.dbname} SET log_statement = 'all'")
                seen = sum(tk.requests.values())
                cpu, xacts, said = rest(config(f"pg{count}", "postgresql", dsn), count, window,
                                        lambda: sum(tk.requests.values()) > seen, dsn, server.dir / "log")
                rows.append((f"PostgreSQL, {count} watcher{'s' * (count > 1)}", cpu, xacts, said))
        print(f"watchers at rest for {window:.0f} s after their first cycle (bot on, 10 s long polls)")
        for name, cpu, xacts, said in rows:
            each = ", ".join(f"{c:5.1f}" for c in cpu)
            ratio = ", ".join(f"{c / floor[0]:.2f}" for c in cpu)
            db = (f"  database: {said:6.0f} statements an hour from the watchers ({xacts:6.0f} transactions, "
                  f"autovacuum's too)" if xacts is not None else "")
            print(f"  {name:26s} CPU-s an hour: {each:14s} (ratio {ratio} against SQLite){db}")
    finally:
        server.stop()
        tk.server.stop()
        telegram.server.stop()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60)
