"""A throwaway PostgreSQL server for the tests: a cluster made with the distribution's own initdb in a
temporary folder, listening on 127.0.0.1 at a free port, stopped and removed at the end of the session.

Where no server binaries are found the tests that need one are skipped, saying so; CI sets
WATCHER_NEED_POSTGRES=1, and there a missing server fails instead (`.ci/run` installs it).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    """A port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.bin = _bin_dir()
        if self.bin is None:
            raise LookupError("no PostgreSQL server here (initdb and pg_ctl not found: apt install postgresql)")
        # The server refuses to run as root: as root, it runs as the distribution's postgres user.
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise LookupError("running as root and there is no postgres user to run the server as") from None
        # In /tmp itself when it runs as another user: $TMPDIR may sit under a folder that user cannot enter.
        self.dir = Path(tempfile.mkdtemp(prefix="watcher-pg-", dir="/tmp" if self.user else None))
        os.chmod(self.dir, 0o755)
        self.data = self.dir / "data"
        self.port = free_port()
        self.owner = self.user.pw_name if self.user else pwd.getpwuid(os.geteuid()).pw_name
        if self.user:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self._names = itertools.count()

    def _as_owner(self, *command: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.user.pw_name, "--"] if self.user else []
        return subprocess.run(prefix + list(command), capture_output=True, text=True, timeout=120)

    def start(self) -> "Server":
        made = self._as_owner(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                              "-E", "UTF8", "--no-locale")
        if made.returncode != 0:
            raise LookupError(f"initdb failed: {made.stderr.strip()[-500:]}")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200"
        started = self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                                 "-o", options, "-w", "-t", "60", "start")
        if started.returncode != 0:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise LookupError(f"pg_ctl start failed: {started.stderr.strip()[-300:]} {log[-500:]}")
        return self

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh, empty database: one per test, so no test sees another's state."""
        import psycopg
        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class Partition:
    """A TCP relay on 127.0.0.1 to a server, which `cut()` turns into a network partition: from then on
    nothing goes through in either direction and nothing is closed either, no RST, no FIN, as when a cable or a
    firewall drops the packets. (The relay's own kernel still acknowledges what arrives, so this is a
    server that stopped answering rather than a link the client's keepalives can see is dead: the case only
    a deadline catches.)"""

    def __init__(self, port: int):
        import threading
        self._to = port
        self._cut = threading.Event()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def dsn(self, dsn: str) -> str:
        """`dsn` (of the server behind) through this relay."""
        import re
        return re.sub(r"@127\.0\.0\.1:\d+/", f"@127.0.0.1:{self.port}/", dsn)

    def cut(self) -> None:
        self._cut.set()

    def _accept(self) -> None:
        import threading
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(("127.0.0.1", self._to))
            self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while not self._cut.is_set():
            try:
                data = source.recv(65536)
                if self._cut.is_set():
                    break  # read after the cut: dropped on the floor, as the network would
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
            except OSError:
                return
        self._cut.wait()  # and hold both sockets open, saying nothing, until the test ends

    def close(self) -> None:
        self._listener.close()
        for sock in self._sockets:
            sock.close()
