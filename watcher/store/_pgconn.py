"""Connections to PostgreSQL that cannot hang a watcher.

A network partition sends no RST: a query on its way, or its answer, is never heard of again, and libpq
would wait for it for ever, in a synchronous call the event loop cannot leave (no alert goes out, SIGTERM
waits). Three things bound that, from the closest to the widest:

- `connect_timeout`, and TCP keepalives with a user timeout on both ends (the client's through libpq, the
  server's set for the session): the kernels notice a peer that is gone within about 40 s. Whatever the
  DSN says itself is kept.
- A deadline on every wait for the server (`Connection.wait`, the one place psycopg waits): a call still
  unanswered after `timeout` has its socket shut down, so it fails at once as a lost server does
  (StoreError: the watcher stops and says so). This also covers what no kernel sees: a server or a proxy
  that takes the packets and answers nothing.
- The other watchers end the sessions of one that has said nothing for three times that
  (PostgresStore.beat), which lets its roles go.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import psycopg
from psycopg.conninfo import conninfo_to_dict

KEEPALIVE = {"keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5", "keepalives_count": "3",
             "tcp_user_timeout": "30000"}
# The server's side of the same (PostgreSQL 12 and later): a session whose client went away without a word
# is ended by the server, and its locks (the roles) are free, without another watcher needed.
SERVER_KEEPALIVE = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3",
                    "tcp_user_timeout": "30000"}
CONNECT_TIMEOUT = "10"


class Connection(psycopg.Connection):
    deadline: float = 30.0  # seconds a call may wait for the server
    cut_off = ""  # why the watchdog ended this connection, once it has

    def wait(self, gen, *args, **kwargs):
        _watchdog.arm(self)
        try:
            return super().wait(gen, *args, **kwargs)
        finally:
            _watchdog.disarm(self)

    def time_out(self) -> None:
        self.cut_off = (f"no answer within {self.deadline:g} s (a network partition, or a server that hangs; "
                        "`database_timeout:` in sources.yaml sets how long a call may wait)")


def connect(dsn: str, autocommit: bool, deadline: float, name: str) -> Connection:
    """A connection to `dsn` whose calls give up after `deadline` seconds, known to the server as `name`."""
    given = conninfo_to_dict(dsn)
    extra = {k: v for k, v in KEEPALIVE.items() if k not in given}
    if "connect_timeout" not in given:
        extra["connect_timeout"] = CONNECT_TIMEOUT
    connection = Connection.connect(dsn, autocommit=autocommit, application_name=name, **extra)
    connection.deadline = deadline
    try:
        for setting, value in SERVER_KEEPALIVE.items():
            connection.execute("SELECT set_config(%s, %s, false)", (setting, value))
    except psycopg.errors.UndefinedObject:  # a server older than 12 has no tcp_user_timeout: the rest holds
        connection.rollback()
    if not autocommit:
        connection.commit()
    return connection


class _Watchdog:
    """One thread for every connection of the process: it shuts down the socket of a call past its deadline.
    Shutting down (not closing) leaves the descriptor to libpq, which then reads the end of the stream."""

    def __init__(self):
        self._armed: dict[Connection, tuple[float, int]] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, connection: Connection) -> None:
        with self._changed:
            self._armed[connection] = (time.monotonic() + connection.deadline, connection.pgconn.socket)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="watcher-db-deadline", daemon=True)
                self._thread.start()
            elif len(self._armed) == 1:
                self._changed.notify()  # it sleeps without a deadline to wake for

    def disarm(self, connection: Connection) -> None:
        with self._changed:
            self._armed.pop(connection, None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for connection, (deadline, fd) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[connection]
                        connection.time_out()
                        _shut(fd)
                soonest = min((deadline for deadline, _ in self._armed.values()), default=None)
                self._changed.wait(None if soonest is None else soonest - now)


def _shut(fd: int) -> None:
    # Under the watchdog's lock, with the call still armed: the descriptor is still libpq's own.
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone: the call fails by itself


_watchdog = _Watchdog()
