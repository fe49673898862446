"""Extraction: a file's bytes -> Document (clean text as ordered blocks, plus what the text states).

One module per format; each returns paragraphs of raw text, and `_text.py` turns those into
normalised blocks, so every format is cleaned the same way.
"""

from __future__ import annotations

import asyncio
import multiprocessing

from ..model import Document
from ._detect import detect
from ._errors import ExtractError

MAX_BYTES = 50 * 1024 * 1024
TIMEOUT = 60.0  # seconds one document may take
MEMORY = 2 * 1024**3  # address space of a worker
WORKERS = 2


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
        raise ExtractError(f"cannot extract text from {content_type or name or 'this file'} ({fmt})")
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


def _limit_memory(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


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
            context = multiprocessing.get_context("forkserver")
            self._pool = context.Pool(self.workers, initializer=_limit_memory, initargs=(self.memory,),
                                      maxtasksperchild=500)
        return self._pool

    async def __call__(self, data: bytes, content_type: str = "", name: str = "") -> Document:
        if len(data) > MAX_BYTES:  # refused before it is copied to a worker
            raise ExtractError(f"file of {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")
        pool = self._get_pool()
        pending = pool.apply_async(_extract_in_worker, (data, content_type, name, self.memory))
        try:
            return await asyncio.to_thread(pending.get, self.timeout)
        except multiprocessing.TimeoutError:
            self.close()  # the only way to stop a worker that is stuck (or that died mid-task)
            raise ExtractError(f"extraction took longer than {self.timeout:g}s and was stopped") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


__all__ = ["ExtractError", "Extractor", "extract"]
