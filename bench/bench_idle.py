"""An idle cycle's cost: requests and time of `watcher run --once` when nothing changed, with the streams
around documents (votes, agenda, toezeggingen, debates) on and off, against the loopback Tweede Kamer API with and without a
latency per answer (the real API's answers take long: DESIGN.md). Prints requests per entity and the
median wall time; the ratio is against documents-only in the same run.

    python bench/bench_idle.py [RUNS] [LATENCY_SECONDS]     (default 5 runs, 0.2 s)
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

from tests.fakes.tk import FakeTK, page_rows


def idle(tk: FakeTK, events: list[str], runs: int, tmp: Path) -> tuple[dict, float]:
    config = tmp / f"{'-'.join(events)}.yaml"
    config.write_text(f"""state_dir: {tmp / ('state-' + '-'.join(events))}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}", events: [{', '.join(events)}]}}
subscribers:
  - {{name: x, keywords: [stikstof]}}
""")
    command = [sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)  # the first run: the baseline
    times, requests = [], {}
    for _ in range(runs):
        tk.requests.clear()
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
        requests = dict(tk.requests)
    return requests, statistics.median(times)


def main(runs: int = 5, latency: float = 0.2) -> None:
    tk = FakeTK()
    for row in page_rows()[:50]:
        tk.add(row)
    tk.server.start()
    tmp = Path(tempfile.mkdtemp())
    try:
        for delay in (0.0, latency):
            tk.delay = delay
            base = None
            print(f"latency per answer: {delay * 1000:.0f} ms")
            for events in (["documents"], ["documents", "votes"], ["documents", "votes", "agenda"],
                           ["documents", "votes", "agenda", "toezeggingen"],
                           ["documents", "votes", "agenda", "toezeggingen", "debates"]):
                requests, seconds = idle(tk, events, runs, tmp)
                base = base or seconds
                total = sum(requests.values())
                print(f"  events {','.join(events):47s} {total} requests {requests}  "
                      f"median {seconds * 1000:6.0f} ms  ({seconds / base:.2f}x documents only)")
    finally:
        tk.server.stop()


if __name__ == "__main__":
    main(*(int(a) if i == 0 else float(a) for i, a in enumerate(sys.argv[1:])))
