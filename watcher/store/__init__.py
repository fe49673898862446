"""The state store: documents seen, their versions, a cursor per source, the alert outbox,
source health and subscribers added through the bot.

The pipeline talks only to `Store`. SQLite sits behind it by default (`SqliteStore`); TinyDB
(`TinyStore`) is kept for small installs that want plain JSON files, and for state directories it made;
PostgreSQL (`PostgresStore`) is for an operator whose state must outlive one machine.
"""

from pathlib import Path

from ._base import SCHEMA_VERSION, Store, StoreError, StoreRefused
from ._lock import HeldByDatabase, StateLock, StateLocked, StateUnusable
from ._sqlite import FILENAME as SQLITE_FILE
from ._sqlite import SqliteStore


def found_kind(state_dir) -> str | None:
    """Which store a state directory already holds, if any."""
    folder = Path(state_dir)
    if (folder / SQLITE_FILE).exists():
        return "sqlite"
    if (folder / "state.json").exists() or (folder / "documents.json").exists():
        return "tinydb"
    return None


def open_store(state_dir, readonly: bool = False, kind: str = "sqlite", dsn: str = "",
               timeout: float | None = None) -> Store:
    """The store in `state_dir` (or, for `kind` postgresql, in the database `dsn`, whose calls wait `timeout`
    seconds at most). `kind` is used for a new state directory; one that holds a store keeps its kind
    (`watcher migrate` moves a state into PostgreSQL)."""
    if kind == "postgresql":
        from ._postgres import PostgresStore  # psycopg and its store only where a database is used
        return PostgresStore(dsn, readonly=readonly, **({"timeout": timeout} if timeout is not None else {}))
    found = found_kind(state_dir)
    if found is not None and found != kind:
        raise StoreError(f"{state_dir} holds a {found} store but the config asks for `store: {kind}`: set "
                         f"`store: {found}`, or point state_dir at an empty folder")
    if kind == "tinydb":
        from ._tiny import TinyStore  # TinyDB only where its store is used
        return TinyStore(state_dir, readonly=readonly)
    return SqliteStore(state_dir, readonly=readonly)


def open_reader(config, out, first: str = "run `watcher run --once` first") -> Store | None:
    """The state opened to read beside a running watcher (`status`, `preview`), or None after saying on
    `out` why it cannot be: there is none yet (and what to do: `first`), or it cannot be read."""
    if config.store != "postgresql" and found_kind(config.state_dir) is None:
        out.write(f"no state in {config.state_dir} yet: {first}\n")
        return None
    try:
        return open_store(config.state_dir, readonly=True, kind=config.store, dsn=config.dsn,
                          timeout=config.database_timeout)
    except StoreError as e:
        out.write(f"watcher: {e}\n")
        return None


__all__ = ["HeldByDatabase", "SCHEMA_VERSION", "PostgresStore", "SqliteStore", "StateLock", "StateLocked", "StateUnusable", "Store", "StoreError", "StoreRefused", "TinyStore",
           "found_kind", "open_reader", "open_store"]


def __getattr__(name: str):
    # PostgresStore and TinyStore on first use: a watcher on SQLite imports neither the database's code nor TinyDB.
    if name == "PostgresStore":
        from ._postgres import PostgresStore
        return PostgresStore
    if name == "TinyStore":
        from ._tiny import TinyStore
        return TinyStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
