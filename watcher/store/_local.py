"""What both stores keep beside their database, the same way: each text as a content-addressed file
(_texts.py), each delivery as a line in outbox.log (_outboxlog.py), and how long a sent alert is kept.

A store says how a sent mark lands in its own tables (`_set_sent`) and whether an alert is still
pending (`_is_pending`); the rest is here once.
"""

from __future__ import annotations

import abc
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..model import Document
from ._base import Store, StoreError
from ._outboxlog import OutboxLog
from ._texts import TextFiles

# Sent alerts are kept this long (for a look at what went out), then deleted. Nothing depends on an old
# sent row: a document's `alerted` list is what keeps it from being told twice.
OUTBOX_KEEP = timedelta(days=30)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def outbox_cutoff() -> str:
    """Sent alerts sent before this moment are deleted."""
    return (datetime.now(timezone.utc) - OUTBOX_KEEP).isoformat(timespec="seconds")


def file_identity(path: Path) -> tuple[int, int] | None:
    """Device and inode: the same path may come to name another file (a folder replaced or remounted)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


class LocalStore(Store):
    def _open_files(self, folder: Path, readonly: bool) -> None:
        """Texts and outbox.log; called once the tables can be read, since the log is folded into them."""
        self.texts = TextFiles(folder / "texts")
        self._log = OutboxLog(folder / "outbox.log", readonly=readonly)
        self._folder_id = file_identity(folder)
        self._in_flight = [a for a in self._fold_log() if self._is_pending(a)]

    def _verify_place(self) -> None:
        """Before a flush: the state directory is still the one opened. Were it removed or replaced, a commit
        would land in a file no one reads again, and a new watcher on the new folder would send it all again."""
        if file_identity(self.dir) != self._folder_id:
            raise StoreError(f"the state directory {self.dir} was removed, replaced or remounted while watcher "
                             "ran: stopping (restore it, then start watcher again)")

    def _fold_log(self) -> list[str]:
        """Mark sent what outbox.log confirmed since the last flush; returns the sends started and never
        confirmed, in the order they started."""
        sent, started, parts = self._log.replay()
        self.unfolded_sends = len(sent)
        for alert_id, how in sent:
            self._set_sent(alert_id, how, now())
        for alert_id, done in parts.items():
            self._set_parts(alert_id, done)
        return started

    def _log_folded(self) -> None:
        """Called once a flush made durable everything outbox.log said."""
        self._log.clear()
        self._in_flight = []
        self.unfolded_sends = 0

    @abc.abstractmethod
    def _set_sent(self, alert_id: str, how: str, when: str) -> None:
        """Mark a pending alert sent in the tables (not yet durable: outbox.log is what makes it so)."""

    @abc.abstractmethod
    def _set_parts(self, alert_id: str, done: int) -> None:
        """Note in the tables that `done` parts of a pending alert were accepted (durable: outbox.log)."""

    @abc.abstractmethod
    def _is_pending(self, alert_id: str) -> bool: ...

    # texts
    def put_text(self, doc: Document) -> str:
        return self.texts.put(doc)

    def text(self, content_hash: str) -> Document | None:
        return self.texts.get(content_hash) if content_hash else None

    # deliveries
    def mark_sending(self, alert_id: str) -> None:
        self._log.sending(alert_id)

    def mark_part(self, alert_id: str, done: int) -> None:
        self._log.part(alert_id, done)
        self._set_parts(alert_id, done)

    def mark_sent(self, alert_id: str, how: str) -> None:
        self._log.sent(alert_id, how)
        self._set_sent(alert_id, how, now())

    def in_flight(self) -> list[str]:
        return list(self._in_flight)

    def close(self) -> None:
        self._log.close()
