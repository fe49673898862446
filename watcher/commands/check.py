"""`watcher check`: sources.yaml read as a run would, each problem named with its line."""

from __future__ import annotations

import io
import sys

from .. import exitcodes
from ..config import ConfigError, load


def check(config, path) -> int:
    """`watcher check`: is sources.yaml right, its names those the Kamer's data knows?"""
    from ..parliament import NOT_CHECKED, Parliament
    from ..store import open_reader

    # The parties and members the Kamer's data names, where a first run has read it: a rule on a name it does
    # not have is told with the nearest (a second reading, now that the file is known to be sound).
    store = open_reader(config, io.StringIO())
    parliament = Parliament()
    if store is not None:
        with store:
            parliament = Parliament.from_store(store, people=True, bodies=True)
    try:
        load(path, probe_state=True, parliament=parliament, probe_channels=True)
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
