"""YAML loading that remembers where each value came from.

Operators edit sources.yaml by hand, so an error must point at a line. PyYAML's composer keeps
a mark on every node; we turn the node tree into plain Python values and keep a map from the
path of each value (("sources", 0, "kind")) to its 1-based line (yamlread.py).

A file read once is kept, values and lines, in the user's cache (~/.cache/watcher, or $XDG_CACHE_HOME), under
its path, with its text: the same text is read from there without PyYAML, which a health check every five
minutes (`watcher status`) and a cron run would otherwise import each time. A file with an error is never
kept; a cache that cannot be read or written is passed by.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from dataclasses import dataclass, field

Path = tuple  # ("subscribers", 0, "keywords", 2)


@dataclass
class Problem:
    """What is wrong, and where: a line and a key of a file."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        if not self.line:  # about the file as a whole: what it is, not a line in it
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


@dataclass
class Located:
    """Plain data from a YAML file plus the line of every key and item."""

    file: str
    data: object
    lines: dict = field(default_factory=dict)

    def line(self, path: Path) -> int:
        # Fall back to the nearest parent that has a line: a missing key is reported where
        # its mapping starts.
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


MAX_DEPTH = 100
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep: too deep to be a config file"


class YAMLSyntaxError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


CACHE_FILES = 256


def load(text: str, file: str) -> Located:
    """The values of a YAML text and the line of each; raises YAMLSyntaxError naming the line."""
    kept = _cache_file(file)
    key = _key(text)
    if kept is not None:
        try:
            with open(kept, "rb") as f:
                stored_key, data, lines = marshal.load(f)
            if stored_key == key:
                return Located(file, data, lines)
        except (OSError, EOFError, ValueError, TypeError):
            pass  # none yet, or not ours: read the text
    from .yamlread import read

    located = read(text, file)
    if kept is not None:
        _keep(kept, (key, located.data, located.lines))
    return located


def _cache_file(file: str) -> str | None:
    """Where the values of the file at `file` are kept: one of CACHE_FILES, by its path (two paths that share
    one only take each other's place: what is kept is compared with the whole text), so that a config read
    from ever new places (a test's temporary folder) never fills the cache."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(home):
        return None  # no home to keep it in (a user without one: "~" stays as it is)
    name = zlib.crc32(os.path.abspath(file).encode("utf-8", "surrogateescape")) % CACHE_FILES
    return os.path.join(home, "watcher", f"yaml-{name:02x}.marshal")


def _key(text: str) -> tuple[str, str, str]:
    """What decides how a text reads: the text itself, the reader's code and this file's (as installed: a new
    version of watcher reads every file anew) and Python's version (marshal's format is its own)."""
    stamp = ""
    for code in (__file__, os.path.join(os.path.dirname(__file__), "yamlread.py")):
        try:
            made = os.stat(code)
            stamp += f"{made.st_mtime_ns}:{made.st_size};"
        except OSError:
            stamp += "?;"
    return sys.version, stamp, text


def _keep(path: str, value) -> None:
    """Written whole or not at all (a new file renamed over the old), readable by its owner alone: it holds
    the watchlists."""
    try:
        data = marshal.dumps(value)
    except ValueError:
        return  # a value marshal does not write: read the text each time
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except OSError:
        # A cache that cannot be written costs only the time of reading the text; a half-written copy
        # (a full disk) is not left behind.
        try:
            os.unlink(temporary)
        except OSError:
            pass


def not_a_list(key: str, value) -> str:
    """What to say of text where a list belongs (`keywords: Xinjiang, Oeigoer*`): read as one entry, it would
    match nothing, so it is refused, with the list it was meant to be."""
    items = [part.strip() for part in str(value).split(",") if part.strip()] or [str(value)]
    return f"expected a list, got text: write `{key}: [{', '.join(items)}]` (or one `- item` a line)"
