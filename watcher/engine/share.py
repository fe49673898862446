"""The files of a page, downloaded and extracted by whichever watcher on the database is free.

Reading a file is most of a poll's time (a quarter of a second upstream, seconds of PDF work); applying it is
not. So on a shared store (PostgreSQL) the poller only decides and applies, and hands the reading out: each
file it wants is a row of the store's file queue (store/_pgfiles.py); the poller works on its own rows in
turn, as it would alone, and every other watcher works on the oldest free rows beside it (`Helper`). What
comes of a file (its text, or why it could not be had) is there for the poller when its record is applied,
in the page's order, under its page transaction as before: only the reading moved.

A worker that dies leaves its row free the moment its connection ends, and the next claim (the poller's
own, at the latest) does it again. A file is a file's version (source, document, fingerprint): read twice
at worst, never applied twice or to the wrong record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..extract import ExtractError
from ..sources.http import FetchError
from ..model import Document, Record
from ..store import StoreError
from .told import Told

log = logging.getLogger("watcher")

IDLE = 0.25  # how long a helper that cannot be told (no LISTEN) waits before it looks for work again
# How long a helper that is told of new files (LISTEN) waits untold before it looks anyway: a file whose worker
# died is free again without a word (its poller, waiting for it, takes it up itself meanwhile). Waiting on the
# socket asks the server nothing, so the wait is not bound by the database timeout.
SAFETY = 60.0
HELPERS = 8  # files one watcher reads at once for others (its own downloads stay within http.PER_HOST)


def file_id(record: Record) -> str:
    return "\x1f".join((record.source, record.key, record.fingerprint or record.stamp))


def failure(error: Exception) -> dict:
    if isinstance(error, ExtractError):
        return {"kind": "extract", "message": str(error)}
    return {"kind": "fetch", "message": str(error), "status": getattr(error, "status", None),
            "permanent": bool(getattr(error, "permanent", False))}


def raised(error: dict) -> Exception:
    if error.get("kind") == "extract":
        return ExtractError(error.get("message", ""))
    return FetchError(error.get("message", ""), status=error.get("status"), permanent=bool(error.get("permanent")))


async def work_on(store, file_id: str, fetch) -> Document:
    """Read a claimed file and leave what came of it in the queue; given back undone if stopped half-way."""
    try:
        doc = await fetch()
    except (FetchError, ExtractError) as e:
        store.files.failed(file_id, failure(e))
        raise
    except BaseException:
        with contextlib.suppress(Exception):
            store.files.release(file_id)
        raise
    store.files.done(file_id, doc)
    return doc


def shared(store, record: Record, slots: asyncio.Semaphore, fetch):
    """Reading the record's file (`fetch`, here) through the queue: its file is put in at once (others may start
    on it), and taking it does it here unless another watcher is at it or did it already."""
    files, me = store.files, file_id(record)
    files.want(me, record.source, record.spec)

    async def take() -> Document:
        wait, settled = 0.01, False  # settled: what came of the file is had here, and its row may go
        try:
            while True:
                state, value = files.result(me)
                if state == "gone":  # taken already by the same record read twice in this poll
                    files.want(me, record.source, record.spec)
                    continue
                if state in ("done", "failed"):
                    settled = True
                    if state == "failed":
                        raise raised(value)
                    return value
                if state == "free":
                    async with slots:
                        if files.claim(me) is not None:
                            doc = await work_on(store, me, fetch)  # settled either way, unless cancelled
                            settled = True
                            return doc
                await asyncio.sleep(wait)  # another watcher reads it now
                wait = min(wait * 2, 0.2)
        except (FetchError, ExtractError):
            settled = True  # failed here, in work_on
            raise
        finally:
            if settled:
                with contextlib.suppress(Exception):
                    files.forget(me)
    return take


class Helper:
    """Reads the oldest free files of the queue for whichever watcher polls them, `HELPERS` at a time, until
    asked to stop. Every watcher on a shared store runs one, the pollers too (a poller's own rows go first
    in its own process: they are in its page)."""

    def __init__(self, store, sources, stop: asyncio.Event):
        self.store, self.stop = store, stop
        self.sources = {s.name: s for s in sources}
        self.told: Told | None = None  # the word of files wanted (store/_pgfiles.py), while it runs

    async def run(self) -> None:
        """One look at the queue at a time, when another watcher says it wants a file read (NOTIFY), or after
        SAFETY seconds (a worker that died frees its rows without a word); each file found is read beside the
        others, up to HELPERS at once. An idle watcher asks the database nothing in between."""
        slots = asyncio.Semaphore(HELPERS)
        self.told = Told(self.store.files.listener, "files to read", IDLE)
        try:
            async with asyncio.TaskGroup() as group:
                while not self.stop.is_set():
                    await slots.acquire()
                    try:
                        claimed = self.store.files.claim(sources=tuple(self.sources))
                    except StoreError as e:  # the database in trouble: one line; the poll (or the beat) stops on it
                        log.warning("could not look for files to read: %s", e)
                        claimed = None
                    if claimed is None:
                        slots.release()
                        await self._rest()
                        continue
                    group.create_task(self._read(*claimed, slots))
        finally:
            self.told.close()

    async def _rest(self) -> None:
        """Until told of a file, SAFETY passes (IDLE where no word can be had), or a stop request."""
        await self.told.wait(SAFETY, self.stop)

    async def _read(self, file_id: str, source: str, spec: dict, slots: asyncio.Semaphore) -> None:
        try:
            await work_on(self.store, file_id, self.sources[source].file(spec))
        except (FetchError, ExtractError):
            pass  # the poller that wants it is told, and counts it
        except StoreError as e:
            log.warning("reading %s for another watcher: %s", file_id.replace("\x1f", " "), e)
        except Exception:  # a bug in reading one file must not end the helping; the poller reads it
            log.exception("reading %s for another watcher failed", file_id.replace("\x1f", " "))
        finally:
            slots.release()
