"""The Tweede Kamer's SyncFeed, measured: what finding the head costs, a catch-up after a three-day outage at
the latencies measured live, a quiet cycle, and the mirror of a year.

    python bench/bench_syncfeed.py heads              requests to find each category's head (goal <= 30)
    python bench/bench_syncfeed.py catchup [SCALE]    three days (~25,000 entries) at the live latencies
                                                      times SCALE (default 1: real time, goal <= 10 min)
    python bench/bench_syncfeed.py quiet [RUNS]       a cycle with nothing new: requests and CPU
    python bench/bench_syncfeed.py year [FRACTION]    a year of entities (or FRACTION of one): the mirror
                                                      on disk and the watcher's peak RSS (goal <= 300 MB)

Each prints its figures with a baseline from the same run: the lower bound of the catch-up (its slowest
category's pages one after another, which is as fast as the feed allows), a bare Python start for the
quiet cycle, the watcher's own RSS before the year.

The volumes are estimates, said here so they can be argued with: the skiptoken counter grew by 5.4 million
in the 628 days from 2024-08-07 (20,000,000, djosh34/opentk docs/exploration.md) to 2026-04-27
(25,403,408, DESIGN.md), 8,600 changes a day over all 35 categories; of the ~25,000 a three-day outage
brings to the 14 categories read (the issue's figure), the mix below follows a sitting week (a voting
Tuesday's Stemming rows are the most). The latencies per page are those measured live in 2026-04
(Document 2.3 s, Stemming 4.1 s, Activiteit 14.9 s, Zaak 15.2 s, Persoon 20.6 s); a category not measured
takes that of its parent (DocumentActor as Document, ZaakActor as Zaak, Agendapunt as Activiteit).
"""

import asyncio
import io
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _common import child_cpu_s, ROOT

from tests.fakes.tk import FILES, FakeTK

LATENCY = {"Document": 2.3, "DocumentVersie": 2.3, "DocumentActor": 2.3, "DocumentPublicatie": 2.3, "Zaak": 15.2,
           "ZaakActor": 15.2, "Kamerstukdossier": 15.2, "Besluit": 4.1, "Stemming": 4.1, "Activiteit": 14.9,
           "Agendapunt": 14.9, "Persoon": 20.6, "Fractie": 20.6, "Toezegging": 14.9}
THREE_DAYS = {"Document": 1500, "DocumentVersie": 1600, "DocumentActor": 2000, "DocumentPublicatie": 900,
              "Zaak": 1200, "ZaakActor": 2400, "Kamerstukdossier": 40, "Besluit": 800, "Stemming": 12000,
              "Activiteit": 600, "Agendapunt": 1500, "Persoon": 30, "Fractie": 5, "Toezegging": 300}
FILE_LATENCY = 0.5  # a file's answer (not measured live; the listings' are)


def _id(n: int) -> str:
    return str(uuid.UUID(int=n))


def fill(tk: FakeTK, counts: dict, start: int, old_documents: bool = False) -> None:
    """Entities over the categories, related as the Kamer's are (a document's version and actor, a zaak's
    actors, a vote's rows, a meeting's agendapunten); `old_documents`: dated 2019, so a backfill stores them
    as known without fetching their files."""
    n = start
    datum = "2019-05-01T00:00:00" if old_documents else datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00:00")
    zaken, besluiten, meetings = [], [], []
    for i in range(counts.get("Zaak", 0)):
        n += 1
        zaken.append(_id(n))
        tk.put_entity("Zaak", _id(n), {"nummer": f"2026Z{i:05d}", "soort": "Motie", "onderwerp": f"Zaak {i}"})
    for i in range(counts.get("ZaakActor", 0)):
        n += 1
        tk.put_entity("ZaakActor", _id(n), {"actorNaam": f"Lid {i % 150}", "relatie": "Indiener"},
                      {"zaak": [zaken[i % len(zaken)]]} if zaken else {})
    documents = []
    for i in range(counts.get("Document", 0)):
        n += 2
        documents.append(_id(n))
        tk.put_entity("DocumentVersie", _id(n + 1), {"versienummer": "1"}, {"document": [_id(n)]})
        tk.put_entity("Document", _id(n), {"documentNummer": f"2026D{start + i:07d}", "soort": "Motie",
                                           "onderwerp": f"Motie {i}", "datum": datum},
                      {"huidigeDocumentVersie": [_id(n + 1)], "zaak": [zaken[i % len(zaken)]] if zaken else []},
                      content_type="application/pdf", content_length=FILES["application/pdf"].stat().st_size)
    for category in ("DocumentActor", "DocumentPublicatie"):
        for i in range(counts.get(category, 0)):
            n += 1
            refs = {"document": [documents[i % len(documents)]]} if category == "DocumentActor" else {}
            tk.put_entity(category, _id(n), {"actorNaam": f"Lid {i % 150}", "relatie": "Indiener"}
                          if category == "DocumentActor" else {"documentType": "Pdf"}, refs)
    for i in range(counts.get("Activiteit", 0)):
        n += 1
        meetings.append(_id(n))
        tk.put_entity("Activiteit", _id(n), {"soort": "Commissiedebat", "nummer": f"2026A{i:05d}", "status": "Gepland",
                                             "aanvangstijd": datum})
    for i in range(counts.get("Agendapunt", 0)):
        n += 1
        tk.put_entity("Agendapunt", _id(n), {"onderwerp": f"Punt {i}"},
                      {"activiteit": [meetings[i % len(meetings)]]} if meetings else {})
    for i in range(counts.get("Besluit", 0)):
        n += 1
        besluiten.append(_id(n))
        tk.put_entity("Besluit", _id(n), {"besluitSoort": "Vrijgeven voor plenaire behandeling"})
    for i in range(counts.get("Stemming", 0)):
        n += 1
        tk.put_entity("Stemming", _id(n), {"soort": "Voor", "fractieGrootte": "10", "actorFractie": "X"},
                      {"besluit": [besluiten[i % len(besluiten)]]} if besluiten else {})
    for category in ("Kamerstukdossier", "Persoon", "Fractie", "Toezegging"):
        for i in range(counts.get(category, 0)):
            n += 1
            tk.put_entity(category, _id(n), {"nummer": str(i)})


def _config(tmp: Path, tk: FakeTK, **source) -> Path:
    import yaml
    path = tmp / "sources.yaml"
    path.write_text(yaml.safe_dump({"state_dir": str(tmp / "state"), "http": {"timeout": "120s"},
                                    "sources": [{"name": "tk", "kind": "tweedekamer", "url": tk.url, "deadline": "1h",
                                                 **source}],
                                    "subscribers": [{"name": "all", "keywords": ["Motie"]}]}))
    return path


def _run_once(config: Path) -> tuple[int, str]:
    from contextlib import redirect_stderr, redirect_stdout

    from watcher.cli import main
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["-c", str(config), "run", "--once"])
    return code, err.getvalue()


# ---------------------------------------------------------------- heads

def heads() -> None:
    import random

    from watcher.sources.http import HTTP
    from watcher.sources.tweedekamer.feed import SyncFeed, skiptoken_of
    tk = FakeTK()
    tk.server.start()
    rng = random.Random(2026)
    # The shares of the counter a category has, from THREE_DAYS over 3 x 8,600 changes.
    share = {c: n / (3 * 8600) for c, n in THREE_DAYS.items()}
    print("entries:", end=" ", flush=True)
    for i in range(200_000):
        r, acc = rng.random(), 0.0
        for category, s in share.items():
            acc += s
            if r < acc:
                tk.put_entity(category, _id(i + 1), {"nummer": str(i)})
                break
        else:
            tk.bump(1)
    print(f"{sum(len(t) for t in tk._tokens.values()):,} over a counter at {tk.counter:,}")

    async def find():
        http = HTTP()
        out = {}
        for category in THREE_DAYS:
            feed = SyncFeed(http, tk.url)
            cursor = await feed.head(category)
            out[category] = (feed.requests, skiptoken_of(cursor) == tk.head(category))
        await http.aclose()
        return out

    found = asyncio.run(find())
    tk.server.stop()
    for category, (requests, right) in found.items():
        print(f"  {category:20s} {requests:3d} requests{'' if right else '  WRONG HEAD'}")
    busiest = max(len(t) for t in tk._tokens.values())
    print(f"  most: {max(r for r, _ in found.values())} requests (goal <= 30); reading the busiest category from "
          f"the start instead: {busiest // 250 + 1} pages here, and the real feed's history is some 100 times longer")


# ---------------------------------------------------------------- catch-up

def catchup(scale: float = 1.0) -> None:
    tk = FakeTK()
    tk.server.start()
    tmp = Path(tempfile.mkdtemp())
    config = _config(tmp, tk)
    fill(tk, {c: 2 for c in THREE_DAYS}, 0)  # what was there before
    assert _run_once(config)[0] == 0  # the first run: every category at its head
    fill(tk, THREE_DAYS, 10_000_000)  # three days of the Kamer while watcher was down
    pages = {c: -(-n // 250) for c, n in THREE_DAYS.items()}
    bound = max(pages[c] * LATENCY[c] * scale for c in THREE_DAYS)
    tk.category_latency = {c: LATENCY[c] * scale for c in THREE_DAYS}
    tk.latency = (0.0, FILE_LATENCY * scale)
    print(f"three days: {sum(THREE_DAYS.values()):,} entries, {sum(pages.values())} pages, "
          f"{THREE_DAYS['Document']:,} new documents with their files; latencies x{scale:g}")
    started, cycles = time.monotonic(), 0
    cpu = time.process_time()
    while True:
        cycles += 1
        code, err = _run_once(config)
        if "not all of it yet" not in err:
            break
    took = time.monotonic() - started
    print(f"  caught up in {took:.0f} s ({took / 60:.1f} min) over {cycles} cycle(s), {code=}; "
          f"CPU {time.process_time() - cpu:.0f} s")
    print(f"  lower bound (the slowest category's {max(pages, key=lambda c: pages[c] * LATENCY[c])} pages one "
          f"after another): {bound:.0f} s; ratio {took / bound:.2f}; goal <= 600 s x{scale:g}")
    tk.server.stop()


# ---------------------------------------------------------------- quiet

def quiet(runs: int = 5) -> None:
    tk = FakeTK()
    fill(tk, {c: 3 for c in THREE_DAYS}, 0)
    tk.server.start()
    tmp = Path(tempfile.mkdtemp())
    config = _config(tmp, tk)
    command = [sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)

    cpu_of = child_cpu_s

    tk.requests.clear()
    quiet_cpu = sorted(cpu_of(command) for _ in range(runs))[runs // 2]
    requests = sum(tk.requests.values()) // runs
    bare = sorted(cpu_of([sys.executable, "-c", "pass"]) for _ in range(runs))[runs // 2]
    imports = sorted(cpu_of([sys.executable, "-c", "import watcher.cli, httpx, lxml.etree"]) for _ in range(runs))[runs // 2]
    tk.server.stop()
    print(f"a quiet `watcher run --once`: {requests} requests (one per category), CPU {quiet_cpu * 1000:.0f} ms; "
          f"a bare Python start {bare * 1000:.0f} ms ({quiet_cpu / bare:.1f}x), importing watcher, httpx and lxml "
          f"{imports * 1000:.0f} ms ({quiet_cpu / imports:.2f}x)")


# ---------------------------------------------------------------- a year

def year(fraction: float = 1.0) -> None:
    tk = FakeTK()
    counts = {c: int(n * 365 / 3 * fraction) for c, n in THREE_DAYS.items()}
    # The compacted log keeps an entity once: a year's changes are fewer entities than changes. Stemming rows
    # and actors rarely change again; zaken, documents and meetings do (a version, a status): halved.
    for category in ("Zaak", "Document", "Activiteit", "Agendapunt", "Besluit"):
        counts[category] //= 2
    counts["Persoon"], counts["Fractie"] = 5000, 150  # read whole: every person and fractie there is
    tk.set_clock(datetime.now(timezone.utc) - timedelta(days=int(365 * fraction)),
                 step=timedelta(days=365 * fraction) / max(sum(counts.values()), 1))
    started = time.monotonic()
    fill(tk, counts, 0, old_documents=True)
    tk.set_clock(None)
    print(f"a year{f' x{fraction:g}' if fraction != 1 else ''}: {sum(counts.values()):,} entities made in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    tk.server.start()
    tmp = Path(tempfile.mkdtemp())
    since = (datetime.now(timezone.utc) - timedelta(days=int(365 * fraction) + 1)).date().isoformat()
    config = _config(tmp, tk, since=since)
    started = time.monotonic()
    # In a process of its own, so its peak RSS is the watcher's alone (the fake holds the year in this one). Its
    # high-water mark is read from /proc while it runs: a child's ru_maxrss counts this process's pages it
    # shared for a moment between fork and exec (3 GB here), not the watcher's.
    log = tmp / "watcher.log"
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "-c", str(config), "run", "--once"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=log.open("w"))
    peak = 0.0
    while proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            peak = max(peak, int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM"))) / 1024)
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
        time.sleep(0.2)
    done = proc
    took = time.monotonic() - started
    tk.server.stop()
    mirror = sum(f.stat().st_size for f in (tmp / "state").rglob("*") if f.is_file()) / 2**20
    print(f"  read in {took:.0f} s ({sum(counts.values()) / took:,.0f} entities/s), exit {done.returncode}; "
          f"the state on disk {mirror:.0f} MB (SQLite: the mirror, and the documents stored as known); "
          f"the watcher's peak RSS {peak:.0f} MB; goal <= 300 MB")
    if done.returncode:
        print(log.read_text()[-2000:])


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "heads"
    arguments = [float(a) for a in sys.argv[2:]]
    {"heads": heads, "catchup": catchup, "quiet": lambda *a: quiet(*(int(x) for x in a)), "year": year}[what](*arguments)
