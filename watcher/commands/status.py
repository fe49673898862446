"""`watcher status`: is each source healthy? Reads the state without the lock, beside a running watcher."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

from ..settings import Config
from ..news.questions import SOORTEN, collect, open_report
from ..engine.roles import holders
from ..sources.kinds import KINDS
from ..store import open_reader


def _age(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def status(config: Config, out, now: datetime | None = None, as_json: bool = False) -> int:
    """Exit 1 when a source is stale (or there is no state yet), else 0; `as_json`: the same as one JSON
    object (`gather`), for monitoring."""
    now = now or datetime.now(timezone.utc)
    store = open_reader(config, sys.stderr if as_json else out)
    if store is None:
        return 1
    with store:
        if store.shared and not any(store.health(s.name) or store.cursor(s.name) for s in config.sources):
            # A database is there before any watcher ran on it: nothing in it is stale, there is nothing yet.
            (sys.stderr if as_json else out).write(f"no state in {store.where} yet: run `watcher run --once` first\n")
            return 1
        found = gather(config, store, now)
    if as_json:
        out.write(json.dumps(found, ensure_ascii=False, indent=2) + "\n")
    else:
        _write(found, out, now)
    return 1 if found["stale"] else 0


def gather(config: Config, store, now: datetime) -> dict:
    """What `watcher status` says, as plain data."""
    sources = []
    for source in config.sources:
        health = store.health(source.name)
        last = health.get("last_success")
        when = datetime.fromisoformat(last) if last else None
        sources.append({
            "name": source.name, "kind": source.kind,
            "stale": when is None or (now - when).total_seconds() > source.stale_after,
            "last_success": last or None, "last_error": health.get("last_error") or None,
            "failures": health.get("failures", 0),
            "where": dict(KINDS[source.kind].describe(store, source)),
            "documents": store.count_documents(source.name),
            "parked": [entry["key"] for entry in health.get("parked") or []]})
    today = now.date()
    open_questions = open_report(collect(store.all_documents(SOORTEN)), today)  # as `watcher questions` counts
    return {
        "sources": sources,
        "stale": [s["name"] for s in sources if s["stale"]],
        "alerts_waiting": store.count_pending_alerts(),
        "sends_not_folded": store.unfolded_sends,
        "roles": {role: who for role, who in holders(store, config)} if store.shared else None,
        "open_questions": len(open_questions),
        "overdue_questions": sum(q.overdue(today) for q in open_questions),
    }


def _write(found: dict, out, now: datetime) -> None:
    for source in found["sources"]:
        last = source["last_success"]
        out.write(f"{source['name']} ({source['kind']}): {'STALE' if source['stale'] else 'ok'}\n")
        out.write(f"  last success: {last + ' (' + _age(datetime.fromisoformat(last), now) + ')' if last else 'never'}\n")
        if source["last_error"]:
            out.write(f"  last error:   {source['last_error']} ({source['failures']} failed cycles)\n")
        for label, text in source["where"].items():
            out.write(f"  {label + ':':13} {text}\n")
        out.write(f"  documents:    {source['documents']}\n")
    out.write(f"alerts waiting: {found['alerts_waiting']}\n")
    if found["roles"] is not None:  # a shared database: which watcher does what (roles.py)
        out.write("roles:\n")
        for role, who in found["roles"].items():
            out.write(f"  {role + ':':14}{who['host']}, process {who['pid']}, since {who['since']}\n" if who
                      else f"  {role + ':':14}no watcher holds it now\n")
    if found["open_questions"]:
        out.write(f"open written questions: {found['open_questions']} ({found['overdue_questions']} overdue; "
                  "`watcher questions` lists them)\n")
    if found["sends_not_folded"]:
        # Sends outbox.log confirmed that the tables do not show yet (a crash, or a cycle in progress):
        # counted as sent above; the running watcher, or the next start, folds them in.
        out.write(f"  {found['sends_not_folded']} sends not yet folded into the store (outbox.log)\n")
    parked = [f"{s['name']}:{key}" for s in found["sources"] for key in s["parked"]]
    if parked:
        # Not a failure of the source: these were alerted on their metadata and wait for a new file.
        out.write(f"parked:         {', '.join(parked[:5])}{' …' if len(parked) > 5 else ''} "
                  "(their file failed 3 times; retried when it changes)\n")
    if found["stale"]:
        out.write(f"stale: {', '.join(found['stale'])} (no success within stale_after)\n")
