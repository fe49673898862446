"""Which of the watchers a test started made a request to one of its loopback servers, and which role each
watcher held at that moment: looked up while the request waits for its answer, so the client is alive."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from watcher.demo.server import Request


def owner_of(port: int, server_port: int, pids) -> int | None:
    """The process (among `pids`) whose TCP socket from this local port goes to `server_port` (one local port
    may serve several connections, to different servers)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (int(fields[1].rsplit(":", 1)[1], 16) == port and int(fields[2].rsplit(":", 1)[1], 16) == server_port
                    and fields[9] != "0"):
                inode = fields[9]
                break
        if inode:
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                pass
    return None


@dataclass
class Seen:
    request: Request
    pid: int | None  # who asked
    holders: dict  # role -> the pid holding it when it asked (None: no one)


class Witness:
    """Notes, for every request a server gets, who made it and who held each of `roles` then."""

    def __init__(self, server, procs: list, dsn: str, roles: list[str]):
        import psycopg

        from watcher.store._postgres import _role_key
        self.procs, self.roles, self._key, self._port = procs, roles, _role_key, server.port
        self.seen: list[Seen] = []
        self._db = psycopg.connect(dsn, autocommit=True)
        self._lock = threading.Lock()
        server.observe = self._observe

    def holders(self) -> dict:
        out = {}
        with self._lock:
            for role in self.roles:
                key = self._key(role)
                row = self._db.execute(
                    "SELECT (s.value->>'pid')::int FROM state s WHERE s.kind = 'role' AND s.key = %s AND EXISTS ("
                    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s "
                    "AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))", (role, key >> 32, key & 0xFFFFFFFF)).fetchone()
                out[role] = row[0] if row else None
        return out

    def _observe(self, request: Request) -> None:
        # The holders first: a process lets a role go only after its requests are answered (it stops its bot,
        # then closes the store), so whoever is found asking below held its role when asked.
        holders = self.holders()
        pid = owner_of(request.peer, self._port, [p.pid for p in list(self.procs) if p.poll() is None])
        self.seen.append(Seen(request, pid, holders))

    def close(self) -> None:
        self._db.close()
