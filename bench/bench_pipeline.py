"""The whole pipeline, end to end: `watcher run --once` in a process of its own against a loopback Tweede
Kamer serving generated documents (PDFs of 1 to 20 pages made from the seeds' paragraphs, metadata like
the recorded rows).

Prints: backfill documents/s through fetch, extract, store, diff, match and outbox, and where the time went
(CPU seconds of the watcher, of its extraction workers and of the fake server); the cost of a cycle with
nothing new with 1,000 and with 100,000 documents in the store, and their ratio (goal < 1.5); peak RSS of
the backfill and of a cycle over 100,000 documents (goal < 300 MB), for the watcher process and for it
with its workers; bytes on disk per stored version.

    python bench/bench_pipeline.py [DOCUMENTS] [--store tinydb] [--profile] [--latency LISTING,FILE]

--latency 3s,250ms makes the loopback Tweede Kamer answer like the real one (a listing in 3 s, a file in
250 ms) and prints how close the backfill comes to the bound those latencies set with 8 requests in flight.
A tenth of the documents is then revised and read again, so the diff is in the figure.

DOCUMENTS defaults to 10,000 (2,000 for a quick look). --profile runs the backfill under cProfile and prints
the watcher process's top functions (extraction itself runs in the workers and shows there as waiting).
"""

import argparse
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _common import ROOT, generated_pdf

from tests.fakes.tk import FakeTK, page_rows
from watcher.model import Block, Document, Meta, StoredDocument, Version
from watcher.store import open_store

def document_rows(tk: FakeTK, count: int, folder: Path) -> list[dict]:
    """Rows and their PDFs, rendered once into `folder`, so serving them costs the fake server nothing."""
    rows, added = [r for r in page_rows() if r["ContentType"]], []
    for n in range(count):
        row = dict(rows[n % len(rows)], Id=f"00000000-0000-4000-8000-{n:012d}", DocumentNummer=f"2026D{n:05d}",
                   ContentType="application/pdf")
        path = folder / f"{n}.pdf"
        path.write_bytes(generated_pdf(n, 1 + n % 20, row["Onderwerp"] or row["Titel"] or ""))
        tk.renderers[row["Id"]] = (lambda p=path: (p.read_bytes(), "application/pdf"))
        added.append(tk.add(row, data=b"", content_type="application/pdf", length=path.stat().st_size))
    return added


_SAMPLE: list[bytes] = []  # the ceiling's PDFs, in the processes that read them (forked with them)


def _pdfium_pages(indexes: list[int]) -> int:
    from watcher.extract.pdf import page_texts

    return sum(len(page_texts(_SAMPLE[i])) for i in indexes)


def pdfium_ceiling(folder: Path, count: int, pages: int, sample: int = 7) -> tuple[float, float]:
    """Documents a second that pdfium's text alone allows on this machine: (on every core at once, one core's
    figure times the cores). The first is the backfill's ceiling, the most any extraction with pypdfium2 could
    reach: as many processes as cores read the sample side by side, and the pages they read in a second of
    wall time are divided by the pages of the average document (`pages` of `count`). One core's speed times
    the cores is not that: two processes reading PDFs at once each take about a sixth more CPU a page here
    than one alone (they share the caches and the memory), and the backfill keeps every core busy.
    Every 7th PDF, not every 10th: the documents' sizes go round in twenty, and every tenth document had 4.1
    pages on average where the set has 7.0 (a ceiling 1.7 times too high); counted by the page, the sample's
    mix weighs no more. The two are measured in turns, twice, so a machine that slows down slows both."""
    import multiprocessing

    from watcher.extract.pdf import page_texts

    _SAMPLE[:] = [(folder / f"{n}.pdf").read_bytes() for n in range(0, count, sample)]
    cores = os.cpu_count() or 1
    chunks = [list(range(i, len(_SAMPLE), 4 * cores)) for i in range(4 * cores)]  # small, so no core idles at the end
    alone, together = [], []
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        pool.map(_pdfium_pages, [[i] for i in range(cores)])  # each process has pdfium loaded
        for _ in range(2):
            started = time.process_time()
            read = sum(len(page_texts(data)) for data in _SAMPLE)
            alone.append(read / (time.process_time() - started))
            started = time.perf_counter()
            read = sum(pool.imap_unordered(_pdfium_pages, chunks))
            together.append(read / (time.perf_counter() - started))
    _SAMPLE.clear()
    per_document = pages / count
    return statistics.mean(together) / per_document, cores * statistics.mean(alone) / per_document


def config_for(tmp: Path, tk: FakeTK, store: str, since: datetime | None = None) -> Path:
    since = (since or datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = tmp / "sources.yaml"
    path.write_text(f"""state_dir: {tmp / 'state'}
store: {store}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}", since: "{since}", backfill_alerts: true}}
subscribers:
  - {{name: china, keywords: [Xinjiang, "Oeigoer*", "*surveillance*"], members: [Ceder]}}
  - {{name: moties, keywords: [motie]}}
""")
    return path


class Run:
    """One `watcher run --once` in its own process: wall seconds, CPU seconds, peak RSS (KiB) of the watcher
    process, and the peak of the sum of it and its extraction workers (sampled every 250 ms from /proc: more often, the sampling itself took CPU from what it measures).

    The watcher's peak is its own high-water mark (VmHWM), not getrusage's ru_maxrss: a child started with
    vfork inherits the parent's peak in ru_maxrss, which would report this script's size."""

    def __init__(self, config: Path, profile: Path | None = None):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("TELEGRAM_BOT_TOKEN", None)
        prefix = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if profile else [])
        started = time.perf_counter()
        proc = subprocess.Popen(prefix + ["-m", "watcher", "-c", str(config), "run", "--once"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.tree_rss = 0
        sampling = threading.Event()
        sampler = threading.Thread(target=self._sample, args=(proc.pid, sampling))
        sampler.start()
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampling.set()
        sampler.join()
        self.wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"watcher failed:\n{stderr[-2000:]}")
        self.rss = self._hwm.get(proc.pid, 0)
        self.cpu = usage.ru_utime + usage.ru_stime  # the watcher process (and any child it reaped)
        self.workers_cpu = sum(t for p, t in self._cpu.items() if p != proc.pid)

    def _sample(self, pid: int, done: threading.Event) -> None:
        self._cpu: dict[int, float] = {}  # CPU seconds last seen per process of the tree
        self._hwm: dict[int, int] = {}  # peak RSS (KiB) last seen per process
        # The whole tree every 0.25 s from the start, the watcher's own peak every 25 ms: a quiet run is over in
        # a quarter of a second, and a first look after 0.25 s had found it gone (a peak of "0 MB").
        tick, workers = 0, 0  # the RSS of the watcher's children at the last look at the tree
        while True:
            if tick % 10 == 0:
                tree = _tree(pid)
                memory = {p: _memory(p) for p in tree}
                workers = sum(rss for p, (rss, _) in memory.items() if p != pid)
                for p in tree:
                    self._cpu[p] = max(self._cpu.get(p, 0.0), _cpu(p))
                    self._hwm[p] = max(self._hwm.get(p, 0), memory[p][1])
            rss, peak = _memory(pid)
            self._hwm[pid] = max(self._hwm.get(pid, 0), peak)
            self.tree_rss = max(self.tree_rss, rss + workers)
            tick += 1
            if done.wait(0.025):
                break


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], []))
    return found


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> tuple[int, int]:
    """RSS now and the process's peak RSS so far, in KiB."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line[:5]] = int(line.split()[1])
    except OSError:
        pass
    return found.get("VmRSS", 0), found.get("VmHWM", 0)


def fill_store(state: Path, count: int, kind: str) -> None:
    """A store holding `count` documents as a long-running watcher would have them."""
    store = open_store(state, kind=kind)
    text = store.put_text(Document([Block("Een tekst.")]))
    for n in range(count):
        meta = Meta(soort="Motie", titel=f"Titel {n}", onderwerp="Motie van het lid Ceder over iets " * 3,
                    datum="2026-11-01T00:00:00+01:00", zaken=[{"nummer": f"2026Z{n:05d}", "soort": "Motie"}],
                    dossiers=["36800"], aliases=[f"tk-id:{n}"], links={"tweedekamer.nl": f"https://x/{n}"})
        store.put_document(StoredDocument(key=f"2026D{n:05d}", source="tk", meta=meta, stamp="2026-11-01",
                                          versions=[Version("1", text, "v1:1000", "2026-11-01T00:00:00+00:00")]))
    store.flush()
    store.close()


def in_process_cycle(config_path: Path) -> float:
    """The median time of a cycle with nothing new in a long-running watcher (store already loaded)."""
    import asyncio
    import io

    from watcher.config import load
    from watcher.engine.cycle import Engine
    from watcher.deliver.deliver import Deliverer
    from watcher.sources.http import HTTP
    from watcher.deliver.notify import Console

    config = load(config_path)
    store = open_store(config.state_dir, kind=config.store)

    async def cycles() -> list[float]:
        http = HTTP(config.http)
        watcher = Engine(config, store, http, Deliverer(config, Console(io.StringIO())), progress=False)
        times = []
        try:
            for _ in range(6):
                started = time.perf_counter()
                await watcher.cycle()
                times.append(time.perf_counter() - started)
        finally:
            await http.aclose()
            watcher.extractor.close()
        return times[1:]

    try:
        return statistics.median(asyncio.run(cycles()))
    finally:
        store.close()


QUIET_RUNS = 5  # the quiet `run --once` is timed this many times; the median is shown


def steady(tmp: Path, tk: FakeTK, count: int, kind: str) -> tuple[Path, Run, int]:
    """A config whose store holds `count` documents, the median `run --once` over it with nothing new, and the
    requests each such run made. Its API (`tk`) has nothing new either, so what is left is the cost of the store."""
    folder = tmp / f"steady{count}"
    folder.mkdir()
    fill_store(folder / "state", count, kind)
    path = config_for(folder, tk, kind)
    Run(path)  # the first run notes the source's cursor
    tk.server.requests.clear()
    runs = sorted((Run(path) for _ in range(QUIET_RUNS)), key=lambda r: r.wall)
    return path, runs[len(runs) // 2], len(tk.server.requests) // QUIET_RUNS


def main(count: int, kind: str, profile: bool, latency: tuple[float, float] = (0.0, 0.0)) -> None:
    import pypdfium2
    tmp = Path(tempfile.mkdtemp())
    tk = FakeTK()
    # Changes as far apart as a year's are (50,000 documents and their revisions: one every ~10 minutes; a
    # document is a few entities).
    step = timedelta(days=365) / 55_000 / 6
    start = datetime.now(timezone.utc) - step * count * 6 * 1.2
    tk.set_clock(start, step)
    since = start - timedelta(hours=1)
    tk.server.start()
    started = time.perf_counter()
    (tmp / "pdf").mkdir()
    rows = document_rows(tk, count, tmp / "pdf")
    pages = sum(len(pypdfium2.PdfDocument(str(path))) for path in (tmp / "pdf").glob("*.pdf"))  # as rendered
    print(f"{count:,} documents ({pages:,} PDF pages, counted) generated in {time.perf_counter() - started:.0f} s; "
          f"store: {kind}")
    before_ceiling = pdfium_ceiling(tmp / "pdf", count, pages)
    config = config_for(tmp, tk, kind, since)
    tk.latency = latency
    before = os.times()
    backfill = Run(config, profile=tmp / "backfill.prof" if profile else None)  # `since` is before the first row: takes in every document
    revised = [row for n, row in enumerate(rows) if n % 10 == 0]  # a tenth revised later
    for row in revised:  # the same pages under a changed title: a small diff, as most revisions are
        n = int(row["Id"][-12:])
        path = tmp / "pdf" / f"{n}-v2.pdf"
        path.write_bytes(generated_pdf(n, 1 + n % 20, (row["Onderwerp"] or row["Titel"] or "") + " (gewijzigd)"))
        tk.renderers[row["Id"]] = (lambda p=path: (p.read_bytes(), "application/pdf"))
        tk.revise(row["Id"], length=path.stat().st_size)
    again = Run(config)
    after = os.times()
    # Measured before and after the backfill, and their mean taken: this machine's speed drifts by tens of
    # percent within minutes (pdfium's text alone took 1.6 to 2.5 ms a page within a quarter of an hour).
    after_ceiling = pdfium_ceiling(tmp / "pdf", count, pages)
    ceiling, one_core = (statistics.mean(pair) for pair in zip(before_ceiling, after_ceiling))
    wall = backfill.wall + again.wall
    rate = (count + len(revised)) / wall
    print(f"backfill: {rate:.1f} versions/s ({count:,} documents in {backfill.wall:.1f} s, then {len(revised):,} "
          f"revised in {again.wall:.1f} s); a year (~50,000 and their revisions) would take "
          f"{50_000 * 1.1 / rate / 60:.1f} min (goal < 15 at no latency, < 30 at 3s,250ms)")
    print(f"  the backfill's {count / backfill.wall:.1f} documents/s against pdfium's text alone on every core at once "
          f"({ceiling:.1f} documents/s, the mean of {before_ceiling[0]:.1f} before the backfill and "
          f"{after_ceiling[0]:.1f} after it): {count / backfill.wall / ceiling:.2f} of that ceiling (goal >= 0.5); "
          f"one core's speed times the cores would be {one_core:.1f} documents/s "
          f"({count / backfill.wall / one_core:.2f})")
    server_cpu = after.user + after.system - before.user - before.system
    if any(latency):
        per_page = 250
        versions = count + len(revised)
        floor = (latency[0] * (count / per_page + 1) + latency[1] * versions) / 8
        cores = os.cpu_count() or 1
        cpu_floor = (backfill.cpu + backfill.workers_cpu + again.cpu + again.workers_cpu + server_cpu) / cores
        print(f"  latency {latency[0]:g}s a listing, {latency[1]:g}s a file, at most 8 requests in flight: bound "
              f"{floor:.0f} s for these; the CPU they took ({cores} cores, the fake server's included) bounds them "
              f"at {cpu_floor:.0f} s; reached {wall:.0f} s: {wall / max(floor, cpu_floor):.2f}x the higher bound. "
              f"A year's 55,000 versions at 8 requests: {(latency[0] * 55_000 / 1.1 / per_page + latency[1] * 55_000) / 8 / 60:.1f} "
              f"min by the latency alone, {55_000 / versions * cpu_floor / 60:.1f} min by this machine's CPU")
    print(f"  CPU: watcher process {backfill.cpu:.0f} s, extraction workers {backfill.workers_cpu:.0f} s, "
          f"fake server {server_cpu:.0f} s (both runs), of {(os.cpu_count() or 1) * backfill.wall:.0f} core-seconds")
    print(f"  peak RSS: watcher {backfill.rss / 1024:.0f} MB, with its workers {backfill.tree_rss / 1024:.0f} MB (goal < 300)")
    state = tmp / "state"
    disk = sum(f.stat().st_size for f in state.rglob("*") if f.is_file())
    versions = count + len(revised)
    print(f"state on disk: {disk / 1e6:.1f} MB for {versions:,} versions ({count:,} documents, {len(revised):,} "
          f"revised) = {disk / versions / 1024:.1f} KiB a version")
    if profile:
        print("where the watcher process spends its time (cProfile, top 12 by own time):")
        pstats.Stats(str(tmp / "backfill.prof"), stream=sys.stdout).sort_stats("tottime").print_stats(12)

    quiet = FakeTK()
    quiet.server.start()
    small_config, small, _ = steady(tmp, quiet, 1_000, kind)
    big_config, big, asked = steady(tmp, quiet, 100_000, kind)
    print(f"requests made by that `run --once` with 100,000 stored: {asked} (one source)")
    print(f"`run --once` with nothing new (start, open, cycle; median of {QUIET_RUNS}): {small.wall:.2f} s with 1,000 documents, "
          f"{big.wall:.2f} s with 100,000; ratio {big.wall / small.wall:.2f} (goal < 1.5)")
    print(f"  peak RSS with 100,000: watcher {big.rss / 1024:.0f} MB, with its workers {big.tree_rss / 1024:.0f} MB "
          f"(goal < 300); with 1,000: {small.rss / 1024:.0f} MB")
    small_cycle, big_cycle = in_process_cycle(small_config), in_process_cycle(big_config)
    print(f"one cycle with nothing new inside a running watcher: {small_cycle * 1000:.0f} ms with 1,000 documents, "
          f"{big_cycle * 1000:.0f} ms with 100,000; ratio {big_cycle / small_cycle:.2f} (goal < 1.5)")
    tk.server.stop()
    quiet.server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("documents", nargs="?", type=int, default=10_000)
    parser.add_argument("--store", choices=("sqlite", "tinydb"), default="sqlite")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--latency", default="0s,0s", help="a listing's and a file's answer time, e.g. 3s,250ms")
    args = parser.parse_args()
    from watcher.settings import parse_duration
    listing, file = (0.0 if x.strip() in ("0", "0s") else parse_duration(x) for x in args.latency.split(","))
    main(args.documents, args.store, args.profile, (listing, file))
