from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import AsyncIterator, Callable, ClassVar

from ..config import SourceConfig
from ..extract import Extractor
from ..http import HTTP
from ..model import Fetch, Record, StoredDocument


@dataclass
class Page:
    records: list[Record]
    cursor: dict  # where the next poll starts once these records are processed
    total: int | None = None  # records the whole poll expects, when upstream says (for progress)


@dataclass
class StreamPage:
    """Rows of an entity around documents (a Besluit, a Stemming, an Activiteit), as the API gave them."""
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
    kind: ClassVar[str]
    default_url: ClassVar[str] = ""
    options: ClassVar[dict[str, Callable[[object], object]]] = {}

    def __init__(self, config: SourceConfig, http: HTTP, extractor: Extractor):
        self.config = config
        self.name = config.name
        self.http = http
        self.extractor = extractor

    def start(self, since: datetime) -> dict:
        """The cursor of an empty state that starts at `since`."""
        raise NotImplementedError

    async def baseline(self, now: datetime) -> dict:
        """Where a new install (`since: now`) starts. The cycle then polls from there once, taking what it
        finds as known rather than news, so the first run has reached upstream (a wrong URL or query fails
        it) and the next one alerts only on what changed since."""
        return self.start(now)

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

    def file_of(self, spec: dict) -> dict:
        """A record's `fetch` and `spec` from one description of its file."""
        return {"fetch": self.file(spec), "spec": spec}

    async def refetch(self, stored: StoredDocument) -> Record | None:
        """A record to retry a text that could not be fetched before; None if the kind cannot."""
        return None
