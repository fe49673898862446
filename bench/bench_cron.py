"""A quiet cron run with the bot: `watcher run --once` when nothing changed and no chat said anything, with a
token (it asks Telegram who it is, sets the menu and reads the chats' updates) against the same run without
one (alerts to stdout, no Telegram at all), both against loopback fakes. Prints the median CPU and wall time
of each and their ratio; then the same with 20 commands waiting, which the run answers.

    python bench/bench_cron.py [RUNS]     (default 7)
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

from tests.fakes.telegram import FakeTelegram
from tests.fakes.tk import FakeTK


def timed(command: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main(runs: int) -> None:
    tk, telegram = FakeTK(), FakeTelegram()
    tk.server.start()
    telegram.server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "sources.yaml"
            config.write_text(f"""state_dir: {Path(tmp) / 'state'}
telegram: {{api_url: "{telegram.url}", allow: open}}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}"}}
subscribers:
  - {{name: x, telegram: 5, keywords: [stikstof]}}
""")
            command = [sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"]
            bare = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
            with_bot = {**bare, "TELEGRAM_BOT_TOKEN": "42:BENCH"}
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=bare)  # the baseline
            figures = {}
            for name, env, waiting in (("no token", bare, 0), ("with the bot", with_bot, 0),
                                       ("with the bot, 20 commands waiting", with_bot, 20)):
                cpu, wall = [], []
                for _ in range(runs):
                    for i in range(waiting):
                        telegram.send_update(1000 + i, "/lijst")
                    c, w = timed(command, env)
                    cpu.append(c)
                    wall.append(w)
                figures[name] = (statistics.median(cpu), statistics.median(wall))
            floor_cpu, floor_wall = figures["no token"]
            print(f"quiet `watcher run --once`, medians of {runs} runs")
            for name, (cpu, wall) in figures.items():
                print(f"  {name:36s} CPU {cpu * 1000:6.0f} ms  wall {wall * 1000:6.0f} ms  "
                      f"(ratio {cpu / floor_cpu:.2f} CPU, {wall / floor_wall:.2f} wall against no token)")
            asked = [m for m, _ in telegram.calls]
            print(f"  Telegram calls of the runs with the bot: {len(asked)} "
                  f"({', '.join(f'{m} {asked.count(m)}' for m in sorted(set(asked)))})")
    finally:
        tk.server.stop()
        telegram.server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
