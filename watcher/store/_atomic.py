"""Crash-safe file writes: a temp file in the same folder, fsync, os.replace, fsync of the folder.

A kill -9 at any instant leaves either the old file or the new one, never a torn one (measured in
DESIGN.md: plain TinyDB JSON writes corrupted 6 of 40 files, this 0 of 40).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tinydb.storages import Storage


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        if sync:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)
    if sync:
        fsync_dir(path.parent)


class BufferedJSONStorage(Storage):
    """TinyDB storage that holds the database in memory and writes it only on `flush()`.

    TinyDB rewrites its whole file on every insert; batching to one atomic write per cycle is what
    makes it fast enough and crash-safe.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._data: dict | None = None
        self._loaded = False
        self.dirty = False

    def read(self):
        if not self._loaded:
            self._loaded = True
            if self.path.exists():
                text = self.path.read_bytes()
                self._data = json.loads(text) if text.strip() else None
        return self._data

    def write(self, data) -> None:
        self._data = data
        self.dirty = True

    def flush(self) -> None:
        if self.dirty and self._data is not None:
            write_atomic(self.path, json.dumps(self._data, ensure_ascii=False, separators=(",", ":")).encode())
        self.dirty = False

    def close(self) -> None:
        pass
