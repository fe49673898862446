"""Comparing a record with what the store holds: new, revised, metadata-only, unchanged or deleted.

Only a changed normalised text is a revision. A rise in version number, a new upstream stamp or a
mass re-send with the same file is not; where version and file length are unchanged the file is not
even downloaded.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from ..extract import ExtractError
from ..news.classify import Verdict, classify
from ..sources.http import FetchError
from ..model import (DELETED, METADATA, NEW, REVISED, UNCHANGED, Change, Record, StoredDocument, Version)
from ..store import Store

log = logging.getLogger("watcher.compare")

# A file that failed this often (in as many cycles) is given up on until it changes.
PARK_AFTER = 3


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _stored(record: Record, store: Store) -> StoredDocument | None:
    stored = store.document(record.key)
    if stored is None and record.deleted and (known := store.find_alias(record.key)):
        stored = store.document(known)  # a tombstone names only the upstream id
    return stored


def wants_file(record: Record, store: Store, backlog_before: datetime | None = None) -> bool:
    """Whether `apply` would download the record's file if the store stayed as it is now: a page read ahead
    has its files fetched before it is applied (ahead.FetchAhead)."""
    return record.spec is not None and classify(record, _stored(record, store), backlog_before) == Verdict.FETCH


async def apply(record: Record, store: Store, backlog_before: datetime | None, reader) -> Change:
    """Fold one record into the store and say what kind of change it was. `reader` reads its file and completes
    its metadata (`read(record)`, `complete(record)`): its source's, or that wrapped to read ahead (ahead.py).

    `backlog_before`: a document we have never seen, dated before this, is upstream re-sending old
    news (the 2024-02-19 data fix re-sent ~25,800): it is stored as known, without download or alert.
    """
    stored = _stored(record, store)
    verdict = classify(record, stored, backlog_before)
    if verdict == Verdict.GONE:
        if stored is None or stored.deleted:
            return Change(UNCHANGED, record, stored or _fresh(record))
        stored.deleted, stored.stamp = True, record.stamp
        store.put_document(stored)
        return Change(DELETED, record, stored)
    if verdict in (Verdict.REREAD, Verdict.OLDER):
        return Change(UNCHANGED, record, stored)
    if verdict == Verdict.BACKLOG:
        stored = _fresh(record)
        stored.versions.append(Version(record.version, "", record.fingerprint, _now(), record.rank))
        store.put_document(stored)
        log.debug("%s %s: known from before the start, stored without alert", record.source, record.key)
        return Change(UNCHANGED, record, stored)

    if record.complete_from:
        try:
            await reader.complete(record)
        except FetchError as e:
            # Metadata that could not be completed now is completed when the record comes again.
            log.warning("%s %s: metadata incomplete (%s)", record.source, record.key, e)

    meta_changed = stored is not None and stored.meta != record.meta and not record.rebase
    current = stored.current if stored else None
    if verdict in (Verdict.SAME_FILE, Verdict.PARKED):
        return _same_text(record, store, stored, meta_changed)

    failure = None
    try:
        doc = await reader.read(record) if record.spec is not None else None
    except (FetchError, ExtractError) as e:
        doc, failure = None, e
    if doc is None:
        first = stored is None
        stored = stored or _fresh(record)
        _take(stored, record)
        parked = _count_failure(stored, record, failure) if failure is not None else ""
        stored.text_pending = not parked
        if failure is not None and not parked:
            log.warning("%s %s: text not available (%s); retried next cycle", record.source, record.key, failure)
        if not stored.versions:
            stored.versions.append(Version(record.version, "", record.fingerprint, _now(), record.rank))
        store.put_document(stored)
        # A new document is reported on its metadata; its text follows when it can be had.
        return Change(NEW if first else (METADATA if meta_changed else UNCHANGED), record, stored,
                      newly_matchable=not first, parked=parked)

    content_hash = store.put_text(doc)
    # Its text was never had: it was pending, or given up on until this new file came.
    was_pending = stored is not None and (stored.text_pending or bool(stored.failure.get("parked")))
    if stored is not None:
        stored.failure = {}
    if stored is None:
        stored = _fresh(record)
        stored.versions.append(Version(record.version, content_hash, record.fingerprint, _now(), record.rank))
        store.put_document(stored)
        return Change(NEW, record, stored, new=doc)

    old_hash = current.hash if current else ""
    if old_hash == content_hash:
        stored.text_pending = False
        return _same_text(record, store, stored, meta_changed)

    old_version = current.version if current else ""
    _take(stored, record)
    stored.text_pending = False
    if current and not current.hash:
        stored.versions[-1] = Version(record.version, content_hash, record.fingerprint, _now(), record.rank)
    else:
        stored.versions.append(Version(record.version, content_hash, record.fingerprint, _now(), record.rank))
    store.put_document(stored)
    if was_pending:
        # The text we could not fetch before: the document is still "new" to whoever it concerns.
        return Change(NEW, record, stored, new=doc)
    return Change(REVISED, record, stored, old=store.text(old_hash) if old_hash else None, new=doc,
                  old_version=old_version)


def _count_failure(stored: StoredDocument, record: Record, error: Exception) -> str:
    """Count one more failure of this file; returns why, if it is given up on now: after PARK_AFTER failures
    of the same file, or at once where asking again cannot help (over the size limit, a refused redirect)."""
    same_file = stored.failure.get("fingerprint") == record.fingerprint
    count = (stored.failure.get("count", 0) if same_file else 0) + 1
    stored.failure = {"fingerprint": record.fingerprint, "count": count, "error": str(error)[:500]}
    if getattr(error, "permanent", False) or count >= PARK_AFTER:
        stored.failure["parked"] = True
        return str(error) if getattr(error, "permanent", False) else f"{count} failures, the last: {error}"
    return ""


def _same_text(record, store, stored, meta_changed) -> Change:
    current = stored.current
    if current and record.version:
        current.version = record.version
    if current and record.fingerprint:
        current.fingerprint = record.fingerprint
    if current:
        current.rank = max(current.rank, record.rank)
    _take(stored, record)
    store.put_document(stored)
    kind = METADATA if meta_changed else UNCHANGED
    return Change(kind, record, stored, new=store.text(current.hash) if kind == METADATA and current else None,
                  newly_matchable=meta_changed)


def _take(stored: StoredDocument, record: Record) -> None:
    stored.meta, stored.stamp, stored.deleted = record.meta, record.stamp, False


def _fresh(record: Record) -> StoredDocument:
    return StoredDocument(key=record.key, source=record.source, meta=record.meta, stamp=record.stamp)
