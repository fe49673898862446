"""engine/cursors.py: one cursor policy for a source's documents and its streams, the source's position apart
from the engine's fields, and cursors written before they were apart read as they are."""

import asyncio
from datetime import datetime, timezone

import pytest

from watcher.engine import cursors
from watcher.settings import SourceConfig

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


class Store:
    def __init__(self, rows=None):
        self.rows = dict(rows or {})

    def cursor(self, name):
        return self.rows.get(name)

    def set_cursor(self, name, value):
        self.rows[name] = value


class Reader:
    def start(self, since):
        return {"seq": 0, "start": since.isoformat()}

    async def baseline(self, now):
        return {"seq": 900, "start": now.isoformat()}


def opened(store, **settings):
    config = SourceConfig(name="tk", kind="tweedekamer", url="http://127.0.0.1:1/", **settings)
    return asyncio.run(cursors.opened(store, "tk/votes", config, Reader(), NOW))


def test_an_old_cursor_reads_as_it_was_written():
    row = {"seq": 41, "start": "2026-01-01T00:00:00+00:00", "quiet": True, "pending": ["b1"]}
    cursor = cursors.Cursor.read(row)
    assert cursor.position == {"seq": 41, "start": "2026-01-01T00:00:00+00:00"}  # the source's, apart
    assert cursor.quiet and cursor.pending == ["b1"] and cursor.stored() == row
    assert cursor.backlog_before == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert cursors.Cursor.read({"seq": 3}).stored() == {"seq": 3}  # no engine fields written that were not set


def test_a_page_moves_the_position_and_keeps_the_engines_fields():
    cursor = cursors.Cursor.read({"seq": 1, "quiet": True})
    # A source builds its next position from the one it was given: the engine's fields in it are not its own.
    assert cursor.stored({"seq": 2, "quiet": False, "pending": ["x"]}) == {"seq": 2, "quiet": True}


@pytest.mark.parametrize("settings, first, quiet, position", [
    ({}, "now", False, {"seq": 900, "start": NOW.isoformat()}),  # a new install starts from now
    ({"since": "2026-01-01"}, "backfill", True, {"seq": 0, "start": "2026-01-01T00:00:00+00:00"}),  # silent
    ({"since": "2026-01-01", "backfill_alerts": True}, "backfill", False,
     {"seq": 0, "start": "2026-01-01T00:00:00+00:00"}),
])
def test_a_first_run_opens_its_cursor_by_the_sources_settings(settings, first, quiet, position):
    cursor = opened(Store(), **settings)
    assert (cursor.first, cursor.quiet, cursor.position) == (first, quiet, position)


def test_a_cursor_kept_is_gone_on_from_and_a_silent_backfill_ends_once_caught_up():
    store = Store({"tk/votes": {"seq": 7, "quiet": True}})
    cursor = opened(store, since="2026-01-01")
    assert (cursor.first, cursor.quiet, cursor.position) == ("", True, {"seq": 7})
    cursors.caught_up(store, "tk/votes", cursor)
    assert store.rows["tk/votes"] == {"seq": 7} and not cursor.quiet
