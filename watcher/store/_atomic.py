"""Crash-safe file writes: a temp file in the same folder, fsync, os.replace, fsync of the folder.

A kill -9 at any instant leaves either the old file or the new one, never a torn one (measured in
DESIGN.md: plain TinyDB JSON writes corrupted 6 of 40 files, this 0 of 40).
"""

from __future__ import annotations

import os
from pathlib import Path


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
