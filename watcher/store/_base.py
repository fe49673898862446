from __future__ import annotations

import abc
from collections.abc import Iterator

from ..model import Alert, Document, StoredDocument

# 2: the mirror of a source's upstream entities (entities, entity_refs) and the marks of what they touched.
SCHEMA_VERSION = 2


class StoreError(Exception):
    """The state cannot be used as it is (another schema, unreadable files). The message says what to do."""


class StoreRefused(StoreError, ValueError):
    """The store would not take a value (a database's limits on what upstream sent: a key too long to index).
    A ValueError too, so the page that carried it fails as a malformed page does: rolled back, the source
    reported failing with this message, read again next cycle, the other sources going on."""


def refuse_schema(found: int, where) -> None:
    """Say what to do about a state of another schema version than this watcher's; never misread it."""
    if found > SCHEMA_VERSION:
        raise StoreError(f"{where} was written by a newer watcher (state schema {found}, this one "
                         f"knows {SCHEMA_VERSION}): upgrade watcher, or point state_dir elsewhere")
    # Each store moves an older schema forward itself (its _check_schema); this is for what it cannot.
    raise StoreError(f"{where} has state schema {found}, which this watcher cannot migrate to "
                     f"{SCHEMA_VERSION}; point state_dir elsewhere to start afresh")


class Store(abc.ABC):
    """What the pipeline needs from persistent state.

    Reads see every write made since opening. Writes become durable together at `flush()`: a crash
    leaves the state as it was at the last flush (the one exception is `mark_sent`, which is made
    durable at once so a delivered alert is never delivered again).
    """

    # documents
    @abc.abstractmethod
    def document(self, key: str) -> StoredDocument | None: ...

    @abc.abstractmethod
    def put_document(self, doc: StoredDocument) -> None: ...

    @abc.abstractmethod
    def find_alias(self, alias: str) -> str | None:
        """The key of a stored document known under another identifier (kst-19637-3384)."""

    def related(self, doc: StoredDocument) -> list[StoredDocument]:
        """The same document as stored from other sources: the TK record whose ExterneIdentifier is this
        KOOP identifier, or the KOOP publication a TK record names."""
        keys = {a for a in doc.meta.aliases if not a.startswith(("tk-id:", "zaak:"))}
        if (other := self.find_alias(doc.key)) is not None:
            keys.add(other)
        keys.discard(doc.key)
        return [d for k in sorted(keys) if (d := self.document(k)) is not None]

    @abc.abstractmethod
    def pending_texts(self, source: str) -> list[StoredDocument]: ...

    @abc.abstractmethod
    def all_documents(self, soorten: tuple[str, ...] = ()) -> Iterator[StoredDocument]:
        """Every stored document (or those of these Soort values), one at a time: `watcher preview` over
        the history, the written questions in `watcher status`."""

    @abc.abstractmethod
    def count_documents(self, source: str | None = None) -> int: ...

    # texts, content-addressed
    @abc.abstractmethod
    def put_text(self, doc: Document) -> str: ...

    @abc.abstractmethod
    def text(self, content_hash: str) -> Document | None: ...

    # cursors and health, per source
    @abc.abstractmethod
    def cursor(self, source: str) -> dict | None: ...

    @abc.abstractmethod
    def set_cursor(self, source: str, cursor: dict) -> None: ...

    @abc.abstractmethod
    def health(self, source: str) -> dict: ...

    @abc.abstractmethod
    def set_health(self, source: str, health: dict) -> None: ...

    # the outbox
    @abc.abstractmethod
    def enqueue(self, alert: Alert) -> bool:
        """Add an alert unless one with its id exists. True when added."""

    @abc.abstractmethod
    def pending_alerts(self) -> list[Alert]: ...

    @abc.abstractmethod
    def mark_sending(self, alert_id: str) -> None:
        """Note, durably, that a send is about to start (so a crash mid-send is known as such)."""

    @abc.abstractmethod
    def mark_part(self, alert_id: str, done: int) -> None:
        """Durably note that the first `done` messages of a long alert were accepted (its send resumes
        after them, in this process or the next)."""

    @abc.abstractmethod
    def mark_sent(self, alert_id: str, how: str) -> None:
        """Durably mark an alert delivered. Called only after the channel accepted it."""

    @abc.abstractmethod
    def in_flight(self) -> list[str]:
        """Alerts whose send started but was never confirmed (a crash mid-send)."""

    @abc.abstractmethod
    def count_pending_alerts(self) -> int: ...

    @abc.abstractmethod
    def recent_sent(self, subscriber: str, limit: int, how: str = "telegram") -> list[Alert]:
        """The last alerts delivered to a subscriber on Telegram (`how`: "feed", its feed's entries), newest
        first, as long as the outbox keeps them (OUTBOX_KEEP)."""

    @abc.abstractmethod
    def forget_alerts(self, subscriber: str) -> int:
        """Delete every alert of a subscriber, sent or pending (`/vergeet`); how many there were."""

    # subscribers added with bot commands
    # written questions, per zaak: what their documents told (news/questions.py), written with the page
    @abc.abstractmethod
    def question(self, zaak: str) -> dict | None: ...

    @abc.abstractmethod
    def set_question(self, zaak: str, state: dict) -> None: ...

    @abc.abstractmethod
    def questions(self) -> dict[str, dict]: ...

    # what happened around documents, per entity: a vote (news/votes.py) per Besluit, a debate (news/agenda.py) per
    # Activiteit; written with the page that changed them
    @abc.abstractmethod
    def event_state(self, kind: str, key: str) -> dict | None: ...

    @abc.abstractmethod
    def set_event_state(self, kind: str, key: str, state: dict) -> None: ...

    @abc.abstractmethod
    def event_states(self, kind: str) -> dict[str, dict]: ...

    # the mirror of a source's upstream entities (the Tweede Kamer's SyncFeed: sources/tweedekamer/mirror.py)
    # and the marks of what their changes touched; written with the page that brought them
    @abc.abstractmethod
    def entity(self, category: str, ident: str) -> dict | None: ...

    @abc.abstractmethod
    def put_entity(self, category: str, ident: str, data: dict, parents: list[str]) -> None:
        """Keep an entity; `parents`: the ids it names, by which `children` finds it."""

    @abc.abstractmethod
    def children(self, category: str, parent: str) -> list[dict]:
        """The entities of `category` that name `parent`."""

    @abc.abstractmethod
    def entities(self, category: str) -> Iterator[dict]:
        """Every entity of a category (the small ones: Fractie, Persoon)."""

    @abc.abstractmethod
    def count_entities(self) -> int: ...

    @abc.abstractmethod
    def touched(self, kind: str) -> dict[str, int]:
        """Marks of one kind: key -> sequence number."""

    @abc.abstractmethod
    def set_touched(self, kind: str, marks: dict[str, int]) -> None: ...

    @abc.abstractmethod
    def drop_touched(self, kind: str, keys: list[str]) -> None: ...

    def mirror_rows(self) -> Iterator[tuple[str, str, dict, list[str]]]:
        """Every mirrored entity as (category, id, data, parents), and then `touched_rows`: what `watcher
        migrate` copies of the mirror."""
        raise NotImplementedError

    def touched_rows(self) -> Iterator[tuple[str, str, int]]:
        raise NotImplementedError

    @abc.abstractmethod
    def chat_rules(self) -> dict: ...

    @abc.abstractmethod
    def chat_rule(self, key: str) -> dict | None:
        """One chat's state ("chat:<id>"): read for every message sent, so not by reading every chat's."""

    @abc.abstractmethod
    def set_chat_rules(self, rules: dict, moved: bool = True) -> None:
        """Keep chats' states; `moved`: what the matcher reads changed (rules_version moves, for the others)."""

    def state_rows(self) -> Iterator[tuple[str, str, dict]]:
        """Every cursor, health, question, event state and chat as (kind, key, value), the kinds named as
        the SQLite store names them: what `watcher migrate` copies besides documents and alerts."""
        raise NotImplementedError

    def outbox_rows(self) -> Iterator[tuple[Alert, str, str, str]]:
        """Every alert in the outbox, pending or sent, as (alert, status, how, sent_at)."""
        raise NotImplementedError

    # several watchers (only a database is shared; a local store has one process, holding every role)
    shared = False  # True: other processes write too, so each page is committed as it is applied
    files = None  # where a shared store's watchers share the work on files (store/_pgfiles.py)

    def write_lock(self):
        """What a writer holds from reading what it will change until it flushes (engine.cycle.Engine.page_lock)."""
        import asyncio
        return asyncio.Lock()

    def outbox_listener(self):
        """A Listener (store/_pglisten.py) told when another process has put alerts in the outbox; None where no
        other process can (a local store: its one process wakes its own sender)."""
        return None

    def rules_version(self) -> int:
        """Moves when another process changed a chat's rules (a shared store); here nobody else can."""
        return 0

    @abc.abstractmethod
    def flush(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None:
        """Forget every write since the last flush: a page that failed half-way (documents stored, their
        alerts not yet queued) must never be committed. Sends confirmed meanwhile stay marked sent."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
