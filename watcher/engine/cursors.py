"""Where a source's documents and each of its streams go on from: one policy for both, written once.

A cursor is the source's position (what its upstream calls the next page: a sequence number, a skiptoken, a
day; with `start`, the moment before which a never-seen document is backlog) and the engine's own fields beside
it. They are kept in one row, as they always were, so an old cursor reads as it is; in here they are apart.

- A first run with no `since` starts from now: the source is asked where now is (so a wrong URL fails this
  run, not every later one), and what that first poll finds is known, not news.
- A first run with a `since` backfills from then; without `backfill_alerts` it is silent (stored in full, not
  alerted) until it has caught up.
- A moment of ours in a stored cursor that lies after now was stamped by a clock that ran ahead: put back.
- The cursor moves only past what was applied whole (the caller writes it with the page).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from ..settings import parse_since

log = logging.getLogger("watcher")


@dataclass
class Cursor:
    """Where a source (or a stream) is: its own position, and whether what it reads is told yet."""

    position: dict  # the source's own; passed to its poll as it was given
    quiet: bool = False  # a silent backfill that has not caught up yet: stored, not alerted
    pending: list[str] = field(default_factory=list)  # a stream's matters folded, not told yet (rows may follow)
    first: str = ""  # this run opened it: "now" (a first run from now) or "backfill"; not stored

    @classmethod
    def read(cls, stored: dict) -> "Cursor":
        position = {k: v for k, v in stored.items() if k not in ("quiet", "pending")}
        return cls(position, quiet=bool(stored.get("quiet")), pending=list(stored.get("pending") or []))

    def stored(self, position: dict | None = None) -> dict:
        """The row to keep: `position` (a page's, else this one's) with the engine's fields."""
        row = dict(self.position if position is None else position)
        row.pop("quiet", None)
        row.pop("pending", None)
        if self.quiet:
            row["quiet"] = True
        if self.pending:
            row["pending"] = list(self.pending)
        return row

    @property
    def backlog_before(self) -> datetime | None:
        """A document never seen before, dated before this, is old news re-sent (settings.BACKLOG_MARGIN)."""
        start = self.position.get("start")
        return parse_since(start) if start else None


async def opened(store, name: str, settings, reader, started: datetime, *, put_back=None) -> Cursor:
    """The cursor `name` goes on from. `settings` is the source's (its since and backfill_alerts); `reader` has
    `start(since)` and `baseline(now)` (a source's documents, or one of its streams); `put_back(position, now)`
    is the source's own for the moments of its position."""
    stored = store.cursor(name)
    if stored is not None:
        cursor = Cursor.read(stored)
        if put_back is not None:
            kept, cursor.position = cursor.position, put_back(cursor.position, started)
            if cursor.position != kept:
                log.warning("%s: its cursor holds a moment after now (%s): stamped by a clock that ran ahead, not "
                            "trusted; going on from %s", name, kept, cursor.position)
        return cursor
    since = settings.since_datetime()
    if since is None:
        return Cursor(await reader.baseline(started), first="now")
    return Cursor(reader.start(since), quiet=not settings.backfill_alerts, first="backfill")


def caught_up(store, name: str, cursor: Cursor) -> None:
    """A silent backfill has read all there was: from here on what changes is news."""
    row = dict(store.cursor(name) or cursor.stored())
    row.pop("quiet", None)
    store.set_cursor(name, row)
    cursor.quiet = False
