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
        from watcher.store import PostgresStore
        self.procs, self.roles, self._port = procs, roles, server.port
        self.seen: list[Seen] = []
        self._store = PostgresStore(dsn, readonly=True)  # read as `watcher status` reads who holds what
        self._lock = threading.Lock()  # the server answers each request in a thread of its own
        server.observe = self._observe

    def holders(self) -> dict:
        with self._lock:
            return {role: (who or {}).get("pid") for role in self.roles
                    for who in [self._store.role_holder(role)]}

    def _observe(self, request: Request) -> None:
        # The holders first: a process lets a role go only after its requests are answered (it stops its bot,
        # then closes the store), so whoever is found asking below held its role when asked.
        holders = self.holders()
        pid = owner_of(request.peer, self._port, [p.pid for p in list(self.procs) if p.poll() is None])
        self.seen.append(Seen(request, pid, holders))

    def close(self) -> None:
        self._store.close()
