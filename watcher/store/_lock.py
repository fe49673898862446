"""One process per state directory, and the directory it opened stays the one it works in.

flock is released by the kernel when the holder dies, even by SIGKILL, so a crash never leaves a
stale lock behind. The holder's pid is written into the file so the loser can say who holds it.

A lock only excludes those who open the same file. If the state directory is removed, replaced or
remounted under a running watcher, the next watcher finds no lock (or another one), takes it and runs
beside the first: every alert would go out twice. So the holder checks, once a cycle, that the
directory and the lock file at their paths are still the ones it opened (device and inode), and stops
if not (`verify`).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class StateLocked(Exception):
    """Another watcher holds the state directory."""


class StateUnusable(Exception):
    """The state directory cannot be used: it cannot be created or written, or it changed under us."""


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


class StateLock:
    def __init__(self, state_dir: Path):
        self.dir = Path(state_dir)
        self.path = self.dir / "lock"
        self._fd: int | None = None
        self._dir_id: tuple[int, int] | None = None

    def acquire(self) -> "StateLock":
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise StateUnusable(f"cannot use the state directory {self.dir}: {e.strerror or e} (make it "
                                "writable for this user, or point state_dir elsewhere)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StateLocked(
                f"state directory {self.dir} is in use by process {holder}; "
                "only one watcher may run on a state directory (stop the other one, or give this one "
                "its own state_dir)") from None
        except OSError as e:  # a file system without locks (some network mounts)
            os.close(fd)
            raise StateUnusable(f"cannot lock {self.path}: {e.strerror or e}") from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as e:
            os.close(fd)
            raise StateUnusable(f"cannot write {self.path}: {e.strerror or e}") from None
        self._fd = fd
        self._dir_id = _identity(os.stat(self.dir))
        return self

    def verify(self) -> None:
        """Raise StateUnusable if the directory or the lock file at their paths are not the ones we opened."""
        if self._fd is None:
            return
        try:
            same = (_identity(os.stat(self.dir)) == self._dir_id
                    and _identity(os.stat(self.path)) == _identity(os.fstat(self._fd)))
        except OSError:
            same = False
        if not same:
            raise StateUnusable(
                f"the state directory {self.dir} was removed, replaced or remounted while watcher ran; stopping "
                "so that no second watcher runs beside this one (restore the directory, then start watcher again)")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


class HeldByDatabase:
    """In place of a StateLock for `store: postgresql`: the database holds the locks that matter (the roles,
    roles.py), and two watchers on one machine, sharing the work, may share a state_dir."""

    def acquire(self) -> "HeldByDatabase":
        return self

    def verify(self) -> None:
        pass

    def release(self) -> None:
        pass
