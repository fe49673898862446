"""The SQLite store (the default): one file, `watcher.db`, one row per document.

Why not TinyDB for this: TinyDB holds its whole file in memory and rewrites it whole on every write.
At 100,000 documents that is 800 MB of memory and seconds per `run --once` just to load (README,
Performance). Here a cycle reads and writes only the rows it touches.

Everything a cycle writes is one transaction, committed at `flush()`: documents, alerts and cursors
become durable together, so a crash can never leave a cursor past a document, or a document without
the alerts it owed. Deliveries are the exception: they go to outbox.log at once (see _outboxlog.py)
and are folded in here at the next flush.

Texts stay outside, content-addressed gzip files, as with TinyDB (_local.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from ..model import Alert, StoredDocument
from ._kinds import KeyedState
from ._base import SCHEMA_VERSION, StoreError, refuse_schema
from ._local import LocalStore, file_identity, outbox_cutoff

FILENAME = "watcher.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    text_pending INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source ON documents (source);
CREATE INDEX IF NOT EXISTS documents_text_pending ON documents (source, key) WHERE text_pending;
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    how TEXT NOT NULL DEFAULT '',
    sent_at TEXT NOT NULL DEFAULT '',
    alert TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (created, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS outbox_sent ON outbox (sent_at) WHERE status = 'sent';
CREATE TABLE IF NOT EXISTS state (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""
# Schema 2: the mirror (sources/tweedekamer/mirror.py). `entity_refs` finds an entity's children.
MIRROR = """
CREATE TABLE IF NOT EXISTS entities (
    category TEXT NOT NULL,
    id TEXT NOT NULL,
    parents TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (category, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_refs (
    parent TEXT NOT NULL,
    category TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (parent, category, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS marks (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""


class SqliteStore(KeyedState, LocalStore):
    def __init__(self, state_dir, readonly: bool = False):
        """`readonly`: for `watcher status` beside a running watcher: reads, never writes, takes no lock."""
        self.dir = Path(state_dir)
        self.readonly = readonly
        self.path = self.dir / FILENAME
        self._unfolded: set[str] = set()  # read-only: sends outbox.log confirmed that the tables do not show yet
        try:
            self.db = self._connect()
            self._check_schema()
        except sqlite3.DatabaseError as e:
            raise StoreError(_open_problem(self.path, e)) from None
        except OSError as e:
            raise StoreError(f"cannot use the state directory {self.dir}: {e.strerror or e}") from None
        try:
            self._open_files(self.dir, readonly)
        except OSError as e:
            self.db.close()
            raise StoreError(f"cannot use {self.dir / 'outbox.log'}: {e.strerror or e} (the state directory must "
                             "be writable by this user)") from None
        self._file_id = None if readonly else file_identity(self.path)

    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            if not self.path.exists():
                return _empty()
            try:
                db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
                db.execute("PRAGMA user_version").fetchone()
                return db
            except sqlite3.OperationalError:
                # A read-only folder (a read-only mount, another user's state): WAL mode needs its -shm file,
                # which SQLite cannot make here. With no -wal file there is nothing beyond the main file to
                # read, so it can be read as it is.
                if Path(f"{self.path}-wal").exists():
                    raise
                return sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        # WAL: `watcher status` reads beside a writer. FULL: a commit is on disk when it returns, because
        # outbox.log is emptied right after it.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def _check_schema(self) -> None:
        # The version and the tables in one statement, so one snapshot: a reader beside a writer that is
        # creating the state must not see the version from before the commit and the tables from after.
        found, tables = self.db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT count(*) FROM sqlite_master WHERE type = 'table')").fetchone()
        if found == SCHEMA_VERSION:
            return
        if found == 1:
            if self.readonly:
                return  # a reader before the writer moved it forward: nothing in the mirror yet
            # Schema 1 (before the SyncFeed) gains the mirror's tables; everything it had stays as it is.
            self.db.executescript(f"BEGIN; {MIRROR} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            return
        if found == 0:
            if tables:
                raise StoreError(f"{self.path} holds tables but no schema version: it is not a watcher state "
                                 "database, or it is damaged; point state_dir elsewhere")
            if self.readonly:
                # A writer is creating it this very moment: as far as a reader knows, nothing is stored yet.
                self.db.close()
                self.db = _empty()
                return
            # One transaction, so a reader sees either no tables or all of them with their version.
            self.db.executescript(f"BEGIN; {SCHEMA} {MIRROR} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            return
        refuse_schema(found, self.dir)

    # ------------------------------------------------------------ documents
    def document(self, key: str) -> StoredDocument | None:
        row = self.db.execute("SELECT data FROM documents WHERE key = ?", (key,)).fetchone()
        return StoredDocument.from_dict(json.loads(row[0])) if row else None

    def put_document(self, doc: StoredDocument) -> None:
        self.db.execute("INSERT OR REPLACE INTO documents (key, source, text_pending, data) VALUES (?, ?, ?, ?)",
                        (doc.key, doc.source, int(doc.text_pending),
                         json.dumps(doc.to_dict(), ensure_ascii=False, separators=(",", ":"))))
        self.db.executemany("INSERT OR REPLACE INTO aliases (alias, key) VALUES (?, ?)",
                            ((alias, doc.key) for alias in doc.meta.aliases))

    def find_alias(self, alias: str) -> str | None:
        row = self.db.execute("SELECT key FROM aliases WHERE alias = ?", (alias,)).fetchone()
        return row[0] if row else None

    def pending_texts(self, source: str) -> list[StoredDocument]:
        rows = self.db.execute("SELECT data FROM documents WHERE source = ? AND text_pending ORDER BY key",
                               (source,))
        return [StoredDocument.from_dict(json.loads(data)) for data, in rows]

    def all_documents(self, soorten: tuple[str, ...] = ()):
        if soorten:  # chosen by SQLite, so a status of 100,000 documents reads only the few it needs
            rows = self.db.execute(
                f"SELECT data FROM documents WHERE lower(json_extract(data, '$.meta.soort')) IN "
                f"({', '.join('?' * len(soorten))}) ORDER BY key", [s.lower() for s in soorten])
        else:
            rows = self.db.execute("SELECT data FROM documents ORDER BY key")
        for (data,) in rows:
            yield StoredDocument.from_dict(json.loads(data))

    def count_documents(self, source: str | None = None) -> int:
        if source is None:
            return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM documents WHERE source = ?", (source,)).fetchone()[0]

    # ------------------------------------------------------------ cursors, health, chat rules
    def _get(self, kind: str, key: str):
        row = self.db.execute("SELECT value FROM state WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def _set(self, kind: str, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO state (kind, key, value) VALUES (?, ?, ?)",
                        (kind, key, json.dumps(value, ensure_ascii=False)))

    def _all(self, kind: str) -> dict:
        return {key: json.loads(value) for key, value in self.db.execute(
            "SELECT key, value FROM state WHERE kind = ? ORDER BY key", (kind,))}

    # ------------------------------------------------------------ the mirror
    def _mirror_rows(self, query: str, args: tuple):
        try:
            return self.db.execute(query, args)
        except sqlite3.OperationalError:
            if self.readonly:  # a state of schema 1, read before a writer moved it forward
                return iter(())
            raise

    def entity(self, category: str, ident: str) -> dict | None:
        row = next(iter(self._mirror_rows("SELECT data FROM entities WHERE category = ? AND id = ?",
                                          (category, ident))), None)
        return json.loads(row[0]) if row else None

    def put_entity(self, category: str, ident: str, data: dict, parents: list[str]) -> None:
        old = self.db.execute("SELECT parents FROM entities WHERE category = ? AND id = ?", (category, ident)).fetchone()
        if old is not None and json.loads(old[0]) != parents:
            self.db.execute("DELETE FROM entity_refs WHERE category = ? AND id = ? AND parent IN "
                            "(SELECT value FROM json_each(?))", (category, ident, old[0]))
        self.db.execute("INSERT OR REPLACE INTO entities (category, id, parents, data) VALUES (?, ?, ?, ?)",
                        (category, ident, json.dumps(parents), json.dumps(data, ensure_ascii=False, separators=(",", ":"))))
        if old is None or json.loads(old[0]) != parents:
            self.db.executemany("INSERT OR IGNORE INTO entity_refs (parent, category, id) VALUES (?, ?, ?)",
                                ((p, category, ident) for p in parents))

    def children(self, category: str, parent: str) -> list[dict]:
        # From the few refs to their rows: SQLite would otherwise start from every entity of the category.
        return [json.loads(data) for data, in self._mirror_rows(
            "SELECT e.data FROM entity_refs r CROSS JOIN entities e ON e.category = r.category AND e.id = r.id "
            "WHERE r.parent = ? AND r.category = ? ORDER BY e.id", (parent, category))]

    def entities(self, category: str):
        for data, in self._mirror_rows("SELECT data FROM entities WHERE category = ? ORDER BY id", (category,)):
            yield json.loads(data)

    def count_entities(self) -> int:
        return next(iter(self._mirror_rows("SELECT count(*) FROM entities", ())), (0,))[0]

    def touched(self, kind: str) -> dict[str, int]:
        return dict(self._mirror_rows("SELECT key, seq FROM marks WHERE kind = ?", (kind,)))

    def set_touched(self, kind: str, marks: dict[str, int]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO marks (kind, key, seq) VALUES (?, ?, ?)",
                            ((kind, key, seq) for key, seq in marks.items()))

    def mirror_rows(self):
        for category, ident, data, parents in self._mirror_rows(
                "SELECT category, id, data, parents FROM entities ORDER BY category, id", ()):
            yield category, ident, json.loads(data), json.loads(parents)

    def touched_rows(self):
        yield from self._mirror_rows("SELECT kind, key, seq FROM marks ORDER BY kind, key", ())

    def drop_touched(self, kind: str, keys: list[str]) -> None:
        self.db.executemany("DELETE FROM marks WHERE kind = ? AND key = ?", ((kind, key) for key in keys))

    # ------------------------------------------------------------ outbox
    def enqueue(self, alert: Alert) -> bool:
        added = self.db.execute(
            "INSERT OR IGNORE INTO outbox (id, created, status, alert) VALUES (?, ?, 'pending', ?)",
            (alert.id, alert.created or "", json.dumps(alert.to_dict(), ensure_ascii=False)))
        return added.rowcount == 1

    def recent_sent(self, subscriber: str, limit: int, how: str = "telegram") -> list[Alert]:
        rows = self.db.execute(
            "SELECT alert FROM outbox WHERE status = 'sent' AND json_extract(alert, '$.subscriber') = ? "
            "AND how LIKE ? ORDER BY sent_at DESC, id DESC LIMIT ?", (subscriber, how + "%", limit))
        return [Alert.from_dict(json.loads(data)) for data, in rows]

    def forget_alerts(self, subscriber: str) -> int:
        return self.db.execute("DELETE FROM outbox WHERE json_extract(alert, '$.subscriber') = ?",
                               (subscriber,)).rowcount

    def pending_alerts(self) -> list[Alert]:
        rows = self.db.execute("SELECT id, alert FROM outbox WHERE status = 'pending' ORDER BY created, id")
        return [Alert.from_dict(json.loads(data)) for alert_id, data in rows if alert_id not in self._unfolded]

    def count_pending_alerts(self) -> int:
        pending = self.db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
        return pending - len(self._unfolded)

    def _is_pending(self, alert_id: str) -> bool:
        if alert_id in self._unfolded:
            return False
        row = self.db.execute("SELECT status FROM outbox WHERE id = ?", (alert_id,)).fetchone()
        return row is not None and row[0] == "pending"

    def _set_sent(self, alert_id: str, how: str, when: str) -> None:
        if self.readonly:
            # A reader never writes (`watcher status` right after a crash, or on a read-only mount): what
            # outbox.log confirmed is kept in memory, and the writer folds it in at its next flush.
            if self._is_pending(alert_id):
                self._unfolded.add(alert_id)
            return
        self.db.execute("UPDATE outbox SET status = 'sent', how = ?, sent_at = ? WHERE id = ? AND status = 'pending'",
                        (how, when, alert_id))

    def _set_parts(self, alert_id: str, done: int) -> None:
        if self.readonly:
            return  # a reader never sends
        self.db.execute("UPDATE outbox SET alert = json_set(alert, '$.parts_sent', ?) WHERE id = ? AND status = 'pending'",
                        (done, alert_id))

    def state_rows(self):
        for kind, key, value in self.db.execute("SELECT kind, key, value FROM state ORDER BY kind, key"):
            yield kind, key, json.loads(value)

    def outbox_rows(self):
        for alert_id, status, how, sent_at, data in self.db.execute(
                "SELECT id, status, how, sent_at, alert FROM outbox ORDER BY created, id"):
            if alert_id in self._unfolded:  # outbox.log says sent, the tables not yet
                status = "sent"
            yield Alert.from_dict(json.loads(data)), status, how, sent_at

    # ------------------------------------------------------------ durability
    def flush(self) -> None:
        if self.readonly:
            raise StoreError("this store was opened read-only")
        # Old sent alerts go in the same transaction; the index makes it cost what it deletes, not the outbox.
        self.db.execute("DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?", (outbox_cutoff(),))
        self._verify_place()
        if file_identity(self.path) != self._file_id:
            raise StoreError(f"{self.path} was removed or replaced while watcher ran: stopping, so that nothing "
                             "is written where no one will read it (restore it, then start watcher again)")
        # Texts first, then the rows that point at them (documents, alerts, cursors: one commit).
        self.texts.sync()
        self.db.commit()
        self._log_folded()

    def rollback(self) -> None:
        self.db.rollback()
        self._fold_log()

    def close(self) -> None:
        super().close()
        self.db.close()  # uncommitted work is rolled back: as if the process had died here


def _open_problem(path: Path, error: sqlite3.DatabaseError) -> str:
    """What to say when the database cannot be opened: damage only when SQLite says the file is damaged."""
    if getattr(error, "sqlite_errorname", "") in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return (f"{path} is not a readable SQLite database ({error}). watcher commits it atomically, so it was "
                "changed by something else: restore it from a backup, or move the state directory away to "
                "start afresh")
    if Path(f"{path}-wal").exists() and not os.access(path.parent, os.W_OK):
        return (f"{path} cannot be read here ({error}): its latest commits are in {path.name}-wal, which SQLite "
                "reads only where it may write beside it; run this where the state directory is writable")
    return (f"{path} cannot be opened: {error} (the state directory must be readable, and for a running "
            "watcher writable, by this user, with space left)")


def _empty() -> sqlite3.Connection:
    """A database in memory with the schema and nothing in it: what a reader sees before the first write."""
    db = sqlite3.connect(":memory:")
    db.executescript(f"{SCHEMA} {MIRROR} PRAGMA user_version = {SCHEMA_VERSION};")
    return db
