"""Bad input costs one document a clear error, within size, time and memory limits; never a hang."""

import asyncio
import io
import os
import signal
import time
import zipfile

import pytest

from tests.fakes.tk import page_rows
from tests.pdfgen import render
from watcher.extract import MAX_BYTES, ExtractError, Extractor, extract


def run(extractor, data, content_type=""):
    try:
        return asyncio.run(extractor(data, content_type))
    finally:
        extractor.close()


def test_an_encrypted_pdf_is_refused_with_a_reason():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(render(["Vertrouwelijk."]))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="geheim", owner_password="geheimer")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ExtractError, match="encrypted with a password"):
        extract(out.getvalue())


def test_a_docx_zip_bomb_is_refused_before_it_unpacks():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (150 * 1024 * 1024) + b"</w:document>")
    assert len(out.getvalue()) < 1024 * 1024  # 150 MB in under 1 MB
    with pytest.raises(ExtractError, match="zip bomb"):
        extract(out.getvalue())


def test_a_file_over_the_size_limit_is_refused_unread():
    with pytest.raises(ExtractError, match="over the"):
        run(Extractor(), b"a" * (MAX_BYTES + 1))


def test_extraction_that_takes_too_long_is_stopped():
    slow = ("Vraag 1\n\n" + "Bent u bekend met het bericht? " * 40 + "\n\n") * 4000  # some seconds of work
    with pytest.raises(ExtractError, match="took longer than 0.05s"):
        run(Extractor(timeout=0.05), slow.encode())


def test_extraction_that_needs_too_much_memory_is_stopped_and_the_process_lives_on():
    big = ("woord " * 200 + "\n") * 25000  # ~30 MB of text
    # Where the allocation fails decides the message: in the extraction (a MemoryError sent back) or in
    # sending the result (the worker dies, and the time limit ends the wait).
    with pytest.raises(ExtractError, match="needed more than 100 MiB|took longer than 10s"):
        run(Extractor(memory=100 * 1024**2, timeout=10), big.encode())


def test_the_worker_pool_recovers_after_a_stop():
    extractor = Extractor(timeout=0.05)
    slow = ("Bent u bekend met het bericht? " * 40 + "\n\n") * 4000
    try:
        with pytest.raises(ExtractError):
            asyncio.run(extractor(slow.encode()))
        extractor.timeout = 30
        doc = asyncio.run(extractor(b"Vraag 1\n\nWaarom?\n\nAntwoord 1\n\nDaarom."))
        assert [b.label for b in doc.blocks if b.kind != "heading"] == ["Vraag 1", "Antwoord 1"]
    finally:
        extractor.close()


def _descendants(pid: int) -> dict[int, float]:
    """pid -> CPU seconds of every living process below `pid`, read from /proc."""
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
                cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = cpu[child]
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _until(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    return condition()


def test_workers_are_replaced_after_their_tasks_and_their_handler_wakes_for_that_not_for_each_result(monkeypatch):
    """The pool's worker handler sleeps until a worker ends (or the pool closes or drains): woken at every
    result, it spent a seventh of a backfill's CPU in the watcher process."""
    from multiprocessing.pool import Pool

    import watcher.extract

    monkeypatch.setattr(watcher.extract, "TASKS_PER_WORKER", 3)
    wakes = []
    maintain = Pool._maintain_pool
    monkeypatch.setattr(Pool, "_maintain_pool", staticmethod(lambda *args: (wakes.append(1), maintain(*args))[1]))
    extractor = Extractor(workers=2)

    async def all_at_once():  # so the queue never drains before the end, which wakes it too
        return await asyncio.gather(*(extractor(f"Brief nummer {n}.".encode(), "text/plain") for n in range(30)))

    try:
        docs = asyncio.run(all_at_once())
    finally:
        extractor.close()
    assert [d.text for d in docs] == [f"Brief nummer {n}." for n in range(30)]  # ten workers in turn read them
    # ~10 workers ended (each a wake, some together; 1 or 2 without their replacing); a wake a result is 30 or more
    assert 5 <= len(wakes) < 20, len(wakes)


def test_a_worker_starts_with_what_reading_a_pdf_takes_loaded():
    # Asked by a module that imports nothing itself: what the worker has loaded, it had before its first file.
    from tests import worker_probe

    extractor = Extractor(workers=1)
    try:
        loaded = extractor._get_pool().apply(worker_probe.loaded, (["pypdfium2", "watcher.extract.pdf"],))
    finally:
        extractor.close()
    assert loaded == [True, True]


def test_a_worker_busy_on_a_hostile_file_dies_with_a_sigkilled_watcher(tk, write_config, spawn):
    # Nested lists without end: the parser works on it for minutes, in C, never reading its task queue
    # (the time limit of 60 s would stop it; the watcher is killed well before).
    tk.add(page_rows()[0], data=b"<html><body>" + b"<ul><li>x" * 200_000, content_type="text/html")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": "2020-01-01"}], [])
    watcher = spawn("-c", config, "run", "--once")
    busy = _until(lambda: [p for p, seconds in _descendants(watcher.pid).items() if seconds > 1.0])
    assert busy, "no extraction worker got busy"
    watcher.kill()
    watcher.wait()
    try:
        assert _until(lambda: not any(_alive(p) for p in busy), 20), "the worker outlived the watcher"
    finally:
        for p in busy:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
