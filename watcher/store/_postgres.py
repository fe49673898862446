"""The PostgreSQL store (`store: postgresql`, `dsn:` or $WATCHER_DSN): the state of the SQLite store, in a
database that several machines can reach and that its operator already backs up.

Everything a cycle writes is one transaction on one connection, committed at `flush()`, as with SQLite:
documents, their texts, alerts and cursors become durable together. Deliveries are the exception, as
there: each mark (send started, parts accepted, sent) is a row of `sends` written at once on a second,
autocommitting connection, which is what outbox.log is to the local stores. The cycle's transaction folds
those rows into the outbox at its next flush. A mark never waits for the cycle's transaction, and never
holds a lock it needs.

Texts are in the database too (gzip'd JSON in a bytea column, by content hash), not in a folder: a folder
on one machine is not there for a watcher on another (README, The store).

The schema is made and moved forward by watcher itself: `watcher_schema` holds the version, MIGRATIONS the
steps, applied in one transaction under an advisory lock, so two watchers starting at once do it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import logging
import os
import re
import socket

from ..model import Alert, Document, StoredDocument
from ._kinds import KeyedState
from ._base import Store, StoreError, StoreRefused
from ._local import now, outbox_cutoff
from ._pgfiles import SharedFiles
from ._pglisten import Listener

log = logging.getLogger("watcher")

# Step N moves the schema from version N to N + 1. A step is never edited once released: add one.
MIGRATIONS = [
    """
    CREATE TABLE documents (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        text_pending BOOLEAN NOT NULL DEFAULT false,
        soort TEXT NOT NULL DEFAULT '',
        data JSONB NOT NULL
    );
    CREATE INDEX documents_source ON documents (source);
    CREATE INDEX documents_text_pending ON documents (source, key) WHERE text_pending;
    CREATE INDEX documents_soort ON documents (lower(soort));
    CREATE TABLE aliases (alias TEXT PRIMARY KEY, key TEXT NOT NULL);
    CREATE TABLE texts (hash TEXT PRIMARY KEY, data BYTEA NOT NULL);
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        subscriber TEXT NOT NULL,
        status TEXT NOT NULL,
        how TEXT NOT NULL DEFAULT '',
        sent_at TEXT NOT NULL DEFAULT '',
        alert JSONB NOT NULL
    );
    CREATE INDEX outbox_pending ON outbox (created, id) WHERE status = 'pending';
    CREATE INDEX outbox_sent ON outbox (sent_at) WHERE status = 'sent';
    CREATE INDEX outbox_subscriber ON outbox (subscriber);
    CREATE TABLE sends (
        n BIGSERIAL PRIMARY KEY,
        alert_id TEXT NOT NULL,
        mark TEXT NOT NULL,
        how TEXT NOT NULL DEFAULT '',
        done INTEGER NOT NULL DEFAULT 0,
        at TEXT NOT NULL
    );
    CREATE INDEX sends_alert ON sends (alert_id);
    CREATE TABLE state (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        value JSONB NOT NULL,
        PRIMARY KEY (kind, key)
    );
    """,
    # Files wanted by a poller, downloaded and extracted by whichever watcher is free (_pgfiles.py).
    """
    CREATE TABLE files (
        id TEXT PRIMARY KEY,
        n BIGSERIAL,
        source TEXT NOT NULL,
        spec JSONB NOT NULL,
        worker INTEGER,
        done BOOLEAN NOT NULL DEFAULT false,
        hash TEXT NOT NULL DEFAULT '',
        error JSONB,
        created TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX files_open ON files (n) WHERE NOT done;
    """,
    # The mirror of a source's upstream entities and what their changes touched (sources/tweedekamer/mirror.py).
    """
    CREATE TABLE entities (
        category TEXT NOT NULL,
        id TEXT NOT NULL,
        parents TEXT[] NOT NULL,
        data JSONB NOT NULL,
        PRIMARY KEY (category, id)
    );
    CREATE TABLE entity_refs (
        parent TEXT NOT NULL,
        category TEXT NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (parent, category, id)
    );
    CREATE TABLE touched (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS) + 1  # an empty database is version 1
_MIGRATING = 0x77617463  # advisory lock key while the schema is made or moved forward ("watc")
_WRITES = 0x77617464  # transaction advisory lock key: one watcher at a time changes what others read (writing)
_MEMBER = "watcher run "  # the application_name of a running watcher's connection (join)
OUTBOX = "watcher_outbox"  # what a committed page with new alerts says (NOTIFY), for the sender
TIMEOUT = 30.0  # seconds a call may wait for the server, by default (`database_timeout:`)


def _role_key(name: str) -> int:
    """A role's advisory lock key: 63 bits of a hash of its name, so no two roles share one."""
    return int.from_bytes(hashlib.sha256(f"watcher role {name}".encode()).digest()[:8], "big") >> 1


def _safe(dsn: str) -> str:
    """The DSN as it may be shown: without its password."""
    try:
        from psycopg.conninfo import conninfo_to_dict, make_conninfo
        parts = conninfo_to_dict(dsn)
    except Exception:  # not a DSN psycopg can read: say nothing of it
        return "(the configured dsn)"
    if "password" in parts:
        parts["password"] = "***"
    return make_conninfo(**parts)


class PostgresStore(KeyedState, Store):
    SCHEMA = SCHEMA_VERSION
    TIMEOUT = TIMEOUT
    _told_privilege = False

    def __init__(self, dsn: str, readonly: bool = False, timeout: float = TIMEOUT):
        """`timeout`: how long a call may wait for the server (`database_timeout:`, _pgconn.py)."""
        try:
            import psycopg

            from . import _pgconn
        except ImportError:
            raise StoreError("`store: postgresql` needs psycopg: pip install 'psycopg[binary]'") from None
        if not dsn:
            raise StoreError("`store: postgresql` needs a database: set `dsn:` in sources.yaml or $WATCHER_DSN "
                             "(e.g. postgresql://watcher@localhost/watcher)")
        self.readonly, self.timeout = readonly, timeout
        self.where = _safe(dsn)
        # Both connections of this process end in the same "host:pid": a watcher that stalls is ended whole (beat).
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        try:
            self.db = _Guarded(_pgconn.connect(dsn, False, timeout, f"watcher {self.me}"), self.where)
            self.marks = _Guarded(_pgconn.connect(dsn, True, timeout, f"watcher {self.me}"), self.where)
        except psycopg.Error as e:
            raise StoreError(f"cannot reach the database {self.where}: {' '.join(str(e).split())} (is PostgreSQL "
                             "running, and may this user connect?)") from None
        self._listen = lambda: _pgconn.connect(dsn, True, timeout, f"watcher listen {self.me}")
        try:
            self._migrate()
            self.files = SharedFiles(self)
            if readonly:
                self.db.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                self.db.commit()
            self._in_flight = self._started_not_sent()
        except BaseException:
            self.db.close()
            self.marks.close()
            raise

    # ------------------------------------------------------------ schema
    def _migrate(self) -> None:
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATING,))
            self.db.execute("CREATE TABLE IF NOT EXISTS watcher_schema (version INTEGER NOT NULL)")
            row = self.db.execute("SELECT version FROM watcher_schema").fetchone()
            found = row[0] if row else 1
            if found > SCHEMA_VERSION:
                raise StoreError(f"{self.where} was written by a newer watcher (schema {found}, this one knows "
                                 f"{SCHEMA_VERSION}): upgrade watcher")
            for step in MIGRATIONS[found - 1:]:
                self.db.execute(step)
            if row is None:
                self.db.execute("INSERT INTO watcher_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
            else:
                self.db.execute("UPDATE watcher_schema SET version = %s", (SCHEMA_VERSION,))

    # ------------------------------------------------------------ several watchers on one database
    # Roles (roles.py) are session advisory locks on the autocommitting connection: the server lets them go
    # the moment their holder's connection ends, a SIGKILL or a lost machine included, and another watcher
    # takes them at its next look. Who took one says so in a row of `state` (kind 'role'), for `watcher status`.

    def join(self) -> None:
        """Be counted among the watchers that share the roles (`watchers()`): a `watcher run`, not a reader."""
        self.marks.execute("SELECT set_config('application_name', %s, false)", (f"{_MEMBER}{self.me}",))

    def beat(self) -> list[str]:
        """Say this watcher is alive (any call on the marks' connection does), and end every session of a
        watcher that holds a lock here (a role, the write lock) and has said nothing for three timeouts: it
        is cut off (_pgconn.py), and its roles are free for the next look. Returns the "host:pid" of those
        ended. A watcher alive calls this every third of a timeout, and no call of its waits longer than one."""
        from psycopg import errors
        try:
            rows = self.marks.execute(
                "WITH stalled AS (SELECT DISTINCT substring(a.application_name FROM '[^ ]+$') AS who "
                "  FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted "
                "  WHERE a.datname = current_database() AND a.application_name LIKE 'watcher %%' "
                "  AND a.application_name NOT LIKE %(mine)s "
                "  AND a.state_change < now() - make_interval(secs => %(after)s)) "
                "SELECT s.who, bool_and(pg_terminate_backend(a.pid)) FROM stalled s JOIN pg_stat_activity a "
                "  ON a.datname = current_database() AND a.application_name LIKE 'watcher %%' "
                "  AND substring(a.application_name FROM '[^ ]+$') = s.who GROUP BY s.who ORDER BY s.who",
                {"mine": f"% {self.me}", "after": 3 * self.timeout}).fetchall()
        except errors.InsufficientPrivilege as e:  # the stalled one connects as another database user
            if not self._told_privilege:
                log.warning("cannot end the sessions of a watcher that stopped answering (%s): let every watcher "
                            "connect as the same database user", str(e).strip())
                self._told_privilege = True
            return []
        return [who for who, _ in rows]

    def watchers(self) -> int:
        """How many `watcher run` processes are connected to this database now."""
        return self.marks.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE %s",
            (_MEMBER + "%",)).fetchone()[0]

    def take_role(self, name: str) -> bool:
        if not self.marks.execute("SELECT pg_try_advisory_lock(%s)", (_role_key(name),)).fetchone()[0]:
            return False
        self.marks.execute(
            "INSERT INTO state (kind, key, value) VALUES ('role', %s, %s::jsonb) "
            "ON CONFLICT (kind, key) DO UPDATE SET value = EXCLUDED.value",
            (name, _json({"host": socket.gethostname(), "pid": os.getpid(), "since": now()})))
        if name == "sender":
            self._in_flight = self._started_not_sent()  # what the last sender left half-sent
        return True

    def drop_role(self, name: str) -> None:
        self.marks.execute("SELECT pg_advisory_unlock(%s)", (_role_key(name),))

    def role_holder(self, name: str) -> dict | None:
        """Who holds a role, as they said when they took it; None if no one holds it now."""
        key = _role_key(name)
        held = self.marks.execute(
            "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s "
            "AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (key >> 32, key & 0xFFFFFFFF)).fetchone()[0]
        if not held:
            return None
        row = self.marks.execute("SELECT value FROM state WHERE kind = 'role' AND key = %s", (name,)).fetchone()
        return row[0] if row else {"host": "?", "pid": "?", "since": "?"}

    def writing(self) -> bool:
        """Take the database's write lock for this transaction if it is free (True if taken or held already).
        Every watcher takes it before it reads what it is about to change (Store.write_lock): two watchers
        never interleave read-modify-writes, and no two transactions wait on each other's rows."""
        return self.db.execute("SELECT pg_try_advisory_xact_lock(%s)", (_WRITES,)).fetchone()[0]

    def lock_writes(self) -> None:
        """The write lock, waited for (`watcher migrate`, which runs alone and briefly)."""
        self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITES,))

    def write_lock(self):
        return _WriteLock(self)

    shared = True  # several watchers may write at once: each page is committed as it is applied

    def rules_version(self) -> int:
        """Moves whenever a chat's rules change, whichever watcher changed them: a poller in another process
        takes the new rules at its next cycle (engine.rules.LiveRules.changed_elsewhere)."""
        row = self.marks.execute("SELECT value FROM state WHERE kind = 'rules' AND key = 'version'").fetchone()
        return int(row[0]) if row else 0

    def set_chat_rules(self, rules: dict, moved: bool = True) -> None:
        super().set_chat_rules(rules)
        if not moved:
            return  # nothing the matchers of other processes read
        self.db.execute("INSERT INTO state (kind, key, value) VALUES ('rules', 'version', '1'::jsonb) "
                        "ON CONFLICT (kind, key) DO UPDATE SET value = to_jsonb(state.value::text::bigint + 1)")

    # ------------------------------------------------------------ documents
    def document(self, key: str) -> StoredDocument | None:
        row = self.db.execute("SELECT data FROM documents WHERE key = %s", (key,)).fetchone()
        return StoredDocument.from_dict(row[0]) if row else None

    def put_document(self, doc: StoredDocument) -> None:
        self.db.execute(
            "INSERT INTO documents (key, source, text_pending, soort, data) VALUES (%s, %s, %s, %s, %s::jsonb) "
            "ON CONFLICT (key) DO UPDATE SET source = EXCLUDED.source, text_pending = EXCLUDED.text_pending, "
            "soort = EXCLUDED.soort, data = EXCLUDED.data",
            (doc.key, doc.source, doc.text_pending, doc.meta.soort.replace("\x00", "\ufffd"), _json(doc.to_dict())))
        if doc.meta.aliases:
            with mapped(self.where, self.db), self.db.cursor() as cursor:
                cursor.executemany("INSERT INTO aliases (alias, key) VALUES (%s, %s) "
                                   "ON CONFLICT (alias) DO UPDATE SET key = EXCLUDED.key",
                                   [(alias, doc.key) for alias in doc.meta.aliases])

    def find_alias(self, alias: str) -> str | None:
        row = self.db.execute("SELECT key FROM aliases WHERE alias = %s", (alias,)).fetchone()
        return row[0] if row else None

    def pending_texts(self, source: str) -> list[StoredDocument]:
        rows = self.db.execute("SELECT data FROM documents WHERE source = %s AND text_pending ORDER BY key",
                               (source,))
        return [StoredDocument.from_dict(data) for data, in rows]

    def all_documents(self, soorten: tuple[str, ...] = ()):
        # A named cursor streams the rows: 100,000 documents are not all held at once.
        with mapped(self.where, self.db), self.db.cursor(name="all_documents") as cursor:
            if soorten:
                cursor.execute("SELECT data FROM documents WHERE lower(soort) = ANY(%s) ORDER BY key",
                               ([s.lower() for s in soorten],))
            else:
                cursor.execute("SELECT data FROM documents ORDER BY key")
            for (data,) in cursor:
                yield StoredDocument.from_dict(data)

    def count_documents(self, source: str | None = None) -> int:
        if source is None:
            return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM documents WHERE source = %s", (source,)).fetchone()[0]

    # ------------------------------------------------------------ texts
    @staticmethod
    def packed(doc: Document) -> tuple[str, bytes]:
        """A text as it is kept: its content hash, and its JSON gzip'd."""
        return doc.content_hash(), gzip.compress(json.dumps(doc.to_dict(), ensure_ascii=False).encode(),
                                                 compresslevel=3, mtime=0)

    @staticmethod
    def jsonb(value) -> str:
        """A value as this store writes it into a jsonb column (see _json)."""
        return _json(value)

    def put_text(self, doc: Document) -> str:
        content_hash, data = self.packed(doc)
        self.db.execute("INSERT INTO texts (hash, data) VALUES (%s, %s) ON CONFLICT (hash) DO NOTHING",
                        (content_hash, data))
        return content_hash

    def text(self, content_hash: str) -> Document | None:
        if not content_hash:
            return None
        row = self.db.execute("SELECT data FROM texts WHERE hash = %s", (content_hash,)).fetchone()
        return Document.from_dict(json.loads(gzip.decompress(row[0]))) if row else None

    # ------------------------------------------------------------ cursors, health, questions, chats
    def _get(self, kind: str, key: str):
        row = self.db.execute("SELECT value FROM state WHERE kind = %s AND key = %s", (kind, key)).fetchone()
        return row[0] if row else None

    def _set(self, kind: str, key: str, value) -> None:
        self.db.execute("INSERT INTO state (kind, key, value) VALUES (%s, %s, %s::jsonb) "
                        "ON CONFLICT (kind, key) DO UPDATE SET value = EXCLUDED.value", (kind, key, _json(value)))

    def _all(self, kind: str) -> dict:
        return dict(self.db.execute("SELECT key, value FROM state WHERE kind = %s ORDER BY key", (kind,)).fetchall())

    # ------------------------------------------------------------ the mirror
    def entity(self, category: str, ident: str) -> dict | None:
        row = self.db.execute("SELECT data FROM entities WHERE category = %s AND id = %s", (category, ident)).fetchone()
        return row[0] if row else None

    def put_entity(self, category: str, ident: str, data: dict, parents: list[str]) -> None:
        old = self.db.execute("SELECT parents FROM entities WHERE category = %s AND id = %s",
                              (category, ident)).fetchone()
        if old is not None and list(old[0]) != parents:
            self.db.execute("DELETE FROM entity_refs WHERE category = %s AND id = %s AND parent = ANY(%s)",
                            (category, ident, list(old[0])))
        self.db.execute("INSERT INTO entities (category, id, parents, data) VALUES (%s, %s, %s, %s::jsonb) "
                        "ON CONFLICT (category, id) DO UPDATE SET parents = EXCLUDED.parents, data = EXCLUDED.data",
                        (category, ident, parents, _json(data)))
        if parents and (old is None or list(old[0]) != parents):
            with mapped(self.where, self.db), self.db.cursor() as cursor:
                cursor.executemany("INSERT INTO entity_refs (parent, category, id) VALUES (%s, %s, %s) "
                                   "ON CONFLICT DO NOTHING", [(p, category, ident) for p in parents])

    def children(self, category: str, parent: str) -> list[dict]:
        return [data for data, in self.db.execute(
            "SELECT e.data FROM entity_refs r JOIN entities e ON e.category = r.category AND e.id = r.id "
            "WHERE r.parent = %s AND r.category = %s ORDER BY e.id", (parent, category))]

    def entities(self, category: str):
        for data, in self.db.execute("SELECT data FROM entities WHERE category = %s ORDER BY id", (category,)).fetchall():
            yield data

    def count_entities(self) -> int:
        return self.db.execute("SELECT count(*) FROM entities").fetchone()[0]

    def touched(self, kind: str) -> dict[str, int]:
        return dict(self.db.execute("SELECT key, seq FROM touched WHERE kind = %s", (kind,)).fetchall())

    def set_touched(self, kind: str, marks: dict[str, int]) -> None:
        with mapped(self.where, self.db), self.db.cursor() as cursor:
            cursor.executemany("INSERT INTO touched (kind, key, seq) VALUES (%s, %s, %s) "
                               "ON CONFLICT (kind, key) DO UPDATE SET seq = EXCLUDED.seq",
                               [(kind, key, seq) for key, seq in marks.items()])

    def mirror_rows(self):
        for category, ident, data, parents in self.db.execute(
                "SELECT category, id, data, parents FROM entities ORDER BY category, id").fetchall():
            yield category, ident, data, list(parents)

    def touched_rows(self):
        yield from self.db.execute("SELECT kind, key, seq FROM touched ORDER BY kind, key").fetchall()

    def drop_touched(self, kind: str, keys: list[str]) -> None:
        self.db.execute("DELETE FROM touched WHERE kind = %s AND key = ANY(%s)", (kind, list(keys)))

    # ------------------------------------------------------------ outbox
    def enqueue(self, alert: Alert) -> bool:
        # Said on OUTBOX as the page commits (a NOTIFY waits for its transaction; one a transaction is said once):
        # the sender, in another process perhaps, sends at once instead of looking every few seconds.
        added = self.db.execute(
            "WITH added AS (INSERT INTO outbox (id, created, subscriber, status, alert) "
            "VALUES (%s, %s, %s, 'pending', %s::jsonb) ON CONFLICT (id) DO NOTHING RETURNING 1) "
            f"SELECT pg_notify('{OUTBOX}', '') FROM added",
            (alert.id, alert.created or "", alert.subscriber, _json(alert.to_dict())))
        return added.rowcount == 1

    def outbox_listener(self) -> Listener:
        return self.listener(OUTBOX)

    def listener(self, channel: str) -> Listener:
        """What is said on `channel` (NOTIFY), heard on a connection of this watcher's own (the caller closes it)."""
        return Listener(self._listen, channel)

    # A mark in `sends` not yet folded into the outbox counts as if it were.
    _SENT = "EXISTS (SELECT 1 FROM sends s WHERE s.alert_id = o.id AND s.mark = 'sent')"

    def pending_alerts(self) -> list[Alert]:
        rows = self.db.execute(
            f"SELECT o.alert, (SELECT max(done) FROM sends s WHERE s.alert_id = o.id AND s.mark = 'part') "
            f"FROM outbox o WHERE o.status = 'pending' AND NOT {self._SENT} ORDER BY o.created, o.id")
        out = []
        for data, done in rows:
            alert = Alert.from_dict(data)
            alert.parts_sent = max(alert.parts_sent, done or 0)
            out.append(alert)
        return out

    def count_pending_alerts(self) -> int:
        return self.db.execute(f"SELECT count(*) FROM outbox o WHERE o.status = 'pending' AND NOT {self._SENT}"
                               ).fetchone()[0]

    def recent_sent(self, subscriber: str, limit: int, how: str = "telegram") -> list[Alert]:
        rows = self.db.execute(
            "SELECT o.alert FROM outbox o LEFT JOIN sends s ON s.alert_id = o.id AND s.mark = 'sent' "
            "WHERE o.subscriber = %s AND (o.status = 'sent' AND o.how LIKE %s OR s.how LIKE %s) "
            "ORDER BY coalesce(nullif(o.sent_at, ''), s.at) DESC, o.id DESC LIMIT %s",
            (subscriber, how + "%", how + "%", limit))
        return [Alert.from_dict(data) for data, in rows]

    def forget_alerts(self, subscriber: str) -> int:
        return self.db.execute("DELETE FROM outbox WHERE subscriber = %s", (subscriber,)).rowcount

    def _mark(self, alert_id: str, mark: str, how: str = "", done: int = 0) -> None:
        if self.readonly:
            raise StoreError("this store was opened read-only")
        # Autocommit: durable when it returns, whatever becomes of the cycle's transaction.
        self.marks.execute("INSERT INTO sends (alert_id, mark, how, done, at) VALUES (%s, %s, %s, %s, %s)",
                           (alert_id, mark, how, done, now()))

    def mark_sending(self, alert_id: str) -> None:
        self._mark(alert_id, "sending")

    def mark_part(self, alert_id: str, done: int) -> None:
        self._mark(alert_id, "part", done=done)

    def mark_sent(self, alert_id: str, how: str) -> None:
        self._mark(alert_id, "sent", how=how)

    def in_flight(self) -> list[str]:
        return list(self._in_flight)

    def _started_not_sent(self) -> list[str]:
        rows = self.db.execute(
            "SELECT s.alert_id FROM sends s JOIN outbox o ON o.id = s.alert_id AND o.status = 'pending' "
            "WHERE s.mark = 'sending' AND NOT EXISTS (SELECT 1 FROM sends t WHERE t.alert_id = s.alert_id "
            "AND t.mark = 'sent') GROUP BY s.alert_id ORDER BY min(s.n)").fetchall()
        self.db.commit()
        return [alert_id for alert_id, in rows]

    @property
    def unfolded_sends(self) -> int:
        """Sends confirmed and not yet folded into the outbox (`watcher status` shows them)."""
        return self.marks.execute("SELECT count(*) FROM sends WHERE mark = 'sent'").fetchone()[0]

    def state_rows(self):
        # Not who runs (`role`) nor the rules' change counter: they are about the processes of now.
        yield from self.db.execute("SELECT kind, key, value FROM state WHERE kind NOT IN ('role', 'rules') "
                                   "ORDER BY kind, key")

    def outbox_rows(self):
        rows = self.db.execute(
            f"SELECT o.alert, CASE WHEN {self._SENT} THEN 'sent' ELSE o.status END, o.how, o.sent_at "
            "FROM outbox o ORDER BY o.created, o.id")
        for data, status, how, sent_at in rows:
            yield Alert.from_dict(data), status, how, sent_at

    def take_state(self, kind: str, key: str, value) -> None:
        """A state row as another store had it (`watcher migrate`)."""
        self._set(kind, key, value)

    def take_alert(self, alert: Alert, status: str, how: str, sent_at: str) -> None:
        """An outbox row as another store had it (`watcher migrate`)."""
        self.db.execute(
            "INSERT INTO outbox (id, created, subscriber, status, how, sent_at, alert) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (id) DO NOTHING",
            (alert.id, alert.created or "", alert.subscriber, status, how, sent_at, _json(alert.to_dict())))

    # ------------------------------------------------------------ durability
    def flush(self) -> None:
        if self.readonly:
            raise StoreError("this store was opened read-only")
        if self.writing():  # else another watcher is writing: the marks are folded at a later flush
            self._fold()
        self.db.commit()  # a server gone meanwhile is a StoreError (_Guarded); the next run reads it all again
        self._in_flight = []

    def _fold(self) -> None:
        upto = self.db.execute("SELECT coalesce(max(n), 0) FROM sends").fetchone()[0]
        # Fold the marks into the outbox, in this transaction: from here the outbox says it.
        self.db.execute(
            "UPDATE outbox o SET status = 'sent', how = s.how, sent_at = s.at FROM sends s "
            "WHERE s.alert_id = o.id AND s.mark = 'sent' AND s.n <= %s AND o.status = 'pending'", (upto,))
        self.db.execute(
            "UPDATE outbox o SET alert = jsonb_set(o.alert, '{parts_sent}', to_jsonb(p.done)) "
            "FROM (SELECT alert_id, max(done) AS done FROM sends WHERE mark = 'part' AND n <= %s "
            "GROUP BY alert_id) p WHERE p.alert_id = o.id AND o.status = 'pending'", (upto,))
        self.db.execute("DELETE FROM sends WHERE n <= %s", (upto,))
        self.db.execute("DELETE FROM outbox WHERE status = 'sent' AND sent_at < %s", (outbox_cutoff(),))
        # Files nobody came back for (their poller died, and the document has changed again since).
        self.db.execute("DELETE FROM files WHERE created < now() - interval '1 day'")

    def rollback(self) -> None:
        self.db.rollback()

    def close(self) -> None:
        for connection in (self.db, self.marks):
            try:
                connection.close()  # uncommitted work is rolled back: as if the process had died here
            except Exception:
                pass


class _WriteLock:
    """The page lock of a watcher on a shared database: this process's asyncio lock, then the database's write
    lock for the transaction (PostgresStore.writing), asked for again and again rather than waited for, so
    the event loop (the bot, the sends) goes on meanwhile. It is let go when the transaction commits: for
    that, each page is flushed as it is applied (`shared`)."""

    def __init__(self, store: PostgresStore):
        self._store = store
        self._here = asyncio.Lock()

    def locked(self) -> bool:
        return self._here.locked()

    async def __aenter__(self):
        await self._here.acquire()
        try:
            wait = 0.002
            while not self._store.writing():
                await asyncio.sleep(wait)
                wait = min(wait * 2, 0.05)
        except BaseException:
            self._here.release()
            raise
        return self

    async def __aexit__(self, kind, error, trace):
        try:
            # The write lock lasts as long as the transaction: end it here, whatever the section did (a bot
            # command that only read, too), or the other watchers wait for this one's next flush.
            from psycopg import pq  # here: psycopg is needed only by who uses this store
            if self._store.db.info.transaction_status != pq.TransactionStatus.IDLE:
                if kind is None:
                    self._store.flush()
                else:
                    self._store.rollback()  # as after a crash: what the section half did is not kept
        finally:
            self._here.release()


class _Guarded:
    """A connection whose lost server is a StoreError that says so, not a traceback: the watcher stops with
    the message, and whatever runs it starts it again (what was not committed is read again then). A value
    the database will not take is a StoreRefused: the page that brought it fails, the watcher goes on."""

    def __init__(self, connection, where: str):
        self._connection, self._where = connection, where

    def _guard(self, name):
        method = getattr(self._connection, name)

        def guarded(*args, **kwargs):
            with mapped(self._where, self._connection):
                return method(*args, **kwargs)
        return guarded

    def __getattr__(self, name):
        if name in ("execute", "commit", "rollback"):
            return self._guard(name)
        return getattr(self._connection, name)


@contextlib.contextmanager
def mapped(where: str, connection=None):
    """psycopg's errors as the store's: a server gone (StoreError), a value refused (StoreRefused). A
    `connection` cut off for want of an answer says so at every later call too, not "the connection is
    closed"."""
    import psycopg
    from psycopg import errors
    try:
        yield
    except (psycopg.DataError, errors.ProgramLimitExceeded) as e:  # before OperationalError: one of them
        raise StoreRefused(f"the database {where} refused a value: {str(e).strip().splitlines()[0]}") from None
    except psycopg.OperationalError as e:
        why = getattr(connection, "cut_off", "") or " ".join(str(e).split())
        raise StoreError(f"the database {where} cannot be used now: {why}; what was not committed is read "
                         "again when watcher runs next") from None


def _json(value) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if "\\u0000" in text:
        # jsonb cannot hold U+0000 (SQLite can): a NUL in upstream's metadata or a file's text becomes U+FFFD,
        # rather than a page that fails at every cycle. Only an escape of its own, not an escaped backslash
        # followed by "u0000".
        text = _NUL.sub(lambda m: m.group(1) + "\\ufffd", text)
    return text


_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")

