"""`watcher run` and `watcher run --once`: the engine's cycles, the delivery beside them, the bot, the roles
on a shared store, and what a stop, a refused token or a state in trouble ends in (exitcodes.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

from .. import exitcodes
from ..config import ConfigError, load

log = logging.getLogger("watcher")
RETRY_DELIVERY = 5.0  # seconds between deliveries when no cycle wakes one (a digest's hour, a retry)
IDLE_DELIVERY = 300.0  # seconds between looks at an outbox with nothing waiting (news wakes the sender at once)
DELIVERY_PASS = 5.0  # seconds of sending before the outbox is read again for what was queued meanwhile


def run(config, once: bool) -> int:
    """`watcher run [--once]`: poll, send and answer the chats until a stop request (or once, for cron)."""
    import sqlite3

    from ..deliver.notify import TokenRefused
    from ..engine.roles import Alone, Shared
    from ..store import HeldByDatabase, StateLock, StateLocked, StateUnusable, StoreError, open_store
    from ..web import tokens

    # A stop asked for before the loop (which answers SIGTERM itself) is under way: nothing was done yet, so
    # there is nothing to finish, and it is a stop like any other (exit 0), not a death by signal.
    signal.signal(signal.SIGTERM, _stopped_early)
    try:
        lock = (HeldByDatabase() if config.store == "postgresql" else StateLock(config.state_dir)).acquire()
    except (StateLocked, StateUnusable) as e:
        print(f"watcher: {e}", file=sys.stderr)
        return exitcodes.STATE
    try:
        store = open_store(config.state_dir, kind=config.store, dsn=config.dsn, timeout=config.database_timeout)
        try:
            # The state_dir lock guards one machine; a database is shared, and its work is cut into roles.
            roles = Shared(store, config, member=not once) if store.shared else Alone(config)
            if store.shared and once:
                _first_roles(store, config, roles)
            if tokens.made(store):  # the secret of the subscribers' feed addresses (web/tokens.py), once
                store.flush()
        except StoreError:
            store.close()
            raise
    except StoreError as e:
        lock.release()
        print(f"watcher: {e}", file=sys.stderr)
        return exitcodes.STATE
    try:
        return asyncio.run(_loop(config, store, once, lock, roles))
    except TokenRefused:
        print(token_refused(config.telegram.token_env), file=sys.stderr)
        return exitcodes.CONFIG
    except (StoreError, StateUnusable) as e:
        print(f"watcher: {e}", file=sys.stderr)
        return exitcodes.STATE
    except (OSError, sqlite3.Error) as e:
        # The store's own writes are all that can fail this way this far up (the sources' I/O ends in
        # FetchError, the extraction's in ExtractError): a full disk, a read-only remount, a folder gone.
        print(f"watcher: the state in {config.state_dir} cannot be written: {_why(e, config.state_dir)}",
              file=sys.stderr)
        return exitcodes.STATE
    finally:
        try:
            store.close()
        except (OSError, sqlite3.Error):
            pass  # what was not committed is rolled back, as after a crash
        lock.release()


def token_refused(variable: str) -> str:
    return (f"watcher: Telegram refused the token in ${variable}: ask @BotFather for the bot's token (/mybots, "
            "API Token) and set it again; nothing was sent, the alerts wait")


def _stopped_early(signum, frame):
    raise SystemExit(exitcodes.OK)


def _first_roles(store, config, roles) -> None:
    """`run --once` on a shared store takes every role that is free and does that; when none is, it says who
    has them (a StoreError). (`run` takes its roles in its loop, and stands by until one is free.)"""
    from ..engine.roles import holders
    from ..store import StoreError
    roles.claim(greedy=True)
    if not roles.held:
        raise StoreError(f"another watcher is running on {store.where} ({_who(store, config)}): stop it first, or "
                         "start this one as `watcher run`, which stands by and takes over what it leaves")
    for role, who in holders(store, config):
        if role not in roles.held and who:
            log.info("%s is done by another watcher (%s, process %s): not by this run", role, who["host"], who["pid"])


def _who(store, config) -> str:
    from ..engine.roles import holders
    return "; ".join(f"{role}: {w['host']}, process {w['pid']}, since {w['since']}"
                     for role, w in holders(store, config) if w)


def standby_pause(config) -> float:
    """How often a watcher without a role (or with a free role to look for) looks again."""
    return min(config.poll_interval / 2, 10.0)


def _why(error, folder) -> str:
    import errno

    text = getattr(error, "strerror", None) or str(error)
    code = getattr(error, "errno", None)
    resumes = "nothing is lost, the state is as of its last commit and the next run goes on from there"
    if code == errno.ENOSPC or "disk is full" in text:
        return f"{text}: free some space and run again; {resumes}"
    if code == errno.EFBIG:
        return f"{text}: a file size limit (ulimit -f) stops the state from growing: raise it; {resumes}"
    if getattr(error, "sqlite_errorname", "").startswith("SQLITE_IOERR"):
        # SQLite does not pass on the errno: a full disk, a file size limit or a failing disk all read so.
        return (f"{text} ({error.sqlite_errorname}): is the disk full (df -h {folder}) or the file size "
                f"limited (ulimit -f)? {resumes}")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text:
        return f"{text}: make the state directory writable for this user, or point state_dir elsewhere"
    return text


async def _loop(config, store, once: bool, lock, roles) -> int:
    from ..deliver import admins
    from ..engine.cycle import Engine
    from ..deliver.deliver import Deliverer
    from ..sources.http import HTTP
    from ..deliver.notify import Console, Telegram
    from ..deliver.ratelimit import RateLimiter
    from ..engine.roles import CLOCK, SENDER, poll

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    token = config.telegram.token()
    telegram = Telegram(token, config.telegram.api_url, config.telegram.paid_broadcast) if token else None
    if telegram is None:
        log.info("no Telegram token in $%s: alerts go to stdout", config.telegram.token_env)
    limiter = RateLimiter(config.telegram.per_second, config.telegram.chat_interval, config.telegram.group_per_minute)
    deliverer = Deliverer(config, Console(), telegram, limiter, should_stop=stop.is_set)
    http = HTTP(config.http)
    engine = Engine(config, store, http, deliverer, should_stop=stop.is_set)
    bot = beside = None
    # A long-running watcher delivers beside polling: a fan-out of 10,000 alerts (minutes at Telegram's 30 a
    # second) never holds up the next poll; each cycle wakes the delivery for what it queued.
    wake = asyncio.Event()

    async def start_sending() -> None:
        """The bot and the delivery beside polling, once this process is the sender. A refused token is a
        TokenRefused: the watcher stops and says so."""
        nonlocal bot, beside
        if telegram is not None:
            from telegram.error import TelegramError

            from ..bot.app import WatchBot

            bot = WatchBot(config, store, token, rules_changed=lambda: engine.reload(engine.config),
                           page_lock=engine.page_lock, limiter=limiter)
            try:
                await bot.start()
            except (TelegramError, OSError) as e:
                log.error("the bot could not start (%s); alerts are still sent, commands wait", e)
                await bot.stop()
                bot = None
        beside = asyncio.create_task(_deliver_beside(engine, wake, stop))

    async def check_token() -> None:
        """A cron run that sends: a refused token is said at once, not at the first alert weeks later."""
        from telegram.error import TelegramError
        try:
            await telegram.start()
        except (TelegramError, OSError) as e:  # unreachable for now: the sends try again, the alerts wait
            log.warning("Telegram cannot be reached now (%s): the alerts wait for the next run", e)

    async def said_something() -> bool:
        """A cron run asks, without building the Telegram client, whether a chat wrote since the last run; a
        refused token ends the run here (TokenRefused), as the first send would."""
        from ..sources.http import FetchError
        try:
            return await telegram.said_something(http)
        except FetchError as e:  # unreachable for now: the commands wait for the next run
            log.warning("the chats' commands could not be read now (%s); they wait for the next run", e)
            return False

    async def answer_waiting() -> None:
        """A cron run that sends first answers what the chats said since the last run (no bot listens between
        runs): a /volg counts in this very run, a tap on "Volg dossier" too. Through the alerts' own Bot, kept
        open until the run ends (stopping it closes that Bot)."""
        nonlocal bot
        from telegram.error import TelegramError

        from ..bot.app import WatchBot
        bot = WatchBot(config, store, token, rules_changed=lambda: engine.reload(engine.config),
                       page_lock=engine.page_lock, limiter=limiter, bot=telegram.bot)
        try:
            await bot.answer_waiting()
        except (TelegramError, OSError) as e:  # another watcher's bot polling the same token, or no network
            log.warning("the chats' commands could not be read now (%s); they wait for the next run", e)

    mtime = _mtime(config.path)
    helping = None
    if store.files is not None and not once:
        # Every watcher on a shared store reads files for whoever polls them (share.py), standing by or not.
        from ..engine.share import Helper
        helping = asyncio.create_task(Helper(store, engine.sources, stop).run())
    # On a shared database: alive for the others, and the one that ends a stalled watcher's sessions.
    beating = asyncio.create_task(_beat(store, stop)) if store.shared else None
    if not once and not roles.claim() and not roles.held:
        log.info("another watcher is running on %s (%s): standing by (reading files for it), taking over what "
                 "it leaves", store.where, _who(store, config))
    try:
        while True:
            started = loop.time()
            lock.verify()
            if not once:
                roles.claim()
                if roles.holds(SENDER) and beside is None:
                    await start_sending()
            elif telegram is not None and roles.holds(SENDER) and await said_something():
                await check_token()
                await answer_waiting()
            report = await engine.cycle(deliver=once and roles.holds(SENDER),
                                         sources={s.name for s in config.sources if roles.holds(poll(s.name))},
                                         clock=roles.holds(CLOCK))
            wake.set()
            if roles.holds(SENDER):  # the admins' reports go through the bot: one sender per token
                await admins.tell(config, store, telegram, limiter, engine.page_lock)
            if once or stop.is_set():
                return exitcodes.OK if report.ok else exitcodes.SOURCE_FAILED
            roles.spread()
            # Until the next cycle; every half interval a look for a role come free (its holder died), taken
            # up at once, so that no role is left for longer than one poll interval (roles.py).
            until = loop.time() + (0.0 if report.more else pause(started, loop.time(), config.poll_interval))
            while not stop.is_set() and loop.time() < until:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=min(standby_pause(config), until - loop.time()))
                except asyncio.TimeoutError:
                    pass
                if not stop.is_set() and loop.time() < until and roles.claim():
                    break
            if stop.is_set():
                return exitcodes.OK
            if _mtime(config.path) != mtime:
                mtime = _mtime(config.path)
                config = _reload(config, engine)
                roles.config = config
                if bot is not None:
                    bot.config = config
    finally:
        try:
            if helping is not None:
                helping.cancel()  # a file half read is given back to the queue, for whoever looks next
                with contextlib.suppress(asyncio.CancelledError):
                    await helping
            if beating is not None:
                beating.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beating  # a StoreError it met is why this watcher stops: it goes up from here
            if beside is not None:
                stop.set()  # the delivery stops between messages; what is left waits in the outbox
                await beside
                # What the last cycle queued: to stdout it all goes; to Telegram the stop request holds.
                await engine.deliver_pending()
        finally:
            if bot is not None:
                await bot.stop()
            await http.aclose()
            await deliverer.close()
            engine.extractor.close()


async def _deliver_beside(engine, wake: asyncio.Event, stop: asyncio.Event) -> None:
    """Send what is due whenever a cycle queued something, until a stop request. While alerts wait (a digest's
    hour, quiet hours, a network error's retry) the outbox is read again every few seconds; while none do, only
    when there is news: a cycle here queued some (`wake`), or, on a shared database, another watcher's page
    did (it says so as it commits), with a look every few minutes in case a word was lost."""
    from ..deliver.notify import TokenRefused
    from ..store import StoreError
    from ..engine.told import Told
    told = Told(engine.store.outbox_listener, "alerts queued by other watchers", RETRY_DELIVERY)
    try:
        while not stop.is_set():
            wake.clear()
            try:
                # In passes of a few seconds: each pass sees what was queued since, so a new document's alerts
                # go among the first of a long fan-out's rather than after it.
                delivered, pending = await engine.deliver_pending(budget=DELIVERY_PASS)
            except (StoreError, TokenRefused):
                stop.set()  # the state is in trouble, or no send can succeed: the whole watcher stops, and says why
                raise
            except Exception:  # a bug in one delivery must not end the polling beside it; logged, retried
                log.exception("delivery failed; retried in a moment")
                delivered = pending = 0
            if delivered and pending:
                continue  # more to send at once; a pass that sent nothing (limits, errors) waits
            await told.wait(RETRY_DELIVERY if pending else IDLE_DELIVERY, wake, stop)
    finally:
        told.close()


async def _beat(store, stop: asyncio.Event) -> None:
    """Every third of the database timeout, until a stop request: PostgresStore.beat, and say whom it ended."""
    from ..store import StoreError
    while not stop.is_set():
        try:
            ended = store.beat()
        except StoreError:
            stop.set()  # the database is in trouble: the whole watcher stops, and says why
            raise
        for who in ended:
            log.warning("the watcher %s had said nothing on %s for %g s: its sessions are ended and its roles "
                        "free (a network partition, or a process that hangs)", who, store.where, 3 * store.timeout)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=store.timeout / 3)


def pause(started: float, now: float, interval: float) -> float:
    """Seconds until the next cycle: cycles start every `interval`, so a long cycle does not push every
    later poll back (a change waits at most one interval plus a cycle's work). A cycle longer than the
    interval is followed at once."""
    return max(0.0, started + interval - now)


def _reload(config, engine):
    """Take edited watchlists without a restart; on a broken file keep the last good rules."""
    try:
        fresh = load(config.path)
    except (ConfigError, OSError) as e:
        log.error("%s changed but is not valid; keeping the last good rules:\n%s", config.path, e)
        return config
    engine.reload(fresh)
    log.info("%s reloaded: %d subscribers", config.path, len(fresh.subscribers))
    return fresh


def _mtime(path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0
