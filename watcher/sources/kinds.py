"""The kinds of source a sources.yaml can name (`kind: tweedekamer`), apart from the code that polls them.

What checking a config and `watcher status` need of a kind is here: its own keys and how each is read (a
parser that raises ValueError with a message), its default url, what is wrong with a url, and how to say
where a source of it is. Its poller (a Source) is imported only by a run that polls it, so a verb that polls
nothing (`status`, `check`, the Docker health check every five minutes) does not pay for importing it.
A new kind is its poller module and one line in KINDS.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from .tweedekamer import kind as tweedekamer


def _no_problem(url: str) -> str | None:
    return None


def _cursor(store, config) -> list[tuple[str, str]]:
    """Where a source is, for `watcher status`, when its kind says nothing more: its cursor's place."""
    cursor = store.cursor(config.name) or {}
    return [("cursor", str(cursor.get("stamp") or cursor.get("day") or cursor.get("position") or "-"))]


class Kind:
    """One kind: its word, where its poller is ("module:Class", a Source), and what config and status need."""

    def __init__(self, word: str, poller: str, default_url: str = "",
                 options: dict[str, Callable[[object], object]] | None = None,
                 url_problem: Callable[[str], str | None] = _no_problem,
                 describe: Callable[..., list[tuple[str, str]]] = _cursor):
        self.word, self.poller, self.default_url = word, poller, default_url
        self.options = options or {}  # its own keys: key -> a parser that raises ValueError with a message
        self.url_problem = url_problem  # beyond being http(s); None when nothing is wrong
        self.describe = describe  # (store, SourceConfig) -> (label, text) lines for `watcher status`

    def load(self) -> type:
        """The Source that polls this kind, imported now."""
        module, name = self.poller.split(":")
        return getattr(importlib.import_module(module), name)


def _query(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a CQL query, e.g. c.product-area==officielepublicaties")
    if re.search(r"\bsortBy\b", value, re.I):
        raise ValueError("leave sortBy out: watcher adds 'sortBy dt.modified/sort.ascending' itself")
    return value.strip()


KINDS: dict[str, Kind] = {kind.word: kind for kind in (
    Kind("tweedekamer", "watcher.sources.tweedekamer.source:TweedeKamer", tweedekamer.DEFAULT_BASE,
         tweedekamer.OPTIONS, tweedekamer.url_problem, tweedekamer.describe),
    Kind("officielebekendmakingen", "watcher.sources.officielebekendmakingen:OfficieleBekendmakingen",
         "https://repository.overheid.nl/sru", {"query": _query}),
    Kind("feed", "watcher.sources.feed:Feed"),
)}
