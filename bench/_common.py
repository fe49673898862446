"""Shared bits of the bench scripts: the repository on sys.path, a timer that takes the median, generated PDFs."""

import functools
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT / "tests" / "fixtures" / "seeds"


def wait_for(condition, timeout: float, step: float = 0.02) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


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


@functools.cache
def _paragraphs() -> list[str]:
    from watcher.extract import extract

    return [b.text for path in sorted(SEEDS.glob("*.txt")) for b in extract(path.read_bytes()).blocks
            if len(b.text) > 80]


def generated_pdf(n: int, pages: int, title: str) -> bytes:
    """A PDF of about `pages` pages: `title`, then paragraphs of the seed documents, chosen by `n`."""
    from tests.pdfgen import render

    rng = random.Random(n)
    return render([f"Document {n}: {title}"] + [rng.choice(_paragraphs()) for _ in range(pages * 6)])


def cpu_ms(work, runs: int) -> float:
    """The median CPU time of `work()` over `runs` runs, in ms (this process's own, not its children's)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def paired_cpu_ms(ours, floor, runs: int) -> tuple[float, float, float]:
    """CPU ms of `ours()` and `floor()` run in turns, `runs` times each after one warm-up: their medians and
    the median of each pair's ratio. Taken in turns, a machine that slows down for a while slows both."""
    ours(), floor()
    pairs = []
    for _ in range(runs):
        started = time.process_time()
        ours()
        middle = time.process_time()
        floor()
        pairs.append((middle - started, time.process_time() - middle))
    return (statistics.median(p[0] for p in pairs) * 1000, statistics.median(p[1] for p in pairs) * 1000,
            statistics.median(p[0] / p[1] for p in pairs))


def child_cpu_s(command: list[str], env: dict | None = None, ok: tuple[int, ...] = (0,)) -> float:
    """The CPU seconds (user and system) a command run to its end takes in a process of its own; it must end
    with one of the exit codes `ok`."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode in ok, done.stderr[-500:]
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def child_instructions(command: list[str], env: dict | None = None, ok: tuple[int, ...] = (0,)) -> int:
    """The instructions a command run to its end executes, counted by valgrind's callgrind (the same count from
    run to run, whatever else the machine does); it must end with one of the exit codes `ok`."""
    import re
    import shutil
    import subprocess

    if shutil.which("valgrind") is None:
        raise SystemExit("counting instructions needs valgrind's callgrind: install valgrind")
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert done.returncode in ok and found, done.stderr[-500:]
    return int(found.group(1))
