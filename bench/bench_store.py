"""The stores side by side, through the Store interface the pipeline uses: SQLite (the baseline), TinyDB and
PostgreSQL (a throwaway server on this machine, started as the tests start theirs: tests/postgres.py).

Prints, for each store and as a ratio to SQLite in the same run:
- a backfill's writes: documents with a text of ~10 KB each and two alerts, flushed every 250 (a page);
- delivery marks: send started and sent, each durable at once, for 2,000 alerts;
- a document looked up by key among those stored;
- a quiet cycle's reads (cursor, texts pending, alerts pending) with 1,000 and with a million documents stored (--quiet),
  and their ratio (goal < 1.5).

    python bench/bench_store.py [DOCUMENTS] [--quiet 1000000]
"""

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from _common import seed  # also puts the repository on sys.path

from watcher.model import Alert, Block, Document, Meta, StoredDocument, Version
from watcher.store import open_store

PAGE = 250


def paragraphs() -> list[str]:
    text = seed("003")
    return [p for p in text.split("\n\n") if len(p) > 80]


def opener(kind: str, server):
    if kind == "postgresql":
        dsn = server.new_database()
        return lambda folder, readonly=False: open_store(folder, readonly, kind=kind, dsn=dsn)
    return lambda folder, readonly=False: open_store(folder, readonly, kind=kind)


def backfill(open_, folder: Path, count: int, rng: random.Random) -> tuple[float, float, float]:
    """Documents a second written, marks a second, and a lookup's time in µs."""
    chosen = paragraphs()
    store = open_(folder)
    started = time.perf_counter()
    for n in range(count):
        text = Document([Block(f"Document {n}")] + [Block(rng.choice(chosen)) for _ in range(12)])
        h = store.put_text(text)
        store.put_document(StoredDocument(key=f"2026D{n:05d}", source="tk", stamp=f"s{n}",
                                          meta=Meta(soort="Motie", titel=f"Motie {n}", aliases=[f"tk-id:{n}"]),
                                          versions=[Version("1", h, "v1:1", "2026-11-01T00:00:00+00:00")]))
        for who in ("a", "b"):
            store.enqueue(Alert(id=f"{who}|2026D{n:05d}|new", subscriber=who, document=f"2026D{n:05d}",
                                kind="new", title=f"Motie {n}", created=f"2026-11-01T00:00:{n % 60:02d}+00:00"))
        if n % PAGE == PAGE - 1:
            store.set_cursor("tk", {"stamp": f"s{n}"})
            store.flush()
    store.flush()
    written = count / (time.perf_counter() - started)
    marks = min(2000, count)
    started = time.perf_counter()
    for n in range(marks // 2):
        store.mark_sending(f"a|2026D{n:05d}|new")
        store.mark_sent(f"a|2026D{n:05d}|new", "telegram")
    marked = marks / (time.perf_counter() - started)
    keys = [f"2026D{rng.randrange(count):05d}" for _ in range(2000)]
    started = time.perf_counter()
    for key in keys:
        store.document(key)
    lookup = (time.perf_counter() - started) / len(keys) * 1e6
    store.flush()
    store.close()
    return written, marked, lookup


def fill(store, count: int, kind: str) -> None:
    """`count` documents of source tk (no texts) put in by the table, not one by one through the Store: a
    million of them would take a quarter of an hour that way."""
    rows = ((f"2026D{n:07d}", json.dumps(StoredDocument(
        key=f"2026D{n:07d}", source="tk", stamp=f"s{n}", meta=Meta(soort="Motie", aliases=[f"tk-id:{n}"]),
        versions=[Version("1", "h", "v1:1", "2026-11-01T00:00:00+00:00")]).to_dict())) for n in range(count))
    if kind == "postgresql":
        with store.db.cursor() as cursor, cursor.copy("COPY documents (key, source, soort, data) FROM STDIN") as copy:
            for key, data in rows:
                copy.write_row((key, "tk", "Motie", data))
    else:
        store.db.executemany("INSERT INTO documents (key, source, data) VALUES (?, 'tk', ?)", rows)
    store.db.commit()


def quiet_cycle(open_, folder: Path, count: int, kind: str) -> float:
    """The median time of a quiet cycle's reads over a store of `count` documents (no texts: what a cycle
    with nothing new touches does not depend on them). The rows go in by the table, not one by one through
    the Store: a million of them would take a quarter of an hour that way, and only the reads are timed."""
    store = open_(folder)
    fill(store, count, kind)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        store.cursor("tk")
        store.pending_texts("tk")
        store.count_pending_alerts()
        store.pending_alerts()
        store.document(f"2026D{count // 2:07d}")
        store.set_health("tk", {"last_success": "now"})
        store.flush()
        times.append(time.perf_counter() - started)
    store.close()
    return statistics.median(times[2:])


def main(count: int, quiet: int) -> None:
    from tests.postgres import Server
    try:
        server = Server().start()
    except LookupError as e:
        server = None
        print(f"PostgreSQL left out: {e}")
    kinds = ["sqlite", "tinydb"] + (["postgresql"] if server else [])
    tmp = Path(tempfile.mkdtemp())
    results = {}
    try:
        for kind in kinds:
            results[kind] = backfill(opener(kind, server), tmp / f"{kind}-backfill", count, random.Random(1))
        base = results["sqlite"]
        print(f"{count:,} documents (a text of ~10 KB and two alerts each, a flush every {PAGE}):")
        for kind, (written, marked, lookup) in results.items():
            print(f"  {kind:10} {written:7.0f} documents/s ({written / base[0]:.2f}x SQLite), "
                  f"{marked:7.0f} durable marks/s ({marked / base[1]:.2f}x), "
                  f"a lookup by key {lookup:6.0f} µs ({lookup / base[2]:.2f}x)")
        print(f"a quiet cycle's reads and one flush, 1,000 vs {quiet:,} documents stored (goal: ratio < 1.5):")
        for kind in [k for k in kinds if k != "tinydb"]:
            small = quiet_cycle(opener(kind, server), tmp / f"{kind}-small", 1_000, kind)
            big = quiet_cycle(opener(kind, server), tmp / f"{kind}-big", quiet, kind)
            print(f"  {kind:10} {small * 1000:6.1f} ms vs {big * 1000:6.1f} ms: ratio {big / small:.2f}")
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("documents", nargs="?", type=int, default=5_000)
    parser.add_argument("--quiet", type=int, default=1_000_000, help="documents stored for the big quiet cycle")
    args = parser.parse_args()
    main(args.documents, args.quiet)
