"""A long backfill's progress, drawn on stderr where a person watches (a terminal), never into a log."""

from __future__ import annotations

import sys


class Progress:
    def __init__(self, shown: bool | None = None):
        self.shown = sys.stdout.isatty() if shown is None else shown
        self._drawn = False

    def show(self, name: str, done: int, total: int | None) -> None:
        if not self.shown:
            return
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            sys.stderr.write(f"\r{name}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        else:
            sys.stderr.write(f"\r{name}: {done} records")
        sys.stderr.flush()
        self._drawn = True

    def end(self) -> None:
        if self._drawn:
            sys.stderr.write("\n")
            self._drawn = False
