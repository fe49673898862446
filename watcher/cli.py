"""The `watcher` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from . import __version__, exitcodes, logs
from .config import ConfigError, config_path, load

log = logging.getLogger("watcher")

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
  watcher toezeggingen --ministerie Justitie
                                    the open toezeggingen, longest overdue first
  watcher migrate --from state --to postgresql://watcher@localhost/watcher
                                    move a SQLite or TinyDB state into PostgreSQL
  watcher serve                     each subscriber's Atom feeds and calendar, and the diff pages
  watcher serve --urls              the addresses to give each subscriber's reader and calendar

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
    promises = sub.add_parser("toezeggingen", parents=[common], help="the open toezeggingen, longest overdue first",
                              description="The cabinet's promises to the Kamer (its register of toezeggingen) that "
                                          "are still open: by whom, to whom, by when, longest past their date "
                                          "first, those with no date last. Reads the store only. Exit 0, 1 when "
                                          "there is no state yet.")
    promises.add_argument("--ministerie", metavar="NAME", help="only those of this ministry (Justitie)")
    promises.add_argument("--member", metavar="NAME", help="only those made to this member (Ceder)")
    promises.add_argument("--party", metavar="PARTY", help="only those made to this party (SGP)")
    promises.add_argument("--json", action="store_true", help="as JSON, for a script")
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
    web = sub.add_parser("serve", parents=[common], help="serve the feeds, calendars and diff pages over HTTP",
                         description="Serve each subscriber's Atom feed (`feed: true`; one per rule too), its "
                                     "calendar of the debates it was told of, and the diff pages alerts link to, "
                                     "at addresses with an unguessable token per subscriber. Binds to "
                                     "127.0.0.1:8080 (serve.listen); put a reverse proxy in front and set "
                                     "serve.public_url. Reads the store beside a running watcher. Exit 0 on "
                                     "SIGTERM or Ctrl-C; 1 before the first `watcher run`.")
    web.add_argument("--listen", metavar="HOST:PORT", help="where to listen (default: serve.listen)")
    web.add_argument("--urls", action="store_true", help="print each subscriber's addresses and exit")
    web.add_argument("--write", metavar="DIR", help="write the same files into DIR and exit (for cron, after "
                                                    "`run --once`, and a web server of your own)")
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
    logs.setup(args.verbose)
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
        from .commands.demo import demo
        return demo(keep=args.keep, telegram=args.telegram, chat=args.chat, api_url=args.api_url)
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
    logs.hide_secret(config.telegram.token())
    if args.command == "check":
        from .commands.check import check
        return check(config, path)
    if args.command == "status":
        from .commands.status import status
        return status(config, sys.stdout, as_json=args.json)
    if args.command == "subscribers":
        from .commands.roster import print_roster
        return print_roster(config, sys.stdout, sys.stderr, follows=args.word, as_json=args.json)
    if args.command == "toezeggingen":
        from .commands.toezeggingen import print_promises
        return print_promises(config, sys.stdout, ministerie=args.ministerie, member=args.member, party=args.party,
                              as_json=args.json)
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
        from .commands.run import run
        return run(config, once=args.once)
    if args.command == "serve":
        from .commands import serve
        if args.urls:
            return serve.urls(config, sys.stdout)
        if args.write:
            from pathlib import Path
            return serve.write(config, Path(args.write), sys.stdout)
        return serve.serve(config, args.listen, sys.stdout)
    from .commands import files  # match
    return files.match_command(args, config)


def _rules_given(args) -> bool:
    return any(getattr(args, kind) for kind in ("keyword", "member", "party", "dossier", "exclude"))


