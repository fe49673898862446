"""A source's documents, a page at a time: each page's records compared with the store, its revisions diffed,
its changes told, its cursor moved, all in one page transaction (cycle.Engine.applying).

Files are read ahead (ahead.py): the next page is asked for and a page's files downloaded and extracted while
the page before is applied. A document whose file could not be had is retried in a later cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from ..model import UNCHANGED, Change
from ..sources._base import Source
from . import compare, cursors
from .ahead import FetchAhead, read_ahead
from .documents import diffed

log = logging.getLogger("watcher")

FLUSH_EVERY_PAGES = 20  # a long backfill is made durable as it goes, not only at its end
FLUSH_EVERY_SECONDS = 60.0  # ... and a slow one too: a deadline that cuts a page short loses no more than this
# Documents fetched and extracted at once: twice the requests allowed to a host (http.PER_HOST), so 8 downloads
# stay in flight while others are extracted.
CONCURRENT_RECORDS = 16


class Pages:
    def __init__(self, engine):
        self.engine = engine
        self.store = engine.store

    async def poll(self, source: Source, report, started: datetime, soft_deadline: float) -> None:
        engine, store = self.engine, self.store
        cursor = await cursors.opened(store, source.name, source.config, source, started, put_back=source.put_back)
        if cursor.first == "now":
            # A new install starts now and alerts nothing from the backlog; but it asked upstream first, so
            # that a wrong URL fails this run rather than every later one.
            report.baseline = True
            where = cursor.position.get("stamp") or cursor.position.get("day")
            log.info("%s: first run, starting from now%s", source.name, f" ({where})" if where else "")
        elif cursor.first == "backfill":
            log.info("%s: first run, backfilling since %s%s", source.name, source.config.since_datetime().date(),
                     "" if source.config.backfill_alerts else " (stored, not alerted: backfill_alerts is off)")
        backlog_before = cursor.backlog_before
        loop = asyncio.get_running_loop()
        pages, last_flush = 0, loop.time()
        ahead = FetchAhead(store, CONCURRENT_RECORDS, source)

        def arrived(page) -> None:
            for record in page.records:
                if report.baseline and not source.exact_start:
                    record.backlog = True  # there before us: known, not news
                elif cursor.quiet:
                    record.quiet = True  # a silent backfill: stored in full (for `watcher preview`), not alerted
            ahead.start(page.records, backlog_before)

        try:
            # Closed on leaving, so a page still on its way starts no downloads behind us.
            async with contextlib.aclosing(read_ahead(source.poll(cursor.stored()), arrived)) as polled:
                async for page in polled:
                    if store.shared:
                        await ahead.ready(page.records)  # the reading done before the lock, not under it
                    async with engine.applying():
                        changes = await self._apply(page.records, backlog_before, ahead)  # revisions diffed
                        if any(c.kind != UNCHANGED for c in changes):
                            await engine.rules.ready()
                        for change in changes:
                            report.records += 1
                            report.keys.add(change.record.key)
                            report.changes[change.kind] = report.changes.get(change.kind, 0) + 1
                            report.alerts += await engine.documents.tell(change)
                            if change.parked:
                                report.parked.append((change.stored.key, change.parked))
                        store.set_cursor(source.name, cursor.stored(page.cursor))
                        ahead.done(page.records)
                        pages += 1
                        if pages % FLUSH_EVERY_PAGES == 0 or loop.time() - last_flush > FLUSH_EVERY_SECONDS:
                            store.flush()
                            last_flush = loop.time()
                    engine.progress.show(source.name, report.records, page.total)
                    if engine.should_stop() or loop.time() > soft_deadline:
                        report.more = not engine.should_stop()
                        log.info("%s: stopping after %d records; the next %s goes on from here", source.name,
                                 report.records, "cycle (at once)" if report.more else "run")
                        break
        finally:
            await ahead.close()
        if not pages:
            store.set_cursor(source.name, cursor.stored())
        if cursor.quiet and not report.more and not engine.should_stop():
            cursors.caught_up(store, source.name, cursor)
            log.info("%s: backfill done: %d records stored without alerts; `watcher preview` shows what they "
                     "would have alerted", source.name, report.records)
        if not report.baseline:
            await self.retry_texts(source, report, backlog_before)

    async def _apply(self, records: list, backlog_before, reader) -> list[Change]:
        """Compare a page's records with the store, downloading and extracting several at once (the
        network and the extraction workers overlap). Records of one document keep their order; the
        changes come back in the page's order, for alerts in that order."""
        slots = asyncio.Semaphore(CONCURRENT_RECORDS)
        groups: dict[str, list[int]] = {}
        for i, record in enumerate(records):
            # A tombstone names its document only by the upstream id: group by that id where there is one.
            group = next((a for a in record.meta.aliases if a.startswith("tk-id:")), record.key)
            groups.setdefault(group, []).append(i)
        changes: list[Change | None] = [None] * len(records)

        async def one_document(indexes: list[int]) -> None:
            for i in indexes:
                async with slots:
                    changes[i] = await compare.apply(records[i], self.store, backlog_before, reader)
                # Diffed at once, while the page's other files are still coming in.
                await diffed([changes[i]])

        try:
            # A TaskGroup, not gather: when one document fails, the others are stopped before the page is
            # rolled back, not left writing to the store behind it.
            async with asyncio.TaskGroup() as group:
                for indexes in groups.values():
                    group.create_task(one_document(indexes))
        except ExceptionGroup as e:
            raise e.exceptions[0] from None
        return changes

    async def retry_texts(self, source: Source, report, backlog_before) -> None:
        """The documents of this source whose file could not be had before, once a cycle each."""
        for stored in self.store.pending_texts(source.name):
            if stored.key in report.keys:
                continue  # tried in this very cycle: once a cycle is enough
            record = await source.refetch(stored)
            if record is None:
                continue
            reader = source
            if self.store.shared:  # its file read before the page lock is taken, as a page's are
                one, reader = [record], FetchAhead(self.store, 1, source)
                reader.start(one, backlog_before)
                await reader.ready(one)
            async with self.engine.applying():
                [change] = await diffed([await compare.apply(record, self.store, backlog_before, reader)])
                report.changes[change.kind] = report.changes.get(change.kind, 0) + 1
                report.alerts += await self.engine.documents.tell(change)
                if change.parked:
                    report.parked.append((change.stored.key, change.parked))

