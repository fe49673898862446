from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, AsyncIterator, Awaitable, Callable, ClassVar

from ..model import Document, Record, StoredDocument
from ..settings import BACKLOG_MARGIN, SourceConfig, parse_since

if TYPE_CHECKING:  # only named here: importing them costs what `watcher status` and `check` need not pay
    from ..extract import Extractor
    from .http import HTTP

Fetch = Callable[[], Awaitable[Document]]


@dataclass
class Page:
    """One page of a source's poll: its records, and where the next poll starts."""

    records: list[Record]
    cursor: dict  # where the next poll starts once these records are processed
    total: int | None = None  # records the whole poll expects, when upstream says (for progress)


@dataclass
class Refresh:
    """What a source that keeps a mirror of its upstream found when it brought it up to date."""
    ready: bool = True  # all of it was read: what its changes touched may be told now
    errors: list[str] = field(default_factory=list)  # parts that failed this cycle (the rest went on)
    entities: int = 0  # read this cycle
    changed: int = 0  # of those, new or changed


@dataclass
class StreamPage:
    """Rows of what happens around documents (a vote, a meeting), each {"key", "state"}, as the source
    assembled them."""
    entity: str
    rows: list[dict]
    cursor: dict


class Stream:
    """What happens around documents, read beside them from the same source: its own cursor, the same
    cycle. `name` is the word in a source's `events:` list."""
    name: ClassVar[str]

    def start(self, since: datetime) -> dict:
        raise NotImplementedError

    async def baseline(self, now: datetime) -> dict:
        raise NotImplementedError

    def poll(self, cursor: dict) -> AsyncIterator[StreamPage]:
        raise NotImplementedError


class Source:
    kind: ClassVar[str]  # its word in sources.yaml; what config and status know of a kind is in kinds.py
    # Whether a first run's poll reads only what changed after the start (the Tweede Kamer's feed, placed by
    # time): then what it finds is news. Most kinds read what is there, and that is known, not news.
    exact_start: ClassVar[bool] = False

    def __init__(self, config: SourceConfig, http: HTTP, extractor: Extractor, store=None):
        self.config = config
        self.name = config.name
        self.http = http
        self.extractor = extractor
        self.store = store  # read by a kind that keeps a mirror of its upstream there

    async def refresh(self, applying, stopping: Callable[[], bool], now: datetime) -> Refresh:
        """Bring what this source keeps of its upstream up to date before its records and streams are read,
        each write under `applying` (the engine's page transaction), until `stopping()`: the Tweede Kamer's
        mirror. Nothing for most kinds."""
        return Refresh()

    def start(self, since: datetime) -> dict:
        """The cursor of an empty state that starts at `since`."""
        raise NotImplementedError

    async def baseline(self, now: datetime) -> dict:
        """Where a new install (`since: now`) starts. The cycle then polls from there once, taking what it
        finds as known rather than news, so the first run has reached upstream (a wrong URL or query fails
        it) and the next one alerts only on what changed since."""
        return self.start(now)

    def put_back(self, cursor: dict, now: datetime) -> dict:
        """`cursor` with every moment of ours in it that lies after `now` put back. It was stamped by a clock
        that ran ahead once (a bad NTP step, a restored VM); trusted, it would make everything new until the
        clock caught up pass for backlog. From `now`, as a new install would be (a kind adds its own)."""
        start = cursor.get("start")
        if start and parse_since(start) > now:
            return {**cursor, "start": (now - BACKLOG_MARGIN).isoformat(timespec="seconds")}
        return cursor

    def poll(self, cursor: dict) -> AsyncIterator[Page]:
        """Records changed since `cursor`, oldest first, a page at a time."""
        raise NotImplementedError

    def streams(self) -> list[Stream]:
        """The streams this source reads beside its documents (none for most kinds)."""
        return []

    @property
    def documents(self) -> bool:
        """Whether this source reads documents at all (a Tweede Kamer source may read only votes)."""
        return True

    def file(self, spec: dict) -> Fetch:
        """How to fetch and extract a file described by `spec` (a record's `spec`), in this process or another."""
        raise NotImplementedError

    async def read(self, record: Record) -> Document:
        """A record's file, fetched and extracted (a reader: engine/ahead.py wraps it to read ahead)."""
        return await self.file(record.spec)()

    async def complete(self, record: Record) -> None:
        """Fill in the metadata at `record.complete_from` (a reader's other half); nothing for most kinds."""

    async def refetch(self, stored: StoredDocument) -> Record | None:
        """A record to retry a text that could not be fetched before; None if the kind cannot."""
        return None
