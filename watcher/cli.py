"""The `watcher` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import os
import signal
import sys
from datetime import datetime, timezone

from . import __version__, exitcodes
from .config import ConfigError, config_path, load

log = logging.getLogger("watcher")
RETRY_DELIVERY = 5.0  # seconds between deliveries when no cycle wakes one (a digest's hour, a retry)
DELIVERY_PASS = 5.0  # seconds of sending before the outbox is read again for what was queued meanwhile

DESCRIPTION = """\
Watch the Tweede Kamer and officielebekendmakingen for new and revised documents and alert the
people who follow a topic, a member, a party or a dossier, on Telegram (or on stdout).

Everything is set in sources.yaml: which sources to poll, and who follows what.
"""

EPILOG = """\
examples:
  watcher demo                      see it work: offline, no token, no config
  watcher check                     is sources.yaml right? (exit 2 names each problem's line)
  watcher run --once                one poll cycle, for cron
  watcher run                       poll every poll_interval until SIGTERM or Ctrl-C
  watcher status                    per source: last success, cursor, documents, alerts waiting
  watcher -c /etc/watcher.yaml run  another config (or set WATCHER_CONFIG)
  watcher extract answer.pdf        the clean text, blocks and metadata, as watcher sees them
  watcher diff v2.pdf v3.pdf --html changes.html
                                    what changed, as an alert would say it (exit 1 when changed)
  watcher match answer.pdf          which subscribers would be alerted, and why (a dry run)
  watcher preview --since 30d       what the watchlists would have alerted over the stored history
  watcher questions --party SGP     the open written questions, overdue first
  watcher migrate --from state --to postgresql://watcher@localhost/watcher
                                    move a SQLite or TinyDB state into PostgreSQL

Without TELEGRAM_BOT_TOKEN (telegram.token_env) in the environment, alerts are printed to stdout.

""" + exitcodes.HELP


def _common(top: bool) -> argparse.ArgumentParser:
    # The options work before and after the command (`watcher -c x check`, `watcher check -c x`);
    # after it they must not reset what was given before it, hence SUPPRESS there.
    common = argparse.ArgumentParser(add_help=False)
    default = {} if top else {"default": argparse.SUPPRESS}
    common.add_argument("-c", "--config", metavar="PATH",
                        help="the sources.yaml to use (default: ./sources.yaml, or $WATCHER_CONFIG)", **default)
    common.add_argument("-v", "--verbose", action="store_true", help="log more (every request and record)",
                        **default)
    return common


def _quiet() -> argparse.ArgumentParser:
    """For the commands that work on files alone (extract, diff): no config to point at."""
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("-v", "--verbose", action="store_true", help="log more", default=argparse.SUPPRESS)
    return quiet


def _parser() -> argparse.ArgumentParser:
    common = _common(top=False)
    parser = argparse.ArgumentParser(prog="watcher", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     parents=[_common(top=True)])
    parser.add_argument("--version", action="version", version=f"watcher {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="see watcher work: offline, no token, no config",
                          description="Run the real pipeline on a temporary state against loopback servers of "
                                      "its own (a Tweede Kamer API, officielebekendmakingen.nl and Telegram, with "
                                      "recorded data) and print what each subscriber of an example watchlist "
                                      "receives: a first run, two new documents, a revision, a mass re-send and "
                                      "the same document via KOOP. Needs no network.")
    demo.add_argument("--keep", metavar="DIR", help="keep the state, sources.yaml and the HTML diffs in DIR")
    demo.add_argument("--telegram", action="store_true",
                      help="also send every message to a real chat (--chat), with the bot in $TELEGRAM_BOT_TOKEN: "
                           "see Telegram's own rendering before going live")
    demo.add_argument("--chat", metavar="ID", type=int, help="the chat --telegram sends to")
    demo.add_argument("--api-url", metavar="URL", default="https://api.telegram.org",
                      help="the Bot API server for --telegram (default: Telegram's own)")

    run = sub.add_parser("run", parents=[common], help="poll the sources and send alerts",
                         description="Poll every source, store what changed, match the watchlists and send "
                                     "alerts. Without --once, repeat every poll_interval; SIGTERM or Ctrl-C "
                                     "finishes the work in flight, saves the state and exits 0.")
    run.add_argument("--once", action="store_true", help="run one cycle and exit (for cron)")

    sub.add_parser("check", parents=[common], help="validate sources.yaml",
                   description="Check sources.yaml: exit 0 with a summary, or 2 with every problem as "
                               "FILE:LINE: key: message.")
    status = sub.add_parser("status", parents=[common], help="show each source's health; exit 1 if one is stale",
                   description="Per source: the last successful cycle, the cursor, documents stored, and "
                               "alerts waiting. Exits 1 when a source has not succeeded for longer than its "
                               "stale_after (default 24h): use it as a HEALTHCHECK or a cron sanity check.")
    status.add_argument("--json", action="store_true", help="print one JSON object instead of text (monitoring)")
    roster = sub.add_parser("subscribers", parents=[common], help="who follows what, from sources.yaml and chat",
                            description="Every subscriber with its rules, from sources.yaml and those added in "
                                        "chat (marked), and whether it gets alerts now (paused, stopped, blocked "
                                        "the bot). With a WORD, only those with a rule that holds it: `watcher "
                                        "subscribers Ceder`. Reads the store beside a running watcher. Exit 0.")
    roster.add_argument("word", metavar="WORD", nargs="?", help="only who has a rule holding this word")
    roster.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    preview = sub.add_parser("preview", parents=[common], help="what the watchlists would have alerted, over the history",
                             description="A dry run over the documents already in the store: for each subscriber "
                                         "(or one, -s NAME), what its rules would have alerted and why, newest "
                                         "first. Tune a watchlist before it goes live; backfill history with "
                                         "`since:` first. Reads the store only, needs no network. Exit 0, 1 when "
                                         "there is no state yet, 2 when sources.yaml or an option is wrong.")
    preview.add_argument("-s", "--subscriber", metavar="NAME", help="only this subscriber")
    preview.add_argument("--since", metavar="DURATION", help="only documents dated within it, e.g. 30d")
    questions = sub.add_parser("questions", parents=[common], help="the open written questions, overdue first",
                               description="The written questions (Kamervragen) the store knows that have no answer "
                                           "yet: when asked, days open, when the answer is due (3 weeks, 3 more "
                                           "per delay notice), overdue ones first. Reads the store only. Exit 0, 1 "
                                           "when there is no state yet.")
    questions.add_argument("--member", metavar="NAME", help="only questions this member asked (Ceder)")
    questions.add_argument("--party", metavar="PARTY", help="only questions of this party's members (SGP)")
    extract = sub.add_parser("extract", parents=[_quiet()], help="show the clean text of a file as watcher sees it",
                             description="Extract a PDF, DOCX, DOC, RTF, HTML, XML, text or Markdown file: its "
                                         "clean text as labelled blocks ([Vraag 3], [Antwoord 3], [briefhoofd]) "
                                         "and what the text says of itself (number, date, who asked, who answered, "
                                         "who spoke). Exit 0, or 2 when the file cannot be read.")
    extract.add_argument("file", metavar="FILE")
    extract.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    diff = sub.add_parser("diff", parents=[_quiet()], help="compare two files as watcher would",
                          description="Compare two versions of a document as watcher does: layout, hyphenation, "
                                      "page headers and whitespace are not changes. Prints each change with its "
                                      "label; exit 0 when nothing changed, 1 when something did, 2 on trouble "
                                      "(as diff(1) does).")
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--html", metavar="OUT", help="also write a self-contained HTML page of the changes")
    migrate = sub.add_parser("migrate", parents=[_quiet()], help="copy a SQLite or TinyDB state into PostgreSQL",
                             description="Copy the state of a SQLite or TinyDB install into an empty PostgreSQL "
                                         "database, in one transaction, and compare counts and hashes of both "
                                         "before committing. The source is left as it was. Stop the watcher "
                                         "that uses it first.")
    migrate.add_argument("--from", dest="source", metavar="STATE_DIR", required=True,
                         help="the state_dir of the install to copy")
    migrate.add_argument("--to", dest="dsn", metavar="DSN", required=True,
                         help="the database to copy into, e.g. postgresql://watcher@localhost/watcher")
    match = sub.add_parser("match", parents=[common], help="which subscribers files would alert, and why",
                           description="A dry run of the watchlists in sources.yaml: for each file, the subscribers "
                                       "it would alert, the rules that fired and a snippet around the first hit. "
                                       "A FILE may also be the number of a stored document (2025D06779). With "
                                       "rules given here (--keyword 'Oeigoer*', --member Ceder, …) only those "
                                       "are tried, and files need no sources.yaml. Exit 0, 2 when sources.yaml "
                                       "is wrong or a file cannot be read.")
    match.add_argument("files", metavar="FILE", nargs="+")
    for kind, example in (("keyword", "'Oeigoer*'"), ("member", "Ceder"), ("party", "SGP"), ("dossier", "35207"),
                          ("exclude", "Tibet")):
        match.add_argument(f"--{kind}", action="append", default=[], metavar="RULE",
                           help=f"try this rule instead of sources.yaml's (e.g. {example}; may be repeated)")
    match.add_argument("--json", action="store_true",
                       help='one JSON object per line: {"file", "subscriber", "reasons", "snippet"}')
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return exitcodes.CONFIG
    _setup_logging(args.verbose)
    try:
        return _command(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `watcher extract answer.pdf | head`: the reader had enough; Python's own flush at exit would
        # raise again, so stdout goes to /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exitcodes.OK
    except Exception:
        # Everything foreseen ends in a message and an exit code of its own; what reaches here is a bug.
        log.exception("watcher: unexpected error; this is a bug in watcher, please report it with the "
                      "traceback above")
        return exitcodes.BUG


def _command(args) -> int:
    if args.command == "demo":
        from pathlib import Path

        from .demo import story
        forward = None
        if args.telegram:
            token = os.environ.get("TELEGRAM_BOT_TOKEN")
            if not token or args.chat is None:
                print("watcher: demo --telegram needs the bot's token in TELEGRAM_BOT_TOKEN and --chat ID (your "
                      "chat with the bot: send it /start, then look the id up, e.g. with @userinfobot)",
                      file=sys.stderr)
                return exitcodes.CONFIG
            forward = (token, args.chat, args.api_url)
        return story.run(sys.stdout, keep=Path(args.keep) if args.keep else None, forward_to=forward)
    if args.command == "migrate":  # from a state_dir to a database: no config needed
        from pathlib import Path

        from .commands.migrate import migrate
        return migrate(Path(args.source), args.dsn, sys.stdout, sys.stderr)
    if args.command == "match" and _rules_given(args) and all(os.path.exists(f) for f in args.files):
        from .commands import files  # rules and files from the command line: no config needed
        return files.match_command(args, None)
    if args.command in ("extract", "diff"):  # work on files: no config needed
        from .commands import files
        return files.extract_command(args) if args.command == "extract" else files.diff_command(args)
    path = config_path(args.config)
    try:
        config = load(path, need_sources=args.command != "match", probe_state=args.command == "check")
    except FileNotFoundError:
        print(f"watcher: no config at {path}: pass -c PATH, set WATCHER_CONFIG, or run where sources.yaml is",
              file=sys.stderr)
        return exitcodes.CONFIG
    except ConfigError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        print(f"watcher: {len(e.problems)} problem(s) in {path}; nothing was run", file=sys.stderr)
        return exitcodes.CONFIG
    except OSError as e:
        print(f"watcher: cannot read {path}: {e.strerror or e}", file=sys.stderr)
        return exitcodes.CONFIG
    _hide_secret(config.telegram.token())
    if args.command == "check":
        return _check(config, path)
    if args.command == "status":
        from .commands.status import status
        return status(config, sys.stdout, as_json=args.json)
    if args.command == "subscribers":
        from .commands.roster import print_roster
        return print_roster(config, sys.stdout, sys.stderr, follows=args.word, as_json=args.json)
    if args.command == "questions":
        from .commands.questions import print_report
        return print_report(config, sys.stdout, member=args.member, party=args.party)
    if args.command == "preview":
        from datetime import timedelta

        from .settings import parse_duration
        from .commands.preview import preview
        try:
            window = timedelta(seconds=parse_duration(args.since)) if args.since else None
        except ValueError as e:
            print(f"watcher: --since {args.since}: {e}", file=sys.stderr)
            return exitcodes.CONFIG
        return preview(config, sys.stdout, subscriber=args.subscriber, since=window)
    if args.command == "run":
        return _run(config, once=args.once)
    from .commands import files  # match
    return files.match_command(args, config)


def _rules_given(args) -> bool:
    return any(getattr(args, kind) for kind in ("keyword", "member", "party", "dossier", "exclude"))


def _check(config, path) -> int:
    from .parliament import NOT_CHECKED, Parliament
    from .store import open_reader

    # The parties and members the Kamer's data names, where a first run has read it: a rule on a name it does
    # not have is told with the nearest (a second reading, now that the file is known to be sound).
    store = open_reader(config, io.StringIO())
    parliament = Parliament()
    if store is not None:
        with store:
            parliament = Parliament.from_store(store, people=True)
    try:
        load(path, probe_state=True, parliament=parliament)
    except ConfigError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        print(f"watcher: {len(e.problems)} problem(s) in {path}", file=sys.stderr)
        return exitcodes.CONFIG
    sources = len(config.sources)
    subscribers = len(config.subscribers)
    print(f"{config.path}: OK: {sources} source{'s' * (sources != 1)}, "
          f"{subscribers} subscriber{'s' * (subscribers != 1)}")
    if any(s.parties or s.members for s in config.subscribers) and not parliament.checks("parties"):
        print(f"  ({NOT_CHECKED})")
    return 0


def _run(config, once: bool) -> int:
    import sqlite3

    from .deliver.notify import TokenRefused
    from .engine.roles import Alone, Shared
    from .store import HeldByDatabase, StateLock, StateLocked, StateUnusable, StoreError, open_store

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
    from .engine.roles import holders
    from .store import StoreError
    roles.claim(greedy=True)
    if not roles.held:
        raise StoreError(f"another watcher is running on {store.where} ({_who(store, config)}): stop it first, or "
                         "start this one as `watcher run`, which stands by and takes over what it leaves")
    for role, who in holders(store, config):
        if role not in roles.held and who:
            log.info("%s is done by another watcher (%s, process %s): not by this run", role, who["host"], who["pid"])


def _who(store, config) -> str:
    from .engine.roles import holders
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
    from .deliver import admins
    from .engine.cycle import Watcher
    from .deliver.deliver import Deliverer
    from .sources.http import HTTP
    from .deliver.notify import Console, Telegram
    from .deliver.ratelimit import RateLimiter
    from .engine.roles import CLOCK, SENDER, poll

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
    watcher = Watcher(config, store, http, deliverer, should_stop=stop.is_set)
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

            from .bot import WatchBot

            bot = WatchBot(config, store, token, rules_changed=lambda: watcher.reload(watcher.config),
                           page_lock=watcher.page_lock, limiter=limiter)
            try:
                await bot.start()
            except (TelegramError, OSError) as e:
                log.error("the bot could not start (%s); alerts are still sent, commands wait", e)
                await bot.stop()
                bot = None
        beside = asyncio.create_task(_deliver_beside(watcher, wake, stop))

    async def check_token() -> None:
        """A cron run that sends: a refused token is said at once, not at the first alert weeks later."""
        from telegram.error import TelegramError
        try:
            await telegram.start()
        except (TelegramError, OSError) as e:  # unreachable for now: the sends try again, the alerts wait
            log.warning("Telegram cannot be reached now (%s): the alerts wait for the next run", e)

    async def answer_waiting() -> None:
        """A cron run that sends first answers what the chats said since the last run (no bot listens between
        runs): a /volg counts in this very run, a tap on "Volg dossier" too. Through the alerts' own Bot, kept
        open until the run ends (stopping it closes that Bot)."""
        nonlocal bot
        from telegram.error import TelegramError

        from .bot import WatchBot
        bot = WatchBot(config, store, token, rules_changed=lambda: watcher.reload(watcher.config),
                       page_lock=watcher.page_lock, limiter=limiter, bot=telegram.bot)
        try:
            await bot.answer_waiting()
        except (TelegramError, OSError) as e:  # another watcher's bot polling the same token, or no network
            log.warning("the chats' commands could not be read now (%s); they wait for the next run", e)

    mtime = _mtime(config.path)
    helping = None
    if store.files is not None and not once:
        # Every watcher on a shared store reads files for whoever polls them (share.py), standing by or not.
        from .engine.share import Helper
        helping = asyncio.create_task(Helper(store, watcher.sources, stop).run())
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
            elif telegram is not None and roles.holds(SENDER):
                await check_token()
                await answer_waiting()
            report = await watcher.cycle(deliver=once and roles.holds(SENDER),
                                         sources={s.name for s in config.sources if roles.holds(poll(s.name))},
                                         clock=roles.holds(CLOCK))
            wake.set()
            if roles.holds(SENDER):  # the admins' reports go through the bot: one sender per token
                await admins.tell(config, store, telegram, limiter, watcher.page_lock)
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
                config = _reload(config, watcher)
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
                await watcher.deliver_pending()
        finally:
            if bot is not None:
                await bot.stop()
            await http.aclose()
            await deliverer.close()
            watcher.extractor.close()


async def _deliver_beside(watcher, wake: asyncio.Event, stop: asyncio.Event) -> None:
    """Send what is due whenever a cycle queued something, and every few seconds for what waits (a digest's
    hour, a network error's retry), until a stop request."""
    from .deliver.notify import TokenRefused
    from .store import StoreError
    while not stop.is_set():
        wake.clear()
        try:
            # In passes of a few seconds: each pass sees what was queued since, so a new document's alerts
            # go among the first of a long fan-out's rather than after it.
            delivered, pending = await watcher.deliver_pending(budget=DELIVERY_PASS)
        except (StoreError, TokenRefused):
            stop.set()  # the state is in trouble, or no send can succeed: the whole watcher stops, and says why
            raise
        except Exception:  # a bug in one delivery must not end the polling beside it; logged, retried
            log.exception("delivery failed; retried in a moment")
            delivered = pending = 0
        if delivered and pending:
            continue  # more to send at once; a pass that sent nothing (limits, errors) waits
        waiting = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiting, timeout=RETRY_DELIVERY, return_when=asyncio.FIRST_COMPLETED)
        for future in waiting:
            future.cancel()


async def _beat(store, stop: asyncio.Event) -> None:
    """Every third of the database timeout, until a stop request: PostgresStore.beat, and say whom it ended."""
    from .store import StoreError
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


def _reload(config, watcher):
    """Take edited watchlists without a restart; on a broken file keep the last good rules."""
    try:
        fresh = load(config.path)
    except (ConfigError, OSError) as e:
        log.error("%s changed but is not valid; keeping the last good rules:\n%s", config.path, e)
        return config
    watcher.reload(fresh)
    log.info("%s reloaded: %d subscribers", config.path, len(fresh.subscribers))
    return fresh


def _mtime(path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


class _Redact(logging.Filter):
    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), ()
        if record.exc_info and not record.exc_text:
            # A traceback quotes URLs too (python-telegram-bot's carry the token in their path).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<token>")
        return True


def _hide_secret(secret: str | None) -> None:
    if secret:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_Redact(secret))


class _UTCFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_UTCFormatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "telegram", "hpack", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose and noisy == "httpx" else logging.WARNING)
    # An answer that is not JSON (a proxy's 502 page) reaches the caller as a TelegramError, which says it in
    # one line (the delivery, the bot's polling); python-telegram-bot also logs the page with the decoding
    # error's traceback. Dropped by what it is (a record of its with a ValueError), not by its logger's name
    # or its wording, which a new version may change.
    handler.addFilter(lambda record: not (record.name.startswith("telegram") and record.exc_info
                                          and isinstance(record.exc_info[1], ValueError)))
