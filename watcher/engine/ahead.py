"""Working ahead of the page being applied: the next listing page is asked for, and the files of a page
that has arrived are downloaded and extracted, while the page before it is still being applied.

Against an API that takes seconds a listing and a quarter of a second a file, waiting for a page to be
applied before touching the next leaves the host's requests idle at every page's end. Only the reading is
done ahead: what a page's records do to the store is decided and written when that page is applied, in
order, under the page lock, so a crash or a failure half-way still loses nothing and keeps the cursor right
behind what was applied.
"""

from __future__ import annotations

import asyncio
import contextlib

from . import compare
from . import share


async def read_ahead(pages, arrived=None):
    """The pages of a poll, the next one asked for while the caller applies this one. `arrived(page)` is
    called as each page comes in, before the caller has finished the one before it. A failure of the page
    read ahead surfaces only when it is reached, after the page before it was applied and its cursor kept."""
    iterator = pages.__aiter__()

    async def next_page():
        page = await iterator.__anext__()
        if arrived is not None:
            arrived(page)
        return page

    upcoming = asyncio.ensure_future(next_page())
    try:
        while True:
            try:
                page = await upcoming
            except StopAsyncIteration:
                return
            upcoming = asyncio.ensure_future(next_page())
            yield page
    finally:
        if not upcoming.done():
            upcoming.cancel()
        with contextlib.suppress(BaseException):
            await upcoming
        with contextlib.suppress(Exception):
            await iterator.aclose()


class FetchAhead:
    """A reader (`read`, `complete`) over a source's own, that starts the downloads (and extraction) of a page's
    records as soon as the page arrives, at most `limit` at once, in the order pages and records came: a page's
    files come before the next page's.

    Whether a file is wanted is judged against the store as it is when the page arrives
    (`compare.wants_file`); `read` then hands over the file already on its way. Judged wrongly (the page before
    changed the same document), the early file is simply not used: each record's early read is of its own
    row's file, so it is never the wrong one."""

    def __init__(self, store, limit: int, source):
        self.store = store
        self.source = source
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task] = set()
        self._of: dict[int, list[asyncio.Task]] = {}  # the tasks started for a page's records, by id(records)
        # A record's early read, by id(record), with the record (an id is unique only while its object lives)
        self._early: dict[int, tuple[object, asyncio.Task]] = {}
        self._closed = False

    def start(self, records, backlog_before=None) -> None:
        if self._closed:
            return
        # Kept only where someone waits on them (a shared store's page, `ready`): else a long backfill would hold
        # every page's tasks, and their texts, to its end.
        started = self._of.setdefault(id(records), []) if self.store.shared else []
        for record in records:
            if not compare.wants_file(record, self.store, backlog_before):
                continue
            if self.store.files is not None:
                # A shared store: through its file queue, where other watchers may read it (share.py).
                fetch = share.shared(self.store, record, self._slots, lambda r=record: self.source.read(r))
            else:
                fetch = self._in_turn(record)
            task = asyncio.ensure_future(fetch())
            started.append(task)
            self._tasks.add(task)
            task.add_done_callback(self._forget)
            self._early[id(record)] = (record, task)

    async def read(self, record):
        early = self._early.pop(id(record), None)
        if early is not None and early[0] is record:
            return await early[1]
        return await self.source.read(record)

    async def complete(self, record) -> None:
        await self.source.complete(record)

    def done(self, records) -> None:
        """A page applied: the early reads it did not take (judged wrongly) are let go with it."""
        for record in records:
            early = self._early.get(id(record))
            if early is not None and early[0] is record:
                del self._early[id(record)]

    async def ready(self, records) -> None:
        """Until every file started for these records is in (or failed: its record's read says how). On a
        shared store a page waits here, not under the page lock, which keeps other watchers' writes out."""
        tasks = self._of.pop(id(records), [])
        if tasks:
            await asyncio.wait(tasks)

    def _in_turn(self, record):
        async def fetch_in_turn():
            async with self._slots:
                return await self.source.read(record)
        return fetch_in_turn

    def _forget(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # a file nobody took after all: its failure is nobody's to report

    async def close(self) -> None:
        """Stop what is still on its way (a poll that failed or stopped at its deadline)."""
        self._closed = True
        self._of.clear()
        self._early.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
