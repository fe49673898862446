"""The whole pipeline, end to end: `watcher run --once` in a process of its own against a loopback Tweede
Kamer serving generated documents (PDFs of 1 to 20 pages made from the seeds' paragraphs, metadata like
the recorded rows).

Prints: backfill documents/s through fetch, extract, store, diff, match and outbox; the cost of a cycle with
nothing new with 1,000 and with 100,000 documents in the store, and their ratio (goal < 1.5); peak RSS of
the backfill and of a cycle over 100,000 documents (goal < 300 MB); bytes on disk per stored version.

    python bench/bench_pipeline.py [DOCUMENTS]          (default 10,000; 2,000 for a quick look)
"""

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _common import ROOT, SEEDS

from tests.fakes.tk import FakeTK, page_rows
from tests.pdfgen import render
from watcher.extract import extract
from watcher.model import Block, Document, Meta, StoredDocument, Version
from watcher.store import open_store

PARAGRAPHS = [b.text for path in sorted(SEEDS.glob("*.txt")) for b in extract(path.read_bytes()).blocks
              if len(b.text) > 80]


def document_rows(tk: FakeTK, count: int, folder: Path) -> None:
    """Rows and their PDFs, rendered once into `folder`, so serving them costs the fake server nothing."""
    rows = [r for r in page_rows() if r["ContentType"]]
    for n in range(count):
        row = dict(rows[n % len(rows)], Id=f"00000000-0000-4000-8000-{n:012d}", DocumentNummer=f"2026D{n:05d}",
                   ContentType="application/pdf")
        rng = random.Random(n)
        pages = 1 + n % 20
        paragraphs = [f"Document {n}: {row['Onderwerp'] or row['Titel'] or ''}"] + \
                     [rng.choice(PARAGRAPHS) for _ in range(pages * 6)]
        path = folder / f"{n}.pdf"
        path.write_bytes(render(paragraphs))
        row = tk.add(row, data=b"", content_type="application/pdf")
        row["ContentLength"] = path.stat().st_size
        tk.renderers[row["Id"]] = (lambda p=path: (p.read_bytes(), "application/pdf"))


def config_for(tmp: Path, tk: FakeTK) -> Path:
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = tmp / "sources.yaml"
    path.write_text(f"""state_dir: {tmp / 'state'}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}", since: "{since}"}}
subscribers:
  - {{name: china, keywords: [Xinjiang, "Oeigoer*", "*surveillance*"], members: [Ceder]}}
  - {{name: moties, keywords: [motie]}}
""")
    return path


def run_once(config: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one `watcher run --once`."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TELEGRAM_BOT_TOKEN", None)
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run([sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"watcher failed:\n{result.stderr[-2000:]}")
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def fill_store(state: Path, count: int) -> None:
    """A store holding `count` documents as a long-running watcher would have them."""
    store = open_store(state)
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
    import statistics

    from watcher.config import load
    from watcher.cycle import Watcher
    from watcher.deliver import Deliverer
    from watcher.http import HTTP
    from watcher.notify import Console

    config = load(config_path)
    store = open_store(config.state_dir)

    async def cycles() -> list[float]:
        http = HTTP(config.http)
        watcher = Watcher(config, store, http, Deliverer(config, Console(io.StringIO())), progress=False)
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


def main(count: int = 10_000) -> None:
    tmp = Path(tempfile.mkdtemp())
    tk = FakeTK()
    tk.server.start()
    started = time.perf_counter()
    (tmp / "pdf").mkdir()
    document_rows(tk, count, tmp / "pdf")
    pages = sum(1 + n % 20 for n in range(count))
    print(f"{count:,} documents ({pages:,} PDF pages) generated in {time.perf_counter() - started:.0f} s")
    config = config_for(tmp, tk)
    backfill, rss = run_once(config)  # `since` is an hour ago: the first run takes in every document
    print(f"backfill: {count / backfill:.1f} documents/s ({backfill:.1f} s); a year (~50,000) would take "
          f"{50_000 / (count / backfill) / 60:.1f} min (goal < 15); peak RSS {rss / 1024:.0f} MB (goal < 300)")
    state = tmp / "state"
    disk = sum(f.stat().st_size for f in state.rglob("*") if f.is_file())
    print(f"state on disk: {disk / 1e6:.1f} MB for {count:,} versions = {disk / count / 1024:.1f} KiB a version")
    tk.server.requests.clear()
    quiet_small, _ = run_once(config)

    big = tmp / "big"
    big.mkdir()
    fill_store(big / "state", 100_000)
    big_config = big / "sources.yaml"
    big_config.write_text(config.read_text().replace(str(tmp / "state"), str(big / "state")))
    run_once(big_config)  # baseline run: the store's source cursor
    quiet_big, rss_big = run_once(big_config)
    print(f"`run --once` with nothing new (start, load, cycle): {quiet_small:.2f} s with {count:,} documents, "
          f"{quiet_big:.2f} s with 100,000; ratio {quiet_big / quiet_small:.2f} (goal < 1.5); "
          f"peak RSS with 100,000: {rss_big / 1024:.0f} MB")
    small_cycle, big_cycle = in_process_cycle(config), in_process_cycle(big_config)
    print(f"one cycle with nothing new inside a running watcher: {small_cycle * 1000:.0f} ms with {count:,} documents, "
          f"{big_cycle * 1000:.0f} ms with 100,000; ratio {big_cycle / small_cycle:.2f}")
    tk.server.stop()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
