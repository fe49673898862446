"""outbox.log: one line per send started, per part of a long alert accepted, and per send confirmed.

A delivery must be durable the moment Telegram accepts it, but committing the store then would also
commit a half-applied page (a document stored, its alerts not yet queued). So sends are logged here,
outside the store's transaction, and folded into the store at the next flush.

Only what Telegram accepted is fsync'd (a part, a send): that is what must never be repeated. A send
started is written to the file without an fsync: a killed process leaves it in the operating system's
cache, so the next start still knows it was in flight; a power cut may lose it, and with it only the
warning that the alert may come twice, which it may either way. One fsync per alert, not two: they were
a fifth of the main thread in a backfill.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class OutboxLog:
    def __init__(self, path: Path, readonly: bool = False):
        self.path = Path(path)
        self._file = None if readonly else open(self.path, "a", encoding="utf-8")

    def replay(self) -> tuple[list[tuple[str, str]], list[str], dict[str, int]]:
        """What the log says since the last flush: (alert id, how) per confirmed send, the ids of sends
        started and never confirmed (a crash mid-send) in the order they started, and how many parts of
        each unconfirmed alert were accepted."""
        sent: list[tuple[str, str]] = []
        started: dict[str, bool] = {}
        parts: dict[str, int] = {}
        if not self.path.exists():
            return sent, [], parts
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line torn by a crash: its send was never confirmed
                if entry[0] == "sending":
                    started[entry[1]] = True
                elif entry[0] == "part":
                    parts[entry[1]] = max(parts.get(entry[1], 0), int(entry[2]))
                elif entry[0] == "sent":
                    started.pop(entry[1], None)
                    parts.pop(entry[1], None)
                    sent.append((entry[1], entry[2]))
        return sent, list(started), parts

    def _append(self, entry: list, durable: bool = True) -> None:
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()
        if durable:
            os.fsync(self._file.fileno())

    def sending(self, alert_id: str) -> None:
        self._append(["sending", alert_id], durable=False)

    def part(self, alert_id: str, done: int) -> None:
        self._append(["part", alert_id, done])

    def sent(self, alert_id: str, how: str) -> None:
        self._append(["sent", alert_id, how])

    def clear(self) -> None:
        """Called once the store holds everything the log said."""
        self._file.truncate(0)
        self._file.seek(0)
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
