"""The state store: documents seen, their versions, a cursor per source, the alert outbox,
source health and subscribers added through the bot.

The pipeline talks only to `Store`; TinyDB sits behind it (`TinyStore`), so a server database can
be added later without touching the pipeline.
"""

from ._base import SCHEMA_VERSION, Store, StoreError
from ._lock import StateLock, StateLocked
from ._tiny import TinyStore


def open_store(state_dir, readonly: bool = False) -> Store:
    return TinyStore(state_dir, readonly=readonly)


__all__ = ["SCHEMA_VERSION", "StateLock", "StateLocked", "Store", "StoreError", "TinyStore", "open_store"]
