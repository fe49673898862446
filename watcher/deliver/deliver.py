"""Delivery: pending alerts from the outbox to each subscriber's channel, each marked sent only after
the channel accepted it.

A crash between the channel's acceptance and the durable mark can repeat that one alert (no chat API
takes an idempotency key); nothing is ever lost. Chats are served side by side, each in order, within
Telegram's limits (see ratelimit.py); a 429 is waited out, a network error leaves the alert for the next
cycle, Forbidden (the user blocked the bot) deactivates the subscriber but keeps their watchlist, and a
group that became a supergroup is followed to its new chat id.
"""

from __future__ import annotations

# The diff page, the buttons and the quiet hours are imported where an alert needs them: a cron run with
# nothing to send (most runs) pays for none of them (bench/bench_quiet.py).

import asyncio
import logging
import time
import warnings
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from ..alerts import alert as alerts
from ..alerts import formats
from . import channels, chats
from ..watchlists import subscribers as subs
from ..settings import Config
from ..parliament import dutch_date
from ..model import REVISED, Alert
from .email import Mailer
from .failure import ChannelFailed
from .notify import Console
from .ratelimit import RateLimiter
from ..store import Store

log = logging.getLogger("watcher.deliver")

DIGEST_PERIOD = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
MAX_RETRY_AFTER = 3  # 429s waited out for one message before it is left for the next cycle
# A 429 asking for longer than this is not slept in this cycle: the message waits for the next (a cron run
# that slept an hour would make the next runs find the lock taken; a long sleep would hold a SIGTERM up).
LONGEST_WAIT = 30.0
CONCURRENT_CHATS = 64
# A subscriber missing from sources.yaml (a half-written file, a line commented out, a rename) keeps what
# it is owed this long: back within it, it gets everything; gone longer, it is gone.
MISSING_GRACE = timedelta(days=7)
# A channel beside Telegram that failed waits this long before it is tried again, doubling to the longest.
BACKOFF_FIRST = 30
BACKOFF_LONGEST = 3600


def _seconds(error) -> float:
    """RetryAfter's wait, whether python-telegram-bot gives it as seconds or (from v23) as a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation notice about that very change
        wait = error.retry_after
    return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Deliverer:
    def __init__(self, config: Config, console: Console | None = None, telegram=None,
                 limiter: RateLimiter | None = None, clock=None, sleep=asyncio.sleep,
                 should_stop=lambda: False):
        self.config = config
        # Asked before each message: a stop request (SIGTERM) during a delivery of thousands leaves the rest
        # in the outbox for the next start rather than keeping the process for minutes.
        self.should_stop = should_stop
        # The poller's page lock (Watcher sets it): delivery runs beside polling, so a chat state it changes
        # (a digest sent, a chat that blocked the bot or moved) is flushed under it, never inside a half page
        # that a failure would roll back.
        self.page_lock = asyncio.Lock()
        self._pages: dict[tuple[str, str], tuple] = {}  # a revision's diff page, made once per delivery
        self._ends: float | None = None  # when this pass's budget is spent (deliver's `budget`)
        self._sleep = sleep  # how a 429's wait is waited (tests pass their own)
        self.console = console or Console()
        self.telegram = telegram
        self.limiter = limiter or RateLimiter()
        self.clock = clock or (lambda: _now())  # looked up each time: a test moves the clock

    @property
    def mailer(self) -> Mailer | None:
        """E-mail goes through the server sources.yaml names now (the file may be read again)."""
        return Mailer(self.config.email) if self.config.email.host else None

    async def deliver(self, store: Store, budget: float | None = None) -> tuple[int, int]:
        """Send what is due; with a `budget` (seconds), start no message after it is spent, so the next pass
        sees what was queued meanwhile (a new document's alerts go among the first of another's 10,000).
        Returns (delivered, still pending)."""
        self._ends = None if budget is None else time.monotonic() + budget
        subscribers = {s.name: s for s in subs.effective(self.config, store)}
        for alert_id in store.in_flight():
            log.warning("alert %s was being sent when watcher stopped; sending it again", alert_id)
        self._pages = {}
        delivered = 0
        jobs = []
        known = {s.name for s in self.config.subscribers} | {subs.chat_name(c) for c in subs.chats(store)}
        missing = {name: state["since"] for name, state in store.event_states("missing").items() if state.get("since")}
        for name in missing.keys() & known:  # back, whether or not anything waited for it
            log.info("%s is in sources.yaml again: what it was owed is sent", name)
            store.set_event_state("missing", name, {})
        for (name, channel), pending in fair_order(store.pending_alerts()):
            subscriber = subscribers.get(name)
            if subscriber is None and name not in known:
                self._keep_missing(store, pending, name, missing.get(name))
                continue
            if subscriber is None:
                self._drop(store, pending, name)
                continue
            jobs.append(self._serve_channel(store, subscriber, channel, pending) if channel
                        else self._serve(store, subscriber, pending))
        slots = asyncio.Semaphore(CONCURRENT_CHATS)

        async def bounded(job):
            async with slots:
                return await job

        for count in await asyncio.gather(*(bounded(j) for j in jobs)):
            delivered += count
        return delivered, store.count_pending_alerts()

    def _stopping(self) -> bool:
        """A stop request, or this pass's budget spent: start no other message."""
        return self.should_stop() or (self._ends is not None and time.monotonic() > self._ends)

    def _drop(self, store: Store, pending: list[Alert], name: str, why: str = "paused, stopped or blocked") -> None:
        log.info("%d alert(s) for %s dropped: the subscriber is %s", len(pending), name, why)
        for alert in pending:
            store.mark_sent(alert.id, "dropped")

    def _keep_missing(self, store: Store, pending: list[Alert], name: str, since: str | None) -> None:
        """A subscriber that sources.yaml no longer names (missing `since`): its alerts wait MISSING_GRACE
        for it to come back."""
        now = self.clock()
        if not since:
            store.set_event_state("missing", name, {"since": now.isoformat(timespec="seconds")})
            log.warning("%d alert(s) for %s kept: it is not in sources.yaml; they are sent if it comes back "
                        "within %d days", len(pending), name, MISSING_GRACE.days)
            return
        if now - datetime.fromisoformat(since) > MISSING_GRACE:
            self._drop(store, pending, name, f"not in sources.yaml since {since}")
            store.set_event_state("missing", name, {})

    async def _serve(self, store: Store, subscriber, pending: list[Alert]) -> int:
        """One subscriber's alerts, in order."""
        chat = subs.chat_of(subscriber, store)
        if chat is None or self.telegram is None:
            for alert in pending:
                store.mark_sending(alert.id)
                await self.console.send(alert)
                store.mark_sent(alert.id, "console")
            return len(pending)
        window, silent = _quiet_now(subscriber.quiet, self.clock())
        if silent and window.hold:
            return 0  # held to the end of the quiet hours, safe in the outbox
        by_period = _by_period(subscriber, pending)
        sent = 0
        for alert in by_period.pop("instant", []):
            if self._stopping():
                return sent
            if self._ends is not None:
                await self.limiter.ready(chat)  # a pass with a budget decides when the turn has come
                if self._stopping():
                    return sent
            messages, attachment = alerts.render_html(alert), self._attachment(store, alert)
            keys = self._buttons(store, subscriber, alert, attachment is not None)
            outcome = await self._send(store, subscriber, chat, [alert], messages, attachment, keys, silent)
            if outcome == "migrated":  # once more, to the chat's new id
                chat = subs.chat_of(subscriber, store)
                outcome = await self._send(store, subscriber, chat, [alert], messages, attachment, keys, silent)
            if outcome == "stop":
                return sent
            sent += outcome == "sent"
        for period, group in by_period.items():
            sent += await self._digest(store, subscriber, chat, group, silent, period)
        return sent

    async def _digest(self, store: Store, subscriber, chat: int, pending: list[Alert], silent: bool,
                      every: str) -> int:
        # The subscriber's own frequency keeps the key it always had; a rule's own frequency has its own.
        mark = "last_digest" if every == subscriber.digest else f"last_digest_{every}"
        state = subs.state(store, subscriber.telegram)
        now = self.clock()
        if not _digest_due(state.get(mark), now, every):
            return 0  # they wait for the next digest, safe in the outbox
        period = "afgelopen uur" if every == "hourly" else "afgelopen dag"
        outcome = await self._send(store, subscriber, chat, pending, alerts.render_digest(pending, period), None,
                                   silent=silent)
        if outcome == "sent":
            await self._save_chat(store, subscriber.telegram, {mark: now.isoformat(timespec="seconds")})
            return len(pending)
        return 0

    async def _serve_channel(self, store: Store, subscriber, key: str, pending: list[Alert]) -> int:
        """One subscriber's alerts on one channel beside Telegram (e-mail, a team chat, the feed), in order.
        A failure leaves them in the outbox and the channel waits a while (BACKOFF), holding up no other."""
        channel = channels.channel_of(subscriber, key)
        if channel is None:
            self._drop(store, pending, f"{subscriber.name} ({key})", "no longer given this channel in sources.yaml")
            return 0
        if channel.kind == "feed":  # a feed is read, not sent: its entries are the alerts marked so
            for alert in pending:
                store.mark_sent(alert.id, "feed")
            return len(pending)
        mark = f"{subscriber.name}|{key}"
        state = store.event_state("channel", mark) or {}
        now = self.clock()
        if state.get("retry_at") and now < datetime.fromisoformat(state["retry_at"]):
            return 0  # it failed a moment ago: its alerts wait, safe in the outbox
        hours = channel.quiet or subscriber.quiet
        window, inside = _quiet_now(hours, now)
        if inside and window.hold:
            return 0  # held to the end of the quiet hours (without `bewaar` a mail or a post makes no sound)
        by_period = _by_period(replace(subscriber, digest=channel.digest or subscriber.digest), pending)
        sent = 0
        for alert in by_period.pop("instant", []):
            if self._stopping():
                return sent
            link = self._diff_url(alert)
            outcome = await self._post(store, mark, channel, [alert], formats.subject(alert),
                                       formats.plain(alert, link), formats.body_html(alert, link), alert.id)
            if outcome == "stop":
                return sent
            sent += outcome == "sent"
        for period, group in by_period.items():
            if not _digest_due(state.get(f"last_digest_{period}"), now, period):
                continue
            if self._stopping():
                return sent
            words = "afgelopen uur" if period == "hourly" else "afgelopen dag"
            outcome = await self._post(store, mark, channel, group, formats.digest_subject(group, words),
                                       formats.digest_plain(group, words), formats.digest_html(group, words),
                                       f"{group[0].id}|digest|{len(group)}")
            if outcome == "sent":
                state = store.event_state("channel", mark) or {}
                await self._save_channel(store, mark, {**state, f"last_digest_{period}": now.isoformat(timespec="seconds")})
                sent += len(group)
        return sent

    async def _post(self, store: Store, mark: str, channel, batch: list[Alert], subject: str, plain: str,
                    html_text: str, ident: str) -> str:
        """sent | stop (the channel failed: it waits) | rejected (given up: it will never be taken)."""
        for alert in batch:
            store.mark_sending(alert.id)
        try:
            if channel.kind == "email":
                if self.mailer is None:
                    raise ChannelFailed("no `email:` server in sources.yaml")
                await self.mailer.send(channel.target, subject, plain, formats.page(html_text, subject), ident)
            else:
                await chats.post(channel.target, subject, plain)
        except ChannelFailed as e:
            if e.refused:
                log.error("%s: alert %s refused (%s); given up", channel.label, batch[0].id, e)
                for alert in batch:
                    store.mark_sent(alert.id, "rejected")
                return "rejected"
            state = store.event_state("channel", mark) or {}
            failures = state.get("failures", 0) + 1
            wait = min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_LONGEST)
            log.warning("%s: not delivered (%s); tried again in %ds", channel.label, e, wait)
            retry_at = (self.clock() + timedelta(seconds=wait)).isoformat(timespec="seconds")
            await self._save_channel(store, mark, {**state, "failures": failures, "retry_at": retry_at, "error": str(e)})
            return "stop"
        for alert in batch:
            store.mark_sent(alert.id, channel.kind)
        state = store.event_state("channel", mark) or {}
        if state.get("failures"):
            log.info("%s: delivering again", channel.label)
            await self._save_channel(store, mark, {k: v for k, v in state.items()
                                                   if k not in ("failures", "retry_at", "error")})
        return "sent"

    def _diff_url(self, alert: Alert) -> str:
        if alert.kind != REVISED:
            return ""
        from ..alerts.diffpage import page_path
        path = page_path(alert.document, alert.old_hash, alert.new_hash)
        return self.config.serve.base() + path if path else ""

    async def _save_channel(self, store: Store, mark: str, state: dict) -> None:
        async with self.page_lock:
            store.set_event_state("channel", mark, state)
            store.flush()

    async def _save_chat(self, store: Store, chat: int, change: dict) -> None:
        async with self.page_lock:
            subs.save(store, chat, {**subs.state(store, chat), **change})
            store.flush()

    def _buttons(self, store: Store, subscriber, alert: Alert, attached: bool) -> list[tuple[str, str]]:
        """(label, callback data) of the buttons under an alert, signed for the subscriber's chat."""
        if subscriber.telegram is None:
            return []
        from ..alerts import buttons
        secret = buttons.secret(store)
        epoch = subs.state(store, subscriber.telegram).get("epoch", buttons.FIRST_EPOCH)
        out = []
        for button in buttons.for_alert(alert, set(subscriber.dossiers), attached):
            if (text := buttons.data(secret, subscriber.telegram, epoch, button)) is not None:
                out.append((button.label, text))
        return out

    def _attachment(self, store: Store, alert: Alert):
        """The full HTML diff of a revision, made from the two stored texts."""
        if alert.kind != REVISED or not alert.new_hash:
            return None
        made = (alert.old_hash, alert.new_hash, alerts.headline(alert))
        if made in self._pages:
            return self._pages[made]  # the same revision for the next subscriber: 8-35 ms saved each
        old, new = store.text(alert.old_hash), store.text(alert.new_hash)
        if new is None:
            return None
        from ..alerts.diffpage import render_page
        from ..news.diff import diff

        title = f"{alert.document} — {alerts.headline(alert)}"
        facts = [f for f in (alert.soort, alert.document, alerts.headline(alert), dutch_date(alert.datum)) if f]
        page = render_page(diff(old, new), new, title=alert.title or alert.document, facts=facts)
        caption = title[: alerts.CAPTION_LIMIT]
        self._pages[made] = f"{alert.document}-wijzigingen.html", page.encode("utf-8"), caption
        return self._pages[made]

    async def _send(self, store: Store, subscriber, chat: int, batch: list[Alert], messages: list[str],
                    attachment, keys: list[tuple[str, str]] = (), silent: bool = False) -> str:
        """sent | stop (leave the rest for the next cycle) | migrated (try again) | dropped."""
        from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

        for alert in batch:
            store.mark_sending(alert.id)
        # One alert in several parts resumes after the parts already accepted (before a 429, a dropped
        # connection or a crash), never from its first; a digest is sent whole.
        single = batch[0] if len(batch) == 1 else None
        done = [single.parts_sent if single else 0]

        def accepted(number: int) -> None:
            done[0] = number
            store.mark_part(single.id, number)

        retries = 0
        while True:
            try:
                await self.telegram.send(chat, messages, attachment, self.limiter, start=done[0],
                                         accepted=accepted if single else None, buttons=keys, silent=silent)
                break
            except RetryAfter as e:
                retries += 1
                wait = _seconds(e)
                if retries > MAX_RETRY_AFTER:
                    log.warning("chat %s: still rate limited after %d waits; the rest waits for the next cycle",
                                chat, MAX_RETRY_AFTER)
                    return "stop"
                if wait > LONGEST_WAIT:
                    log.warning("chat %s: Telegram asks to wait %ds; the rest waits for the next cycle", chat, wait)
                    return "stop"
                log.info("chat %s: Telegram asks to wait %ss", chat, wait)
                await self._sleep(float(wait))
                if self._stopping():
                    return "stop"  # a stop request during the wait: nothing more is started
            except Forbidden as e:
                log.warning("subscriber %s blocked the bot (%s): deactivated, watchlist kept", subscriber.name, e)
                await self._save_chat(store, subscriber.telegram, {"blocked": True})
                for alert in batch:
                    store.mark_sent(alert.id, "blocked")
                return "stop"
            except ChatMigrated as e:
                log.info("chat %s moved to %s", chat, e.new_chat_id)
                async with self.page_lock:
                    subs.moved(store, subscriber.telegram, e.new_chat_id)
                    store.flush()
                return "migrated"
            except BadRequest as e:
                # Our message was refused as it is: send it once more as plain text. Only a second refusal
                # gives the alert up; a passing failure of the plain text (a 502, a timeout, a 429) leaves it
                # for the next cycle, which starts again from the HTML.
                log.error("chat %s refused alert %s: %s", chat, batch[0].id, e)
                # Only what Telegram has not accepted yet, as the subscriber reads it, with its buttons; a
                # refused attachment (the parts went out) is one line saying so.
                rest = [alerts.as_plain(m) for m in messages[done[0]:]] or [alerts.ATTACHMENT_REFUSED]
                try:
                    await self.telegram.send(chat, rest, None, self.limiter, html=False, buttons=keys, silent=silent)
                    how = "telegram (plain)"
                except BadRequest as again:
                    log.error("chat %s refused the plain text too (%s); alert given up", chat, again)
                    how = "rejected"
                except (TelegramError, OSError) as again:
                    log.warning("chat %s: the plain text of alert %s was not delivered (%s); it waits for the "
                                "next cycle", chat, batch[0].id, again)
                    return "stop"
                for alert in batch:
                    store.mark_sent(alert.id, how)
                return "sent" if how != "rejected" else "dropped"
            except (TelegramError, OSError) as e:
                log.error("chat %s: not delivered, will retry next cycle: %s", chat, e)
                return "stop"
        for alert in batch:
            store.mark_sent(alert.id, "telegram")
        return "sent"

    async def close(self) -> None:
        if self.telegram is not None:
            await self.telegram.close()


def _by_period(subscriber, pending: list[Alert]) -> dict[str, list[Alert]]:
    """The alerts by how soon each goes: as soon as the fastest of the rules that made it asks (a rule may
    have a frequency of its own: {keyword: Xinjiang, digest: daily} beside instant ones)."""
    by_period: dict[str, list[Alert]] = {}
    for alert in pending:
        by_period.setdefault(subs.period_of(subscriber, alert.reasons), []).append(alert)
    return by_period


def _digest_due(last: str | None, now: datetime, period: str) -> bool:
    """Whether a digest of `period` may go, its last one sent at `last`. A last digest in the future was
    stamped by a clock that jumped ahead once (a bad NTP step, a restored VM): not trusted, or the digests
    would stop until the clock caught up with it."""
    return not last or not timedelta(0) <= now - datetime.fromisoformat(last) < DIGEST_PERIOD[period]


def fair_order(pending: list[Alert]) -> list[tuple[tuple[str, str], list[Alert]]]:
    """Each subscriber's alerts on each of its channels, in their order, and (subscriber, channel) in the
    order they are served: by their earliest place in the fan-out of one of their documents. So a new
    document's first alerts are not queued behind minutes of another's 10,000: its chats start with the
    first of the other's."""
    by_channel: dict[tuple[str, str], list[Alert]] = {}
    place: dict[tuple[str, str], int] = {}
    seen: dict[str, int] = {}
    for alert in pending:
        where = (alert.subscriber, alert.channel)
        rank = seen.get(alert.document, 0)
        place[where] = min(place.get(where, rank), rank)
        seen[alert.document] = rank + 1
        by_channel.setdefault(where, []).append(alert)
    return sorted(by_channel.items(), key=lambda item: place[item[0]])


def _quiet_now(hours: str, now: datetime):
    """The quiet hours `hours` names, and whether `now` is inside them; (None, False) without any."""
    if not hours:
        return None, False
    from . import quiet
    window = quiet.parse(hours)
    return window, quiet.inside(window, now)


def revision_page(store: Store, key: str):
    """The changes of a document's latest revision as an attachment (filename, bytes, caption); None when
    the store has no two versions of it."""
    doc = store.document(key)
    versions = [v for v in (doc.versions if doc else []) if v.hash]
    if len(versions) < 2:
        return None
    old, new = store.text(versions[-2].hash), store.text(versions[-1].hash)
    if new is None:
        return None
    from ..alerts.diffpage import render_page
    from ..news.diff import diff

    title = f"{key} — wijzigingen"
    page = render_page(diff(old, new), new, title=doc.meta.onderwerp or doc.meta.titel or key,
                       facts=[f for f in (doc.meta.soort, key) if f])
    return f"{key}-wijzigingen.html", page.encode("utf-8"), title[: alerts.CAPTION_LIMIT]
