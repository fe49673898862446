"""One poll cycle: every source -> compare with the store -> match -> outbox -> deliver -> flush.

A source that fails is logged and retried next cycle without stopping the others; its cursor moves
only past pages that were fully processed. Alerts are persisted in the outbox (flushed together with
the documents that caused them) before any is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from ..alerts import alert as alerts
from . import compare
from ..news import questions
from .ahead import FetchAhead, read_ahead
from ..watchlists import subscribers as subs
from ..settings import Config, parse_since
from ..deliver.deliver import Deliverer
from ..news.diff import diff
from ..extract import Extractor
from ..sources.http import HTTP, FetchError
from ..watchlists.match import Hit, Matcher
from ..parliament import Parliament
from ..model import DELETED, METADATA, NEW, REVISED, UNCHANGED, Change, StoredDocument
from ..sources import KINDS, Source
from ..store import Store
from .streams import Streams

log = logging.getLogger("watcher")

FLUSH_EVERY_PAGES = 20  # a long backfill is made durable as it goes, not only at its end
FLUSH_EVERY_SECONDS = 60.0  # ... and a slow one too: a deadline that cuts a page short loses no more than this
SOFT_DEADLINE = 0.8  # share of a source's deadline after which it starts no new page
PARKED_KEPT = 100  # documents given up on, listed in a source's health for `watcher status` and the admins
CONCURRENT_RECORDS = 16  # documents fetched and extracted at once: twice the requests allowed to a host (http.PER_HOST), so 8 downloads stay in flight while others are extracted


@dataclass
class SourceReport:
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


class Watcher:
    """What lives from one cycle to the next: config, store, HTTP client, sources, channels."""

    def __init__(self, config: Config, store: Store, http: HTTP, deliverer: Deliverer,
                 clock: Callable[[], datetime] | None = None, progress: bool | None = None,
                 should_stop: Callable[[], bool] = lambda: False):
        self.config = config
        self.store = store
        self.http = http
        self.deliverer = deliverer
        self.clock = clock or (lambda: utcnow())  # looked up each time: a test moves the clock
        self._merging: asyncio.Task | None = None
        self._take_rules(config)
        self.extractor = extractor = Extractor()
        self.sources: list[Source] = [KINDS[s.kind](s, http, extractor, store) for s in config.sources]
        self.progress = sys.stdout.isatty() if progress is None else progress  # drawn on stderr
        # Asked between pages: a stop request ends a long backfill at a page boundary, with the cursor
        # right behind what was done.
        self.should_stop = should_stop
        self._progress_shown = False
        # Held while a page is half applied (documents stored, their alerts not yet queued). Whoever else
        # flushes the store in this process (the bot, answering a command) takes it first, or a crash
        # after that flush would lose the half page's alerts.
        # On a shared database it also keeps other watchers' writes out (Store.write_lock).
        self.page_lock = store.write_lock()
        deliverer.page_lock = self.page_lock
        self.streams = Streams(self)

    def reload(self, config: Config) -> None:
        """Take new rules (from sources.yaml or from chat); sources keep their state (a changed source list
        needs a restart)."""
        self._take_rules(config)
        self.deliverer.config = config

    def _take_rules(self, config: Config) -> None:
        self._rules_seen = self.store.rules_version()  # before reading them: a change meanwhile is seen next time
        people = subs.effective(config, self.store)
        self.config, self._people = config, people
        # The automaton of the rules that did not change is kept: a /watch does not rebuild a million rules.
        self.matcher = Matcher(people, previous=getattr(self, "matcher", None),
                               parliament=Parliament.from_store(self.store))
        if self.matcher.wants_merge:
            self._merge_later()
        # documents a chat asked to hear no more about ("Niet meer over dit document")
        self.muted = {s.name: set(s.muted) for s in people if s.muted}

    async def matcher_ready(self) -> None:
        """The automata made in a thread when a change first needs them: a cycle with nothing new never pays
        for them, and the bot goes on answering while a big watchlist's are made."""
        if not self.matcher.built:
            await asyncio.to_thread(self.matcher.build)

    def _merge_later(self) -> None:
        """Merge the side automaton into the main one in a thread, and swap it in when it is made: the
        event loop goes on answering taps and polling meanwhile, matching with the two beside each other."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.matcher = Matcher(self._people, parliament=self.matcher.parliament)  # made whole when first needed
            return
        if self._merging is None or self._merging.done():
            self._merging = loop.create_task(self._merge())

    async def _merge(self) -> None:
        while self.matcher.wants_merge:
            people = self._people
            parliament = self.matcher.parliament
            merged = await asyncio.to_thread(lambda: Matcher(people, parliament=parliament).build())
            # Rules changed while it was made go into a side automaton beside it again.
            self.matcher = merged if self._people is people else Matcher(self._people, previous=merged)

    def _take_parliament(self) -> None:
        """The parties as the Kamer's data names them now (a rename, a new fractie): read each cycle, a few
        hundred rows; the matcher keys its party rules again only when they changed."""
        parliament = Parliament.from_store(self.store)
        if self.matcher.parliament is None or parliament.groups != self.matcher.parliament.groups:
            self.matcher.parliament = parliament

    def unmuted(self, hits: list[Hit], document: str) -> list[Hit]:
        return [h for h in hits if document not in self.muted.get(h.subscriber, ())] if self.muted else hits

    def rules_changed_elsewhere(self) -> bool:
        """Another watcher's bot changed a chat's rules since they were last read here (a shared store)."""
        return self.store.rules_version() != self._rules_seen

    async def cycle(self, deliver: bool = True, sources: set[str] | None = None, clock: bool = True) -> CycleReport:
        """Poll every source once (or those named in `sources`: the ones this process polls, roles.py), run
        the clock's events (with `clock`), then (with `deliver`) send what is due. A long-running watcher
        delivers beside polling instead (`deliver_pending`), so a fan-out of thousands never holds up the
        next poll."""
        report = CycleReport()
        if self.rules_changed_elsewhere():
            self.reload(self.config)
        self._take_parliament()
        for source in self.sources:
            if self.should_stop():
                break
            if sources is not None and source.name not in sources:
                continue
            report.sources.append(await self._poll(source))
            self.store.flush()
        if clock:
            async with self.page_lock:
                self._clock_events()
                self.streams.news["agenda"].reminders()
                self.store.flush()
        if deliver:
            report.delivered, report.undelivered = await self.deliver_pending()
        return report

    async def deliver_pending(self, budget: float | None = None) -> tuple[int, int]:
        delivered = await self.deliverer.deliver(self.store, budget)
        async with self.page_lock:
            self.store.flush()
        return delivered

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
                refreshed = await source.refresh(self._applying,
                                                 lambda: self.should_stop() or loop.time() > soft_deadline, started)
                if refreshed.ready:
                    if source.documents:
                        await self._poll_pages(source, report, started, soft_deadline)
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
            self._end_progress()
        # Read afresh under the page lock: the clock's watcher (admins.tell) notes in it what it told.
        async with self.page_lock:
            health = self.store.health(source.name)
            health["last_attempt"] = started.isoformat(timespec="seconds")
            if error is not None:
                self._failed(source, report, health, error)
                return report
            self._succeeded(source, health, started, report)
        summary = ", ".join(f"{n} {k}" for k, n in sorted(report.changes.items()) if k != UNCHANGED)
        if report.baseline and not source.exact_start:
            log.info("%s: first run: %d documents already there are known, not news; alerts start with what "
                     "changes from now on", source.name, report.records)
        else:
            log.info("%s: %d records%s, %d alerts", source.name, report.records,
                     f" ({summary})" if summary else "", report.alerts)
        return report

    async def _poll_pages(self, source: Source, report: SourceReport, started: datetime, soft_deadline: float) -> None:
        cursor = self.store.cursor(source.name)
        if cursor is None:
            since = source.config.since_datetime()
            if since is None:
                # A new install starts now and alerts nothing from the backlog; but it asks upstream first,
                # so that a wrong URL fails this run rather than every later one.
                report.baseline = True
                cursor = await source.baseline(started)
                where = cursor.get("stamp") or cursor.get("day")
                log.info("%s: first run, starting from now%s", source.name, f" ({where})" if where else "")
            else:
                cursor = source.start(since)
                if not source.config.backfill_alerts:
                    cursor["quiet"] = True  # until the backfill has caught up: stored, not alerted
                log.info("%s: first run, backfilling since %s%s", source.name, since.date(),
                         "" if source.config.backfill_alerts else " (stored, not alerted: backfill_alerts is off)")
        else:
            kept, cursor = cursor, source.put_back(cursor, started)
            if cursor != kept:
                log.warning("%s: its cursor holds a moment after now (%s): stamped by a clock that ran ahead, not "
                            "trusted; going on from %s", source.name, kept, cursor)
        quiet = bool(cursor.get("quiet"))
        backlog_before = parse_since(cursor["start"]) if cursor.get("start") else None
        loop = asyncio.get_running_loop()
        pages, last_flush = 0, loop.time()
        ahead = FetchAhead(self.store, CONCURRENT_RECORDS)

        def arrived(page) -> None:
            for record in page.records:
                if report.baseline and not source.exact_start:
                    record.backlog = True  # there before us: known, not news
                elif quiet:
                    record.quiet = True  # a silent backfill: stored in full (for `watcher preview`), not alerted
            ahead.start(page.records, backlog_before)

        try:
            # Closed on leaving, so a page still on its way starts no downloads behind us.
            async with contextlib.aclosing(read_ahead(source.poll(cursor), arrived)) as polled:
                async for page in polled:
                    if self.store.shared:
                        await ahead.ready(page.records)  # the reading done before the lock, not under it
                    async with self._applying():
                        changes = await self._apply_page(page.records, backlog_before)  # revisions diffed
                        if any(c.kind != UNCHANGED for c in changes):
                            await self.matcher_ready()
                        for change in changes:
                            report.records += 1
                            report.keys.add(change.record.key)
                            report.changes[change.kind] = report.changes.get(change.kind, 0) + 1
                            report.alerts += self._alert(change)
                            if change.parked:
                                report.parked.append((change.stored.key, change.parked))
                        self.store.set_cursor(source.name, {**page.cursor, "quiet": True} if quiet else page.cursor)
                        pages += 1
                        if pages % FLUSH_EVERY_PAGES == 0 or loop.time() - last_flush > FLUSH_EVERY_SECONDS:
                            self.store.flush()
                            last_flush = loop.time()
                    self._show_progress(source.name, report.records, page.total)
                    if self.should_stop() or loop.time() > soft_deadline:
                        report.more = not self.should_stop()
                        log.info("%s: stopping after %d records; the next %s goes on from here", source.name,
                                 report.records, "cycle (at once)" if report.more else "run")
                        break
        finally:
            await ahead.close()
        if not pages:
            self.store.set_cursor(source.name, cursor)
        if quiet and not report.more and not self.should_stop():
            # Caught up: from here on what changes is news.
            done = dict(self.store.cursor(source.name) or cursor)
            done.pop("quiet", None)
            self.store.set_cursor(source.name, done)
            log.info("%s: backfill done: %d records stored without alerts; `watcher preview` shows what they "
                     "would have alerted", source.name, report.records)
        if not report.baseline:
            await self._retry_texts(source, report, backlog_before)

    def _failed(self, source: Source, report: SourceReport, health: dict, error: str) -> None:
        report.ok, report.error = False, error
        if report.baseline:
            # A first run that did not get through records nothing: the next run is a first run again, and
            # `watcher status` stays not ok until one succeeds.
            self.store.rollback()
        health["last_error"] = report.error
        health["failures"] = health.get("failures", 0) + 1
        self.store.set_health(source.name, health)
        log.error("%s: cycle failed, will retry next cycle: %s", source.name, report.error)

    async def _apply_page(self, records: list, backlog_before) -> list[Change]:
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
                    changes[i] = await compare.apply(records[i], self.store, backlog_before)
                # Diffed at once, while the page's other files are still coming in.
                await self._diffed([changes[i]])

        try:
            # A TaskGroup, not gather: when one document fails, the others are stopped before the page is
            # rolled back, not left writing to the store behind it.
            async with asyncio.TaskGroup() as group:
                for indexes in groups.values():
                    group.create_task(one_document(indexes))
        except ExceptionGroup as e:
            raise e.exceptions[0] from None
        return changes

    async def _diffed(self, changes: list[Change]) -> list[Change]:
        """Each revision's diff made in a thread: a 200-page diff takes a second or two of CPU, and the bot
        answers taps on the event loop meanwhile."""
        for change in changes:
            if change.kind == REVISED and change.diff is None and not change.record.quiet:
                change.diff = await asyncio.to_thread(diff, change.old, change.new)
        return changes

    @contextlib.asynccontextmanager
    async def _applying(self):
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

    def _succeeded(self, source: Source, health: dict, started: datetime, report: SourceReport):
        health.update(last_success=started.isoformat(timespec="seconds"), failures=0, last_error="",
                      told_failing=False)
        changed = health.get("last_change")
        # A last change after now was stamped by a clock that ran ahead: trusted, the admins would hear of
        # no silence until the clock caught up. Counted from now instead.
        if report.baseline or any(k != UNCHANGED for k in report.changes) or (
                changed and datetime.fromisoformat(changed) > started):
            health.update(last_change=started.isoformat(timespec="seconds"), told_silent=False)
        if report.parked:
            # Told to the admins once each (bot.report_health); the newest few are kept.
            parked = [p for p in health.get("parked", []) if p["key"] not in {k for k, _ in report.parked}]
            parked += [{"key": key, "error": why[:300], "told": False} for key, why in report.parked]
            health["parked"] = parked[-PARKED_KEPT:]
            for key, why in report.parked:
                log.warning("%s %s: its file cannot be read (%s); given up until the file changes, alerted on "
                            "its metadata alone", source.name, key, why)
        self.store.set_health(source.name, health)

    async def _retry_texts(self, source: Source, report: SourceReport, backlog_before) -> None:
        for stored in self.store.pending_texts(source.name):
            if stored.key in report.keys:
                continue  # tried in this very cycle: once a cycle is enough
            record = await source.refetch(stored)
            if record is None:
                continue
            if self.store.shared:  # its file read before the page lock is taken, as a page's are
                one, ahead = [record], FetchAhead(self.store, 1)
                ahead.start(one, backlog_before)
                await ahead.ready(one)
            async with self._applying():
                [change] = await self._diffed([await compare.apply(record, self.store, backlog_before)])
                report.changes[change.kind] = report.changes.get(change.kind, 0) + 1
                report.alerts += self._alert(change)
                if change.parked:
                    report.parked.append((change.stored.key, change.parked))

    # ------------------------------------------------------------------ alerts
    def _alert(self, change: Change) -> int:
        """Match a change and put what it owes each subscriber in the outbox. Returns alerts added."""
        if change.kind == UNCHANGED:
            return 0
        stored = change.stored
        event, followers = self._question_event(change)
        if change.record.quiet:
            return 0
        change, replaced = self._as_replacement(change)
        if replaced is not None:
            # Who heard of the motie it replaces follows it ("gewijzigd: vervangt motie 2025D05999").
            event = alerts.replaces(replaced.meta, replaced.key)
            followers = sorted(set(followers) | set(replaced.alerted))
        hits: list[Hit]
        summary: list[str] = []
        if change.kind == DELETED:
            # Only those who heard about the document hear that it is gone.
            hits = [Hit(name, reasons=["u kreeg eerder een melding over dit stuk"]) for name in stored.alerted]
        else:
            new = change.new
            text = new.text if new else ""
            changed = None
            if change.kind == REVISED:
                result = change.diff if change.diff is not None else diff(change.old, new)
                summary = result.summary()
                changed = result.changed_text()
            askers = (new.metadata.get("askers") if new else None) or []
            askers = askers + ((new.metadata.get("sprekers") if new else None) or [])  # who spoke, in a debate
            hits = self.matcher.match(text, stored.meta, askers, changed=changed,
                                      stated=new.metadata if new else None)
            if change.kind == METADATA:
                # Metadata alone alerts only who it makes match for the first time (a member added
                # as medeindiener).
                hits = [h for h in hits if h.subscriber not in stored.alerted]
        # One document, one alert: the same document from the other source (TK <-> KOOP) may have told
        # a subscriber already.
        related = self.store.related(stored) if change.kind != DELETED else []
        if related:
            told = {s for d in related for s in d.alerted}
            seen_texts = {v.hash for d in related for v in d.versions if v.hash}
            if change.kind != REVISED or (stored.current and stored.current.hash in seen_texts):
                hits = [h for h in hits if h.subscriber not in told]
        links = {k: v for d in related for k, v in d.meta.links.items()}
        # Who followed the question hears what happened to it, in the same one message as those the
        # document matches ("beantwoord na 22 dagen").
        why = "u kreeg een melding over wat dit vervangt" if replaced is not None else "u volgt deze vraag"
        hits += [Hit(name, reasons=[why]) for name in followers if name not in {h.subscriber for h in hits}]
        hits = self.unmuted(hits, stored.key)
        added = 0
        for hit in hits:
            effective = change if change.kind != METADATA else Change(NEW, change.record, stored, new=change.new)
            if self.store.enqueue(alerts.build(effective, hit, summary, links, event=event)):
                added += 1
                log.info("%s %s: %s alert for %s (%s)", change.record.source, stored.key, effective.kind,
                         hit.subscriber, "; ".join(hit.reasons))
            if hit.subscriber not in stored.alerted:
                stored.alerted.append(hit.subscriber)
        if hits:
            self.store.put_document(stored)
        return added

    def _as_replacement(self, change: Change) -> tuple[Change, "StoredDocument | None"]:
        """A new document of a zaak that replaces another (a gewijzigde motie, Zaak.VervangenVanuit) is a
        revision of the replaced one's text, diffed against it; else the change as it is."""
        stored = change.stored
        if change.kind != NEW or not stored.meta.vervangt or change.new is None:
            return change, None
        for zaak in stored.meta.vervangt:
            key = self.store.find_alias(f"zaak:{zaak}")
            replaced = self.store.document(key) if key and key != stored.key else None
            old = self.store.text(replaced.current.hash) if replaced and replaced.current else None
            if old is not None:
                return Change(REVISED, change.record, stored, old=old, new=change.new,
                              old_version=replaced.key), replaced
        return change, None

    def _question_event(self, change: Change) -> tuple[str, list[str]]:
        """A new document of a written question's life: its state updated (with the page), and the event
        it is with who follows the question."""
        stored = change.stored
        entry = questions.question_of(stored.meta)
        if entry is None or change.kind not in (NEW, METADATA):
            return "", []
        zaak = entry["nummer"]
        before = self.store.question(zaak) or {}
        state, event = questions.observe(before, stored.key, questions.life_soort(stored.meta),
                                         stored.meta.datum, change.new.text if change.new else "",
                                         started=entry.get("gestart", ""))
        if state != before:
            self.store.set_question(zaak, state)
        if change.kind == METADATA and stored.alerted:
            # A document that joins a question only now (its zaak became "Schriftelijke vragen" in a data
            # fix) is recorded, but was alerted already as the document it is: no second message.
            return "", []
        return event, self._followers(state, but=stored.key) if event else []

    def _followers(self, state: dict, but: str = "") -> list[str]:
        """Who follows a written question: whoever was alerted about one of its documents (but `but`)."""
        followers = set()
        for key in questions.documents_of(state):
            if key != but and (doc := self.store.document(key)) is not None:
                followers |= set(doc.alerted)
        return sorted(followers)

    def _clock_events(self) -> int:
        """Questions past their term with no answer: told once to who follows them, by the cycle that
        first sees it (also a cycle that polls nothing new)."""
        today = self.clock().date()
        added = 0
        for zaak, state in self.store.questions().items():
            event = questions.overdue_event(state, today)
            if not event:
                continue
            question = self._still_a_question(zaak, state)
            if question is None:
                continue
            followers = [h.subscriber for h in self.unmuted([Hit(n) for n in self._followers(state)], question.key)]
            for name in followers:
                added += self.store.enqueue(alerts.overdue_alert(question, name, event))
            state["told"] = state.get("told", []) + ["overdue"]
            self.store.set_question(zaak, state)
            log.info("%s: %s; %d followers told", zaak, event, len(followers))
        return added

    def _still_a_question(self, zaak: str, state: dict) -> "StoredDocument | None":
        """The document an overdue question is told by (its own, or else its delay notice when the question
        came before watcher), provided it still is one: a zaak whose Soort was corrected away from
        "Schriftelijke vragen" since is no question to be late with."""
        for key in questions.documents_of(state):
            doc = self.store.document(key)
            if doc is not None and not doc.deleted:
                entry = questions.question_of(doc.meta)
                return doc if entry is not None and entry["nummer"] == zaak else None
        return None

    # ------------------------------------------------------------------ progress
    def _show_progress(self, name: str, done: int, total: int | None) -> None:
        if not self.progress:
            return
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            sys.stderr.write(f"\r{name}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        else:
            sys.stderr.write(f"\r{name}: {done} records")
        sys.stderr.flush()
        self._progress_shown = True

    def _end_progress(self) -> None:
        if self._progress_shown:
            sys.stderr.write("\n")
            self._progress_shown = False
