"""Shared bits of the bench scripts: the repository on sys.path, a timer that takes the median."""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT / "tests" / "fixtures" / "seeds"


def seed(number: str) -> str:
    [path] = SEEDS.glob(f"{number}_*.txt")
    return path.read_text()


def median_ms(fn, repeat: int = 15) -> float:
    """Median wall time of `fn()` in ms over `repeat` runs, after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
