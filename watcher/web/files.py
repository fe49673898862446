"""`watcher serve --write DIR`: the same addresses as files, for an operator who serves them with a web
server of their own. Each file is replaced whole (written aside, then renamed), so a reader never gets half
of one."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from ..alerts import atom
from ..alerts.diffpage import page_path
from ..model import REVISED
from ..settings import Config
from ..watchlists import subscribers as subs
from . import pages


def write(config: Config, store, folder: Path, now: datetime | None = None) -> int:
    """Write every subscriber's feeds and calendar and the diff pages they link; returns the files written."""
    now = now or datetime.now(timezone.utc)
    base = config.serve.base()
    wanted: list[str] = []
    for subscriber in subs.effective(config, store):
        wanted += [url[len(base):] for url in pages.addresses(config, store, subscriber).values() if url.startswith(base)]
        for alert in store.recent_sent(subscriber.name, atom.ENTRIES, how="feed"):
            if alert.kind == REVISED and (path := page_path(alert.document, alert.old_hash, alert.new_hash)):
                wanted.append(path)
    written = 0
    for path in dict.fromkeys(wanted):
        page = pages.serve(config, store, path, now)
        if page.status == 200:
            _replace(folder / path, page.body)
            written += 1
    return written


def _replace(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    with open(aside, "wb") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(aside, path)
