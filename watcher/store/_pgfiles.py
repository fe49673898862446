"""The files a poller wants, in a table every watcher on the database can work from (share.py).

A poller puts in a row per file (`want`); whoever is free claims the oldest open one with
`FOR UPDATE SKIP LOCKED`, so two claims never take the same row, and notes its connection's backend pid as
the worker. A worker whose connection is gone (its process died) no longer counts: the row is open to the
next claim at once, without a lease to run out. The result is the extracted text, put in `texts` by its
content hash, or what went wrong. All on the autocommitting connection: a claim or a result is seen by the
others the moment it is made, whatever the poller's page transaction does.

A file wanted or given back is also said on the channel `watcher_files` (NOTIFY): an idle watcher waits on
it (`Listener`) instead of asking the table a few times a second, and asks only when told, or after a long
safety pause (a worker that died frees its rows without a word).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._pglisten import Listener

CHANNEL = "watcher_files"  # what a file wanted or given back is said on

# Open, and nobody alive works on it.
_FREE = ("NOT f.done AND (f.worker IS NULL OR NOT EXISTS "
         "(SELECT 1 FROM pg_stat_activity a WHERE a.pid = f.worker))")


class SharedFiles:
    def __init__(self, store):
        """`store`: the PostgresStore whose autocommitting connection, texts and JSON this queue uses."""
        self.store, self.db = store, store.marks

    def want(self, file_id: str, source: str, spec: dict) -> None:
        self.db.execute(f"WITH added AS (INSERT INTO files (id, source, spec) VALUES (%s, %s, %s::jsonb) "
                        f"ON CONFLICT (id) DO NOTHING RETURNING 1) SELECT pg_notify('{CHANNEL}', '') FROM added",
                        (file_id, source, self.store.jsonb(spec)))

    def claim(self, file_id: str | None = None, sources: tuple[str, ...] = ()) -> tuple[str, str, dict] | None:
        """Take a file to work on: this one (the poller's own), or the oldest free one of these sources.
        (id, source, spec), or None if there is none to be had."""
        which, args = ("f.id = %s", [file_id]) if file_id is not None else ("f.source = ANY(%s)", [list(sources)])
        row = self.db.execute(
            f"UPDATE files SET worker = pg_backend_pid() WHERE id = (SELECT f.id FROM files f WHERE {which} AND "
            f"{_FREE} ORDER BY f.n LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, source, spec", args).fetchone()
        return tuple(row) if row else None

    def result(self, file_id: str) -> tuple[str, object]:
        """('done', Document), ('failed', {kind, message, status, permanent}), ('busy', None): someone alive works
        on it, ('free', None), or ('gone', None): no such row."""
        row = self.db.execute(f"SELECT f.done, f.error, f.hash, {_FREE} FROM files f WHERE f.id = %s",
                              (file_id,)).fetchone()
        if row is None:
            return "gone", None
        done, error, content_hash, free = row
        if done:
            if error:
                return "failed", error
            doc = self.store.text(content_hash)
            return ("done", doc) if doc is not None else ("free", None)
        return ("free" if free else "busy"), None

    def done(self, file_id: str, doc) -> None:
        content_hash, data = self.store.packed(doc)
        self.db.execute("INSERT INTO texts (hash, data) VALUES (%s, %s) ON CONFLICT (hash) DO NOTHING",
                        (content_hash, data))
        self.db.execute("UPDATE files SET done = true, hash = %s, worker = NULL WHERE id = %s",
                        (content_hash, file_id))

    def failed(self, file_id: str, error: dict) -> None:
        self.db.execute("UPDATE files SET done = true, error = %s::jsonb, worker = NULL WHERE id = %s",
                        (self.store.jsonb(error), file_id))

    def release(self, file_id: str) -> None:
        """Give a claimed file back undone (the poll stopped): the next claim takes it."""
        self.db.execute(f"WITH freed AS (UPDATE files SET worker = NULL WHERE id = %s AND worker = pg_backend_pid() "
                        f"AND NOT done RETURNING 1) SELECT pg_notify('{CHANNEL}', '') FROM freed", (file_id,))

    def forget(self, file_id: str) -> None:
        self.db.execute("DELETE FROM files WHERE id = %s", (file_id,))

    def listener(self) -> Listener:
        """A Listener on a connection of its own (the caller closes it)."""
        return self.store.listener(CHANNEL)

    def waiting(self) -> int:
        return self.db.execute(f"SELECT count(*) FROM files f WHERE {_FREE}").fetchone()[0]
