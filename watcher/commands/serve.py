"""`watcher serve`: each subscriber's Atom feeds and calendar and the diff pages, over HTTP or as files."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from .. import exitcodes
from ..settings import Config
from ..store import open_reader
from ..watchlists import subscribers as subs

FIRST = "run `watcher run --once` first (it makes the secret the addresses are made from)"


def urls(config: Config, out) -> int:
    """Each subscriber's addresses, to hand to its reader or calendar."""
    from ..web import pages

    store = open_reader(config, sys.stderr, FIRST)
    if store is None:
        return exitcodes.SOURCE_FAILED
    with store:
        for subscriber in subs.effective(config, store):
            found = pages.addresses(config, store, subscriber)
            if not found:
                sys.stderr.write(f"no addresses yet: {FIRST}\n")
                return exitcodes.SOURCE_FAILED
            out.write(f"{subscriber.name}\n")
            for name, url in found.items():
                out.write(f"  {name}: {url}\n")
    return exitcodes.OK


def write(config: Config, folder: Path, out) -> int:
    from ..web import files

    store = open_reader(config, sys.stderr, FIRST)
    if store is None:
        return exitcodes.SOURCE_FAILED
    with store:
        try:
            count = files.write(config, store, folder)
        except OSError as e:
            sys.stderr.write(f"watcher: cannot write in {folder}: {e.strerror or e}\n")
            return exitcodes.STATE
    out.write(f"{count} file(s) written in {folder}\n")
    return exitcodes.OK


def serve(config: Config, listen: str | None, out) -> int:
    from ..web.server import serve_forever, server

    host, _, port = (listen or config.serve.listen).rpartition(":")
    try:
        httpd = server(config, host.strip("[]"), int(port))
    except (OSError, ValueError) as e:
        sys.stderr.write(f"watcher: cannot listen on {listen or config.serve.listen}: {getattr(e, 'strerror', None) or e}\n")
        return exitcodes.CONFIG
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    bound = "%s:%d" % httpd.server_address[:2]
    out.write(f"serving on http://{bound}/ (readers reach it at {config.serve.base()}); "
              "`watcher serve --urls` lists each subscriber's addresses\n")
    out.flush()
    serve_forever(httpd, stop)
    return exitcodes.OK
