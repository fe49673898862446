"""The TinyDB store: for small installs and for state directories made before SQLite became the default.

Three TinyDB files, each written atomically once per flush, in this order:
- documents.json: documents (metadata and version list) and the alert outbox;
- mirror.json: the entities a source mirrors and the marks of what their changes touched (written only
  when they changed);
- state.json: schema version, cursors, source health, rules added in chat.
A crash between two leaves cursors behind the documents and the mirror, never ahead: the next cycle
re-reads a little, finds it unchanged, and every alert it owed is already in the outbox, every root its
entities touched still marked. A cycle with nothing new rewrites only the small state.json.

Deliveries are made durable at once in outbox.log (one fsync'd line each), then folded into
documents.json at the next flush.

TinyDB holds the whole file in memory and rewrites it at every flush: fine for thousands of documents,
not for a year of them (README, Performance). The SQLite store (_sqlite.py) has the same contract.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document as Row

from ..model import Alert, StoredDocument
from ._atomic import write_atomic
from ._base import SCHEMA_VERSION, StoreError, refuse_schema
from ._local import LocalStore, outbox_cutoff


class _KeyedTable:
    """A TinyDB table addressed by a unique text key, with an in-memory index and batched writes."""

    def __init__(self, db: TinyDB, name: str):
        self.table = db.table(name, cache_size=0)
        self.index: dict[str, int] = {}
        self.rows: dict[str, dict] = {}
        # The rows as the storage holds them, not table.all()'s copies: 100,000 documents are kept once.
        for doc_id, row in ((db.storage.read() or {}).get(name) or {}).items():
            self.index[row["key"]] = int(doc_id)
            self.rows[row["key"]] = row
        self.dirty: set[str] = set()
        self.removed: list[int] = []
        self._next_id = max(self.index.values(), default=0) + 1

    def get(self, key: str) -> dict | None:
        return self.rows.get(key)

    def put(self, key: str, row: dict) -> None:
        row = dict(row, key=key)
        self.rows[key] = row
        self.dirty.add(key)

    def delete(self, keys: list[str]) -> None:
        # Removed from the storage at write(), as puts are: a rollback before then brings them back.
        self.removed += [self.index.pop(k) for k in keys if k in self.index]
        for key in keys:
            self.rows.pop(key, None)
            self.dirty.discard(key)

    def __len__(self) -> int:
        return len(self.rows)

    def values(self):
        return self.rows.values()

    def write(self) -> None:
        """Hand every dirty row to TinyDB in two calls (one pass over the table each)."""
        if self.removed:
            self.table.remove(doc_ids=self.removed)
            self.removed = []
        if not self.dirty:
            return
        new, changed = [], {}
        for key in self.dirty:
            if key in self.index:
                changed[self.index[key]] = self.rows[key]
            else:
                self.index[key] = self._next_id
                new.append(Row(self.rows[key], doc_id=self._next_id))
                self._next_id += 1
        if new:
            self.table.insert_multiple(new)
        if changed:
            def replace(row: dict) -> None:
                fresh = self.rows[row["key"]]
                row.clear()
                row.update(fresh)
            self.table.update(replace, doc_ids=list(changed))
        self.dirty.clear()


class BufferedJSONStorage(Storage):
    """TinyDB storage that holds the database in memory and writes it only on `flush()`.

    TinyDB rewrites its whole file on every insert; batching to one atomic write per cycle is what
    makes it fast enough and crash-safe.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._data: dict | None = None
        self._loaded = False
        self.dirty = False

    def read(self):
        if not self._loaded:
            self._loaded = True
            if self.path.exists():
                text = self.path.read_bytes()
                self._data = json.loads(text) if text.strip() else None
        return self._data

    def write(self, data) -> None:
        self._data = data
        self.dirty = True

    def flush(self) -> None:
        if self.dirty and self._data is not None:
            write_atomic(self.path, json.dumps(self._data, ensure_ascii=False, separators=(",", ":")).encode())
        self.dirty = False

    def close(self) -> None:
        pass


class TinyStore(LocalStore):
    def __init__(self, state_dir, readonly: bool = False):
        """`readonly`: for `watcher status` beside a running watcher: reads, never writes, takes no lock."""
        self.dir = Path(state_dir)
        self.readonly = readonly
        try:
            self._open(readonly)
        except OSError as e:
            raise StoreError(f"cannot use the state directory {self.dir}: {e.strerror or e} (it must be readable, "
                             "and for a running watcher writable, by this user, with space left)") from None

    def _open(self, readonly: bool) -> None:
        if not readonly:
            self.dir.mkdir(parents=True, exist_ok=True)
        self._docs_storage = self._open_storage("documents.json")
        self._mirror_storage = self._open_storage("mirror.json")
        self._state_storage = self._open_storage("state.json")
        self._docs_db = TinyDB(storage=lambda: self._docs_storage)
        self._mirror_db = TinyDB(storage=lambda: self._mirror_storage)
        self._state_db = TinyDB(storage=lambda: self._state_storage)
        self.meta = _KeyedTable(self._state_db, "meta")
        self._check_schema()
        self._load()
        self._open_files(self.dir, readonly)
        if not readonly:
            self._prune_outbox()

    def _load(self) -> None:
        """The tables as last flushed (rows change in the storage only at flush), and their indexes."""
        self.meta = _KeyedTable(self._state_db, "meta")
        self.documents = _KeyedTable(self._docs_db, "documents")
        self.outbox = _KeyedTable(self._docs_db, "outbox")
        self.cursors = _KeyedTable(self._state_db, "cursors")
        self.healths = _KeyedTable(self._state_db, "health")
        self.chat = _KeyedTable(self._state_db, "chat_rules")
        self.question_states = _KeyedTable(self._state_db, "questions")
        self.event_rows = _KeyedTable(self._state_db, "events")  # keyed "<kind> <key>"
        self.entity_rows = _KeyedTable(self._mirror_db, "entities")  # keyed "<category>/<id>"
        self.mark_rows = _KeyedTable(self._mirror_db, "marks")  # keyed "<kind>\n<key>"
        self._children: dict[str, set[str]] = {}
        for key, row in self.entity_rows.rows.items():
            for parent in row["parents"]:
                self._children.setdefault(parent, set()).add(key)
        # What a cycle asks for every time is indexed, so a cycle with nothing new does no work per document.
        self._pending_texts = {k for k, r in self.documents.rows.items() if r.get("text_pending")}
        self._pending_alerts = {k for k, r in self.outbox.rows.items() if r["status"] == "pending"}
        self._aliases = {a: row["key"] for row in self.documents.values() for a in row["meta"].get("aliases", [])}

    def _open_storage(self, name: str) -> BufferedJSONStorage:
        storage = BufferedJSONStorage(self.dir / name)
        try:
            storage.read()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise StoreError(
                f"{storage.path} is not readable JSON ({e}). watcher writes it atomically, so it was changed "
                "by something else: restore it from a backup, or move the state directory away to start afresh"
            ) from None
        return storage

    def _check_schema(self) -> None:
        row = self.meta.get("schema")
        if row is None:
            if self._docs_storage.read() not in (None, {}):
                raise StoreError(f"{self.dir} holds documents but no schema version: it is not a watcher state "
                                 "directory, or it is damaged; point state_dir elsewhere")
            if self.readonly:
                return
            # Written at once: state.json must exist before documents.json ever does, or a crash
            # between the two files of the first flush would look like a foreign directory.
            self.meta.put("schema", {"value": SCHEMA_VERSION})
            self.meta.write()
            self._state_storage.flush()
            return
        found = row["value"]
        if found == SCHEMA_VERSION:
            return
        if found == 1:
            # Schema 1 (before the SyncFeed) had no mirror; mirror.json is made at the first flush with one.
            if not self.readonly:
                self.meta.put("schema", {"value": SCHEMA_VERSION})
            return
        refuse_schema(found, self.dir)

    # ------------------------------------------------------------ documents
    def document(self, key: str) -> StoredDocument | None:
        row = self.documents.get(key)
        # A copy: the pipeline changes what it gets, and the row must stay as flushed until put back.
        return StoredDocument.from_dict(copy.deepcopy(row)) if row else None

    def put_document(self, doc: StoredDocument) -> None:
        self.documents.put(doc.key, doc.to_dict())
        (self._pending_texts.add if doc.text_pending else self._pending_texts.discard)(doc.key)
        for alias in doc.meta.aliases:
            self._aliases[alias] = doc.key

    def find_alias(self, alias: str) -> str | None:
        return self._aliases.get(alias)

    def pending_texts(self, source: str) -> list[StoredDocument]:
        rows = (self.documents.get(k) for k in sorted(self._pending_texts))
        return [StoredDocument.from_dict(copy.deepcopy(r)) for r in rows if r and r["source"] == source]

    def all_documents(self, soorten: tuple[str, ...] = ()):
        wanted = {s.lower() for s in soorten}
        for key in sorted(self.documents.rows):
            row = self.documents.get(key)
            if not wanted or (row.get("meta", {}).get("soort") or "").lower() in wanted:
                yield self.document(key)

    def count_documents(self, source: str | None = None) -> int:
        if source is None:
            return len(self.documents)
        return sum(1 for r in self.documents.values() if r["source"] == source)

    # ------------------------------------------------------------ cursors, health
    def cursor(self, source: str) -> dict | None:
        row = self.cursors.get(source)
        return row["value"] if row else None

    def set_cursor(self, source: str, cursor: dict) -> None:
        self.cursors.put(source, {"value": cursor})

    def health(self, source: str) -> dict:
        row = self.healths.get(source)
        return dict(row["value"]) if row else {}

    def set_health(self, source: str, health: dict) -> None:
        self.healths.put(source, {"value": health})

    # ------------------------------------------------------------ outbox
    def enqueue(self, alert: Alert) -> bool:
        if self.outbox.get(alert.id) is not None:
            return False
        self.outbox.put(alert.id, {"alert": alert.to_dict(), "status": "pending", "how": "", "sent_at": ""})
        self._pending_alerts.add(alert.id)
        return True

    def pending_alerts(self) -> list[Alert]:
        rows = [self.outbox.get(k) for k in self._pending_alerts]
        rows.sort(key=lambda r: (r["alert"].get("created", ""), r["key"]))
        return [Alert.from_dict(r["alert"]) for r in rows]

    def count_pending_alerts(self) -> int:
        return len(self._pending_alerts)

    def _is_pending(self, alert_id: str) -> bool:
        return alert_id in self._pending_alerts

    def _set_sent(self, alert_id: str, how: str, when: str) -> None:
        row = self.outbox.get(alert_id)
        if row is not None and row["status"] != "sent":
            self.outbox.put(alert_id, dict(row, status="sent", how=how, sent_at=when))
            self._pending_alerts.discard(alert_id)

    def _set_parts(self, alert_id: str, done: int) -> None:
        row = self.outbox.get(alert_id)
        if row is not None and row["status"] == "pending":
            self.outbox.put(alert_id, dict(row, alert=dict(row["alert"], parts_sent=done)))

    def recent_sent(self, subscriber: str, limit: int, how: str = "telegram") -> list[Alert]:
        rows = [r for r in self.outbox.rows.values() if r["status"] == "sent" and r["alert"]["subscriber"] == subscriber
                and r.get("how", "").startswith(how)]
        rows.sort(key=lambda r: (r["sent_at"], r["key"]), reverse=True)
        return [Alert.from_dict(r["alert"]) for r in rows[:limit]]

    def forget_alerts(self, subscriber: str) -> int:
        keys = [k for k, r in self.outbox.rows.items() if r["alert"]["subscriber"] == subscriber]
        self.outbox.delete(keys)
        self._pending_alerts -= set(keys)
        return len(keys)

    def state_rows(self):
        for kind, table in (("cursor", self.cursors), ("health", self.healths), ("chat", self.chat),
                            ("question", self.question_states)):
            for key, row in sorted(table.rows.items()):
                yield kind, key, copy.deepcopy(row["value"])
        for key, row in sorted(self.event_rows.rows.items()):
            kind, name = key.split(" ", 1)
            yield f"event:{kind}", name, copy.deepcopy(row["value"])

    def outbox_rows(self):
        rows = sorted(self.outbox.rows.values(), key=lambda r: (r["alert"].get("created", ""), r["key"]))
        for row in rows:
            yield Alert.from_dict(row["alert"]), row["status"], row.get("how", ""), row.get("sent_at", "")

    def _prune_outbox(self) -> None:
        """Old sent alerts go once per opening: the file is read whole then anyway."""
        cutoff = outbox_cutoff()
        old = [k for k, r in self.outbox.rows.items() if r["status"] == "sent" and r["sent_at"] < cutoff]
        self.outbox.delete(old)

    # ------------------------------------------------------------ chat rules
    def question(self, zaak: str) -> dict | None:
        row = self.question_states.get(zaak)
        return copy.deepcopy(row["value"]) if row else None

    def set_question(self, zaak: str, state: dict) -> None:
        self.question_states.put(zaak, {"value": state})

    def questions(self) -> dict[str, dict]:
        return {key: copy.deepcopy(row["value"]) for key, row in sorted(self.question_states.rows.items())}

    def event_state(self, kind: str, key: str) -> dict | None:
        row = self.event_rows.get(f"{kind} {key}")
        return copy.deepcopy(row["value"]) if row else None

    def set_event_state(self, kind: str, key: str, state: dict) -> None:
        self.event_rows.put(f"{kind} {key}", {"value": state})

    def event_states(self, kind: str) -> dict[str, dict]:
        return {key[len(kind) + 1:]: copy.deepcopy(row["value"]) for key, row in sorted(self.event_rows.rows.items())
                if key.startswith(kind + " ")}

    # the mirror
    def entity(self, category: str, ident: str) -> dict | None:
        row = self.entity_rows.get(f"{category}/{ident}")
        return copy.deepcopy(row["data"]) if row else None

    def put_entity(self, category: str, ident: str, data: dict, parents: list[str]) -> None:
        key = f"{category}/{ident}"
        old = self.entity_rows.get(key)
        for parent in old["parents"] if old else ():
            self._children.get(parent, set()).discard(key)
        for parent in parents:
            self._children.setdefault(parent, set()).add(key)
        self.entity_rows.put(key, {"data": copy.deepcopy(data), "parents": list(parents)})

    def children(self, category: str, parent: str) -> list[dict]:
        return [copy.deepcopy(self.entity_rows.get(key)["data"]) for key in sorted(self._children.get(parent, ()))
                if key.startswith(category + "/")]

    def entities(self, category: str):
        for key in sorted(k for k in self.entity_rows.rows if k.startswith(category + "/")):
            yield copy.deepcopy(self.entity_rows.get(key)["data"])

    def count_entities(self) -> int:
        return len(self.entity_rows)

    def touched(self, kind: str) -> dict[str, int]:
        return {key[len(kind) + 1:]: row["seq"] for key, row in self.mark_rows.rows.items() if key.startswith(kind + "\n")}

    def set_touched(self, kind: str, marks: dict[str, int]) -> None:
        for key, seq in marks.items():
            self.mark_rows.put(f"{kind}\n{key}", {"seq": seq})

    def mirror_rows(self):
        for key in sorted(self.entity_rows.rows):
            row = self.entity_rows.get(key)
            category, ident = key.split("/", 1)
            yield category, ident, copy.deepcopy(row["data"]), list(row["parents"])

    def touched_rows(self):
        for key in sorted(self.mark_rows.rows):
            kind, mark = key.split("\n", 1)
            yield kind, mark, self.mark_rows.get(key)["seq"]

    def drop_touched(self, kind: str, keys: list[str]) -> None:
        self.mark_rows.delete([f"{kind}\n{key}" for key in keys])

    def chat_rules(self) -> dict:
        return {key: row["value"] for key, row in self.chat.rows.items()}

    def chat_rule(self, key: str) -> dict | None:
        row = self.chat.get(key)
        return copy.deepcopy(row["value"]) if row else None

    def set_chat_rules(self, rules: dict, moved: bool = True) -> None:
        for key, value in rules.items():
            self.chat.put(key, {"value": value})

    # ------------------------------------------------------------ durability
    def flush(self) -> None:
        if self.readonly:
            raise StoreError("this store was opened read-only")
        self._verify_place()
        # Texts first, then the documents that point at them, then the cursors that point past them.
        self.texts.sync()
        for table in (self.documents, self.outbox):
            table.write()
        self._docs_storage.flush()
        for table in (self.entity_rows, self.mark_rows):
            table.write()
        self._mirror_storage.flush()  # written only when the mirror changed
        for table in (self.meta, self.cursors, self.healths, self.chat, self.question_states, self.event_rows):
            table.write()
        self._state_storage.flush()
        self._log_folded()  # everything outbox.log said is now in documents.json

    def rollback(self) -> None:
        self._load()
        self._fold_log()
