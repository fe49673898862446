"""One process per state directory.

flock is released by the kernel when the holder dies, even by SIGKILL, so a crash never leaves a
stale lock behind. The holder's pid is written into the file so the loser can say who holds it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class StateLocked(Exception):
    pass


class StateLock:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "lock"
        self._fd: int | None = None

    def acquire(self) -> "StateLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StateLocked(
                f"state directory {self.path.parent} is in use by process {holder}; "
                "only one watcher may run on a state directory (stop the other one, or give this one "
                "its own state_dir)") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
