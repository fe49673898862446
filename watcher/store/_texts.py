"""Document texts, outside the database: one gzip'd JSON file per distinct normalised text, named by its hash.

Content addressing makes a re-sent, unchanged document cost nothing, and keeps the database to
metadata only.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from ..model import Document
from ._atomic import fsync_dir, write_atomic


class TextFiles:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._unsynced: list[Path] = []

    def _path(self, content_hash: str) -> Path:
        return self.root / content_hash[:2] / f"{content_hash}.json.gz"

    def put(self, doc: Document) -> str:
        content_hash = doc.content_hash()
        path = self._path(content_hash)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            data = gzip.compress(json.dumps(doc.to_dict(), ensure_ascii=False).encode(), compresslevel=3, mtime=0)
            # fsync is deferred to sync(): one batch per cycle, before the metadata that points here.
            write_atomic(path, data, sync=False)
            self._unsynced.append(path)
        return content_hash

    def get(self, content_hash: str) -> Document | None:
        path = self._path(content_hash)
        try:
            return Document.from_dict(json.loads(gzip.decompress(path.read_bytes())))
        except FileNotFoundError:
            return None

    def sync(self) -> None:
        folders = set()
        for path in self._unsynced:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            folders.add(path.parent)
        for folder in folders:
            fsync_dir(folder)
        self._unsynced.clear()
