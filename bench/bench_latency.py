"""Change to alert: from a document appearing on the loopback Tweede Kamer API to the fake Telegram
receiving its alert, with a long-running `watcher run` polling every 30 seconds (the real client, the real
rate limits).

Each trial adds one document (a generated PDF of 20 pages, the most the pipeline bench serves) at a random moment of the poll interval, so the wait for the next poll is
spread over its whole range, as in life. Prints each trial, split into the wait for the poll and the work
after it (fetch, extract, store, match, send); goal: every trial under the poll interval + 5 s.

    python bench/bench_latency.py [TRIALS] [--latency LISTING,FILE]     (default 6 trials; about 30 s each)

--latency 3s,250ms makes the loopback Tweede Kamer answer a listing in 3 s and a file in 250 ms, as the real
one about does; the work after the poll then includes that wait.
"""

import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, generated_pdf, wait_for

from tests.fakes.telegram import FakeTelegram
from tests.fakes.tk import FakeTK, page_rows
from watcher.store import open_store

POLL = 30.0
CHAT = 555


def first_cycle_done(state: Path) -> bool:
    if not (state / "watcher.db").exists():
        return False
    with open_store(state, readonly=True) as store:
        return "last_success" in store.health("tk")


def main(trials: int = 6, latency: tuple[float, float] = (0.0, 0.0)) -> None:
    tmp = Path(tempfile.mkdtemp())
    tk, telegram = FakeTK(), FakeTelegram()
    tk.latency = latency
    if any(latency):
        print(f"latency: {latency[0]:g} s a listing, {latency[1]:g} s a file")
    tk.server.start()
    telegram.server.start()
    config = tmp / "sources.yaml"
    config.write_text(f"""state_dir: {tmp / 'state'}
poll_interval: {POLL:g}s
telegram: {{api_url: "{telegram.url}"}}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}"}}
subscribers:
  - {{name: all, telegram: {CHAT}, keywords: [de, het, een]}}
""")
    env = dict(os.environ, PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN="1:LATENCY")
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "-c", str(config), "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rows = [r for r in page_rows() if r["ContentType"] and r["Soort"] in ("Motie", "Brief regering")]
    rng = random.Random(8)
    pdfs = [generated_pdf(n, 20, "begroting") for n in range(trials)]
    results = []
    try:
        if not wait_for(lambda: first_cycle_done(tmp / "state"), 60):
            raise SystemExit("the watcher did not finish its first cycle")
        for trial in range(trials):
            time.sleep(rng.uniform(0, POLL))
            row = rows[trial % len(rows)] | {"DocumentNummer": f"2026D9{trial:04d}",
                                             "Id": f"00000000-0000-4000-9000-{trial:012d}"}
            row = tk.add(row, data=pdfs[trial], content_type="application/pdf")
            added = time.monotonic()
            if not wait_for(lambda: any(row["DocumentNummer"] in t for t in telegram.texts(CHAT)), POLL + 60):
                raise SystemExit(f"trial {trial}: no alert within {POLL + 60:g} s")
            arrived = time.monotonic()
            polled = next(r.at for r in tk.server.requests if r.at >= added and r.query.get("category") == "Document")
            results.append((arrived - added, polled - added, arrived - polled))
            print(f"trial {trial + 1}: {arrived - added:5.1f} s = {polled - added:4.1f} s waiting for the poll + "
                  f"{arrived - polled:4.2f} s of work")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        tk.server.stop()
        telegram.server.stop()
    worst = max(r[0] for r in results)
    print(f"change to alert: median {statistics.median(r[0] for r in results):.1f} s, worst {worst:.1f} s "
          f"(goal < {POLL + 5:g} s; worst / goal = {worst / (POLL + 5):.2f}); work after the poll: median "
          f"{statistics.median(r[2] for r in results):.2f} s, worst {max(r[2] for r in results):.2f} s")


if __name__ == "__main__":
    import argparse

    from watcher.settings import parse_duration
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trials", nargs="?", type=int, default=6)
    parser.add_argument("--latency", default="", help="a listing's and a file's answer time, e.g. 3s,250ms")
    args = parser.parse_args()
    latency = tuple(parse_duration(x) for x in args.latency.split(",")) if args.latency else (0.0, 0.0)
    main(args.trials, latency)
