"""`watcher migrate --from STATE_DIR --to postgresql://…`: a SQLite or TinyDB state copied into PostgreSQL,
so an install can grow without starting over.

Everything goes in one transaction: documents with every version's text, aliases, cursors, health,
written questions, vote and agenda states, chats, and the outbox, pending and sent. Before the commit
both sides are counted and hashed (documents, texts, state rows, alerts); any difference and nothing is
committed. The source is opened read-only and its lock taken, so no watcher changes it meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import signal

from .. import exitcodes
from ..store import PostgresStore, StateLock, StateLocked, StateUnusable, StoreError, found_kind, open_store


def migrate(state_dir, dsn: str, out, err) -> int:
    kind = found_kind(state_dir)
    if kind is None:
        err.write(f"watcher: no watcher state in {state_dir}: --from names the state_dir of a SQLite or TinyDB "
                  "install\n")
        return exitcodes.CONFIG
    try:
        lock = StateLock(state_dir).acquire()
    except (StateLocked, StateUnusable) as e:
        err.write(f"watcher: {e} (stop that watcher first: what it did meanwhile would not be copied)\n")
        return exitcodes.STATE
    source = target = None
    stops = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        source = open_store(state_dir, readonly=True, kind=kind)
        target = PostgresStore(dsn)
        target.lock_writes()  # no watcher writes into it meanwhile
        if target.count_documents() or next(target.state_rows(), None) or next(target.outbox_rows(), None):
            raise StoreError(f"{target.where} already holds a watcher state: migrate into an empty database")
        copied = _copy(source, target, out)
        before, after = _summary(source), _summary(target)
        if before != after:
            target.rollback()
            differ = ", ".join(k for k in before if before[k] != after[k])
            raise StoreError(f"the copy differs from {state_dir} in {differ}: nothing was committed")
        for sig in stops:
            signal.signal(sig, signal.SIG_IGN)  # the commit is short, and a stop must not leave it in doubt
        target.flush()
    except StoreError as e:
        err.write(f"watcher: {e}\n")
        return exitcodes.STATE
    except _Stopped as e:
        err.write(f"watcher: migrate stopped by {e}: nothing was committed, {state_dir} is as it was; run it "
                  "again\n")
        return exitcodes.STATE
    finally:
        for sig, previous in stops.items():
            signal.signal(sig, previous)
        for store in (source, target):
            if store is not None:
                store.close()
        lock.release()
    out.write(f"copied {state_dir} ({kind}) into {target.where}: {copied['documents']:,} documents, "
              f"{copied['texts']:,} texts, {copied['state']:,} cursors, questions and chats, "
              f"{copied['alerts']:,} alerts ({copied['pending']:,} pending), {copied['entities']:,} mirrored "
              f"entities of the Tweede Kamer; counts and hashes agree.\n"
              f"Next: set `store: postgresql` and `dsn: {target.where}` in sources.yaml (or $WATCHER_DSN), "
              f"then start watcher; {state_dir} stays as it was.\n")
    return exitcodes.OK


class _Stopped(KeyboardInterrupt):
    """SIGTERM or Ctrl-C during the copy: the transaction is left uncommitted, and that is said.

    A KeyboardInterrupt because psycopg cancels the statement under way only for that (or SystemExit): raised
    as a plain exception mid-statement, the connection stays busy and its rollback fails with a warning."""


def _stopped(signum, frame):
    raise _Stopped(signal.Signals(signum).name)


def _copy(source, target, out) -> dict:
    copied = dict.fromkeys(("documents", "texts", "state", "alerts", "pending", "entities"), 0)
    texts: set[str] = set()
    for doc in source.all_documents():
        for version in doc.versions:
            if version.hash and version.hash not in texts:
                text = source.text(version.hash)
                if text is None:
                    continue  # a text the source lost already: the version keeps its hash, as there
                if target.put_text(text) != version.hash:
                    raise StoreError(f"{doc.key}: its text hashes differently once copied; nothing was committed")
                texts.add(version.hash)
        target.put_document(doc)
        copied["documents"] += 1
        if copied["documents"] % 10_000 == 0:
            out.write(f"  {copied['documents']:,} documents…\n")
    copied["texts"] = len(texts)
    for kind, key, value in source.state_rows():
        target.take_state(kind, key, value)
        copied["state"] += 1
    for alert, status, how, sent_at in source.outbox_rows():
        target.take_alert(alert, status, how, sent_at)
        copied["alerts"] += 1
        copied["pending"] += status == "pending"
    # The mirror of the Tweede Kamer's entities, and what their changes marked and no reader has yet taken.
    for category, ident, data, parents in source.mirror_rows():
        target.put_entity(category, ident, data, parents)
        copied["entities"] += 1
    marks: dict[str, dict[str, int]] = {}
    for kind, key, seq in source.touched_rows():
        marks.setdefault(kind, {})[key] = seq
    for kind, keyed in marks.items():
        target.set_touched(kind, keyed)
    return copied


def _summary(store) -> dict:
    """Counts and a hash of each kind of thing a store holds, in an order both sides share."""
    summary = {}
    documents, texts = hashlib.sha256(), set()
    count = 0
    for doc in store.all_documents():
        documents.update(_canonical(doc.to_dict()))
        texts.update(v.hash for v in doc.versions if v.hash and store.text(v.hash) is not None)
        count += 1
    summary["documents"] = (count, documents.hexdigest())
    summary["texts"] = (len(texts), hashlib.sha256("".join(sorted(texts)).encode()).hexdigest())
    state = hashlib.sha256()
    rows = sorted((kind, key, _canonical(value)) for kind, key, value in store.state_rows())
    for row in rows:
        state.update(repr(row).encode())
    summary["state"] = (len(rows), state.hexdigest())
    alerts = hashlib.sha256()
    outbox = sorted((a.id, status, _canonical(a.to_dict())) for a, status, _, _ in store.outbox_rows())
    for row in outbox:
        alerts.update(repr(row).encode())
    summary["alerts"] = (len(outbox), alerts.hexdigest())
    mirror = hashlib.sha256()
    count = 0
    for category, ident, data, parents in store.mirror_rows():
        mirror.update(repr((category, ident, _canonical(data), sorted(parents))).encode())
        count += 1
    for row in store.touched_rows():
        mirror.update(repr(tuple(row)).encode())
    summary["mirror"] = (count, mirror.hexdigest())
    return summary


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
