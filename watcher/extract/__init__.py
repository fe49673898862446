"""Extraction: a file's bytes -> Document (clean text as ordered blocks, plus what the text states).

One module per format; each returns paragraphs of raw text, and `_text.py` turns those into
normalised blocks, so every format is cleaned the same way.
"""

from __future__ import annotations

import os
import signal
import threading

from ..model import Document
from ._detect import detect
from ._errors import ExtractError

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT = 60.0  # seconds one document may take
MEMORY = 2 * 1024**3  # address space of a worker
WORKERS = 2
PR_SET_PDEATHSIG = 1  # linux/prctl.h
CLOSE_WAIT = 2.0  # seconds the pool's clean-up is given before what is left of it is killed
PRELOAD = ["watcher.extract", "watcher.extract.pdf", "pypdfium2"]
TASKS_PER_WORKER = 500  # then a worker is replaced: what a parser leaks goes with it


def extract(data: bytes, content_type: str = "", name: str = "") -> Document:
    """Clean text and blocks of one file. Raises ExtractError with a message fit for a log line."""
    if len(data) > MAX_BYTES:
        raise ExtractError(f"file of {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")
    fmt = detect(data, content_type, name)
    if fmt == "pdf":
        from .pdf import extract_pdf as run
    elif fmt == "docx":
        from .docx import extract_docx as run
    elif fmt == "doc":
        from .doc import extract_doc as run
    elif fmt == "rtf":
        from .rtf import extract_rtf as run
    elif fmt == "html":
        from .html import extract_html as run
    elif fmt == "xml":
        from .xml import extract_xml as run
    elif fmt == "text":
        from .text import extract_text as run
    else:
        raise ExtractError(f"not a format watcher reads ({fmt}; it reads PDF, DOCX, DOC, RTF, HTML, XML and text)")
    doc = run(data)
    doc.metadata.setdefault("format", fmt)
    return doc


def _extract_in_worker(data: bytes, content_type: str, name: str, memory: int) -> Document:
    try:
        return extract(data, content_type, name)
    except MemoryError:
        # Raised here, inside the worker, the error travels back like any other; a worker that died of
        # it would leave the pool waiting for the time limit instead.
        raise ExtractError(f"extraction needed more than {memory // 2**20} MiB and was stopped") from None


def _worker_setup(limit: int) -> None:
    """In each worker, before its first file: the memory limit, and death with its parent.

    A worker busy in C code (a parser on a hostile file) never reads its task queue again, so it would
    not notice that the watcher is gone: a SIGKILLed watcher left one spinning. PR_SET_PDEATHSIG has the
    kernel kill it when its parent (the forkserver, which itself exits with the watcher) dies."""
    import ctypes
    import ctypes.util
    import resource
    from multiprocessing import forkserver

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the group's signals are the watcher's (_forkserver.py)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The forkserver hands each child its "alive" pipe, and exits only once no process holds that pipe
    # open: a busy worker holding it would keep the forkserver alive, so PDEATHSIG would never fire and
    # both would outlive the watcher. A worker starts no processes of its own and needs none of it.
    alive = getattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    if alive is not None:
        try:
            os.close(alive)
        except OSError:
            pass
        forkserver._forkserver._forkserver_alive_fd = None
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return  # not Linux: the queue's end of file stops an idle worker, as before
    if os.getppid() != parent:  # the parent died before the prctl took hold
        os._exit(1)


def _pool_class():
    """multiprocessing's Pool, whose worker handler waits for what it handles: a worker that ended, or the pool
    closed or drained. Pool's own also wakes at every result a worker sends (it waits on the result queue too,
    which another of its threads reads) and goes round again until that thread has read it: in a backfill
    that was a seventh of the watcher process's CPU (1.4 of 10 CPU-seconds), for nothing to do. `_get_sentinels`
    is Pool's own, not its API: a Python that drops it brings the old waking back, and the test that counts the
    handler's rounds fails. Made here, as the pool is: `watcher status` and a quiet run import no multiprocessing."""
    from multiprocessing.pool import Pool

    class _Pool(Pool):
        def _get_sentinels(self):
            return [self._change_notifier._reader]

    return _Pool


class Extractor:
    """Runs extraction in worker processes with a time and a memory limit.

    A hostile or broken file (a PDF that makes the parser loop, a decompression bomb) costs that
    document a clear error, never the cycle: the worker is killed at the time limit, and a worker that
    runs out of memory fails alone. Off the event loop, a slow PDF never stalls the bot either.
    """

    def __init__(self, timeout: float = TIMEOUT, memory: int = MEMORY, workers: int = WORKERS):
        self.timeout, self.memory, self.workers = timeout, memory, workers
        self._pool = None

    def _get_pool(self):
        if self._pool is None:
            import multiprocessing  # here, not at import: `watcher status` reads no file

            context = multiprocessing.get_context("forkserver")
            # The forkserver imports this before anything else (not the watcher's __main__, whose SIGTERM
            # handler would make it exit): signals to the process group are the watcher's (_forkserver.py).
            # Then what reading a PDF takes (most files are PDFs): a worker is forked with it loaded, where
            # each one started anew (every 500 files) spent 80 ms importing it.
            context.set_forkserver_preload(["watcher.extract._forkserver", *PRELOAD])
            self._pool = _pool_class()(self.workers, initializer=_worker_setup, initargs=(self.memory,),
                                       maxtasksperchild=TASKS_PER_WORKER, context=context)
        return self._pool

    async def __call__(self, data: bytes, content_type: str = "", name: str = "") -> Document:
        if len(data) > MAX_BYTES:  # refused before it is copied to a worker
            raise ExtractError(f"file of {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")
        try:
            pool = self._get_pool()
        except OSError as e:  # no processes to be had (EAGAIN, ENOMEM): this document waits
            raise ExtractError(f"no extraction worker could be started: {e}") from None
        import asyncio

        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def settle(value, failed: bool) -> None:  # in the pool's result thread
            def set_it():
                if not done.done():
                    done.set_exception(value) if failed else done.set_result(value)
            try:
                loop.call_soon_threadsafe(set_it)
            except RuntimeError:
                pass  # the loop is gone (the run ended): nobody waits for this any more

        # A future, not a thread blocked on the result: a caller that is cancelled (a source past its
        # deadline) leaves nothing behind waiting.
        pool.apply_async(_extract_in_worker, (data, content_type, name, self.memory),
                         callback=lambda result: settle(result, False), error_callback=lambda e: settle(e, True))
        try:
            return await asyncio.wait_for(done, self.timeout)
        except TimeoutError:
            self.close()  # the only way to stop a worker that is stuck (or that died mid-task)
            raise ExtractError(f"extraction took longer than {self.timeout:g}s and was stopped") from None

    def close(self) -> None:
        """Stop the workers in a bounded time. The pool's own clean-up runs in a thread: an idle worker
        leaves on its sentinel; one stuck in a file ignores SIGTERM (the watcher's to act on:
        _forkserver.py), so after CLOSE_WAIT what is left is killed, and the clean-up ends."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        cleanup = threading.Thread(target=lambda: (pool.terminate(), pool.join()), daemon=True)
        cleanup.start()
        cleanup.join(CLOSE_WAIT)
        if cleanup.is_alive():
            for worker in list(getattr(pool, "_pool", [])):
                if worker.exitcode is None:
                    worker.kill()
            cleanup.join(CLOSE_WAIT)


__all__ = ["ExtractError", "Extractor", "extract"]
