"""One poll cycle: every source -> compare with the store -> match -> outbox -> deliver -> flush.

A source that fails is logged and retried next cycle without stopping the others; its cursor moves
only past pages that were fully processed. Alerts are persisted in the outbox (flushed together with
the documents that caused them) before any is sent.

`Engine` wires the rooms: the live rules (rules.py), a source's documents page by page (pages.py) and its
streams (streams.py), how a document's change is told (documents.py), the clock's events (clock.py); a
source's health is news/health.py's to decide.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from ..deliver.deliver import Deliverer
from ..extract import Extractor
from ..model import UNCHANGED
from ..news import health as source_health
from ..settings import Config
from ..sources import KINDS
from ..sources._base import Source
from ..sources.http import HTTP, FetchError
from ..store import Store
from .clock import ClockEvents
from .documents import DocumentNews
from .pages import Pages
from .progress import Progress
from .rules import LiveRules
from .streams import Streams

log = logging.getLogger("watcher")

SOFT_DEADLINE = 0.8  # share of a source's deadline after which it starts no new page


@dataclass
class SourceReport:
    """What one source did in a cycle: its records, its changes by kind, its error if it failed."""

    name: str
    ok: bool = True
    error: str = ""
    records: int = 0
    changes: dict = field(default_factory=dict)
    alerts: int = 0
    baseline: bool = False
    more: bool = False  # stopped at its deadline with more to read: the next cycle should follow at once
    keys: set = field(default_factory=set)  # documents read this cycle (not retried again in it)
    parked: list = field(default_factory=list)  # (key, why) of documents whose file was given up on now


@dataclass
class CycleReport:
    """What a cycle did: each source's report and the alerts sent or left waiting."""

    sources: list[SourceReport] = field(default_factory=list)
    delivered: int = 0
    undelivered: int = 0

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    @property
    def more(self) -> bool:
        return any(s.more for s in self.sources)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Engine:
    """What lives from one cycle to the next: the store, the HTTP client, the sources, the rules, the rooms."""

    def __init__(self, config: Config, store: Store, http: HTTP, deliverer: Deliverer,
                 clock: Callable[[], datetime] | None = None, progress: bool | None = None,
                 should_stop: Callable[[], bool] = lambda: False):
        self.store = store
        self.http = http
        self.deliverer = deliverer
        self.clock = clock or (lambda: utcnow())  # looked up each time: a test moves the clock
        self.rules = LiveRules(config, store)
        self.extractor = extractor = Extractor()
        self.sources: list[Source] = [KINDS[s.kind].load()(s, http, extractor, store) for s in config.sources]
        self.progress = Progress(progress)  # drawn on stderr
        # Asked between pages: a stop request ends a long backfill at a page boundary, with the cursor
        # right behind what was done.
        self.should_stop = should_stop
        # Held while a page is half applied (documents stored, their alerts not yet queued). Whoever else
        # flushes the store in this process (the bot, answering a command) takes it first, or a crash
        # after that flush would lose the half page's alerts.
        # On a shared database it also keeps other watchers' writes out (Store.write_lock).
        self.page_lock = store.write_lock()
        deliverer.page_lock = self.page_lock
        self.documents = DocumentNews(store, self.rules)
        self.pages = Pages(self)
        self.streams = Streams(store, self.rules, self.now, self.applying)
        self.clock_events = ClockEvents(store, self.rules, self.now, self.documents, self.streams.news)

    def now(self) -> datetime:
        return self.clock()

    @property
    def config(self) -> Config:
        return self.rules.config

    def reload(self, config: Config) -> None:
        """Take new rules (from sources.yaml or from chat); sources keep their state (a changed source list
        needs a restart)."""
        self.rules.take(config)
        self.deliverer.config = config

    async def cycle(self, deliver: bool = True, sources: set[str] | None = None, clock: bool = True) -> CycleReport:
        """Poll every source once (or those named in `sources`: the ones this process polls, roles.py), run
        the clock's events (with `clock`), then (with `deliver`) send what is due. A long-running watcher
        delivers beside polling instead (`deliver_pending`), so a fan-out of thousands never holds up the
        next poll."""
        report = CycleReport()
        if self.rules.changed_elsewhere():
            self.reload(self.config)
        self.rules.take_parliament()
        for source in self.sources:
            if self.should_stop():
                break
            if sources is not None and source.name not in sources:
                continue
            report.sources.append(await self._poll(source))
            self.store.flush()
        if clock:
            async with self.page_lock:
                self.clock_events.run()
                self.store.flush()
        if deliver:
            report.delivered, report.undelivered = await self.deliver_pending()
        return report

    async def deliver_pending(self, budget: float | None = None) -> tuple[int, int]:
        delivered = await self.deliverer.deliver(self.store, budget)
        async with self.page_lock:
            self.store.flush()
        return delivered

    @contextlib.asynccontextmanager
    async def applying(self):
        """Apply a page (or a retried document) whole or not at all. Under `page_lock`, so no flush from
        elsewhere lands half-way; on any failure half-way the store goes back to its last flush, cursor
        included, so the next cycle reads it all again and no document is kept without the alerts it owed.
        On a shared store the lock commits the page as it lets go (Store.write_lock)."""
        async with self.page_lock:
            try:
                yield
            except BaseException:  # a deadline's cancellation too
                self.store.rollback()
                raise

    # ------------------------------------------------------------------ one source
    async def _poll(self, source: Source) -> SourceReport:
        report = SourceReport(source.name)
        started = self.clock()
        deadline = asyncio.timeout(source.config.deadline)
        loop = asyncio.get_running_loop()
        # No new page once most of the deadline is gone: stopping at a page boundary keeps all work done.
        soft_deadline = loop.time() + source.config.deadline * SOFT_DEADLINE
        error = None
        try:
            async with deadline:
                # A source that mirrors its upstream (the Tweede Kamer) reads it first; what it touched is told
                # only once all of it was read, so that a record is whole, whichever part came last.
                refreshed = await source.refresh(self.applying,
                                                 lambda: self.should_stop() or loop.time() > soft_deadline, started)
                if refreshed.ready:
                    if source.documents:
                        await self.pages.poll(source, report, started, soft_deadline)
                    await self.streams.poll(source, report, started)
                else:
                    report.more = not self.should_stop()
                    log.info("%s: %d entities read, not all of it yet; the next %s goes on from there", source.name,
                             refreshed.entities, "cycle (at once)" if report.more else "run")
                if refreshed.errors:
                    raise FetchError("; ".join(refreshed.errors))
        except TimeoutError:
            if not deadline.expired():
                raise  # not ours: whoever set that timeout handles it
            error = (f"not done within its deadline of {source.config.deadline:g}s (an upstream too slow or "
                     "stuck); the next cycle goes on from the last page done")
        except (FetchError, ValueError, KeyError, TypeError) as e:
            # ValueError/KeyError/TypeError: a page that is not what the API promised. The cursor stays
            # after the last page that was processed whole.
            error = str(e) if isinstance(e, FetchError) else f"{type(e).__name__}: {e}"
        finally:
            self.progress.end()
        # Read afresh under the page lock: the clock's watcher (admins.tell) notes in it what it told.
        async with self.page_lock:
            health = self.store.health(source.name)
            if error is not None:
                self._failed(source, report, health, error, started)
                return report
            self._succeeded(source, report, health, started)
        summary = ", ".join(f"{n} {k}" for k, n in sorted(report.changes.items()) if k != UNCHANGED)
        if report.baseline and not source.exact_start:
            log.info("%s: first run: %d documents already there are known, not news; alerts start with what "
                     "changes from now on", source.name, report.records)
        else:
            log.info("%s: %d records%s, %d alerts", source.name, report.records,
                     f" ({summary})" if summary else "", report.alerts)
        return report

    def _failed(self, source: Source, report: SourceReport, health: dict, error: str, started: datetime) -> None:
        report.ok, report.error = False, error
        if report.baseline:
            # A first run that did not get through records nothing: the next run is a first run again, and
            # `watcher status` stays not ok until one succeeds.
            self.store.rollback()
        self.store.set_health(source.name, source_health.failed(health, error, started))
        log.error("%s: cycle failed, will retry next cycle: %s", source.name, report.error)

    def _succeeded(self, source: Source, report: SourceReport, health: dict, started: datetime) -> None:
        changed = report.baseline or any(k != UNCHANGED for k in report.changes)
        self.store.set_health(source.name, source_health.succeeded(health, started, changed, report.parked))
        for key, why in report.parked:
            log.warning("%s %s: its file cannot be read (%s); given up until the file changes, alerted on its "
                        "metadata alone", source.name, key, why)
