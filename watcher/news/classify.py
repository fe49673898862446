"""What a record is against the document as stored, decided before anything is downloaded: pure."""

from __future__ import annotations

import enum
from datetime import datetime

from ..model import Record, StoredDocument
from ..settings import parse_since


def _older_than(record: Record, moment: datetime | None) -> bool:
    if moment is None or not record.meta.datum:
        return False
    try:
        return parse_since(record.meta.datum) < moment
    except ValueError:
        return False


class Verdict(enum.Enum):
    """What `apply` does with a record, decided before anything is downloaded."""
    GONE = "gone"  # upstream deleted it
    REREAD = "reread"  # the same stamp, read again through the overlap window
    OLDER = "older"  # an older version, published under its own id, re-sent
    BACKLOG = "backlog"  # never seen, and old news: stored as known, without download or alert
    SAME_FILE = "same file"  # the file is the one stored (version and length): not downloaded
    PARKED = "parked"  # its file was given up on: not fetched until it changes
    FETCH = "fetch"


def classify(record: Record, stored: StoredDocument | None, backlog_before: datetime | None) -> Verdict:
    """The verdict on a record against the document as stored (None: never seen); pure. The first rule
    that applies wins (tests/cases/verdicts.yaml)."""
    if record.deleted:
        return Verdict.GONE
    if stored is not None and record.stamp and stored.stamp == record.stamp and not stored.text_pending \
            and not stored.deleted:
        return Verdict.REREAD
    if stored is not None and stored.current and record.rank < stored.current.rank:
        return Verdict.OLDER
    if stored is None and (record.backlog or _older_than(record, backlog_before)):
        return Verdict.BACKLOG
    current = stored.current if stored else None
    if current and record.fingerprint and current.fingerprint == record.fingerprint and not stored.text_pending:
        return Verdict.SAME_FILE
    if stored is not None and stored.failure.get("parked") and stored.failure.get("fingerprint") == record.fingerprint:
        return Verdict.PARKED
    return Verdict.FETCH
