"""`watcher status`: is each source healthy? Reads the state without the lock, beside a running watcher."""

from __future__ import annotations

from datetime import datetime, timezone

from .config import Config
from .questions import SOORTEN, collect, open_report
from .roles import holders
from .sources import KINDS
from .store import open_reader


def _age(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def status(config: Config, out, now: datetime | None = None) -> int:
    now = now or datetime.now(timezone.utc)
    store = open_reader(config, out)
    if store is None:
        return 1
    stale = []
    with store:
        if store.shared and not any(store.health(s.name) or store.cursor(s.name) for s in config.sources):
            # A database is there before any watcher ran on it: nothing in it is stale, there is nothing yet.
            out.write(f"no state in {store.where} yet: run `watcher run --once` first\n")
            return 1
        for source in config.sources:
            health = store.health(source.name)
            last = health.get("last_success")
            when = datetime.fromisoformat(last) if last else None
            if when is None or (now - when).total_seconds() > source.stale_after:
                stale.append(source.name)
            state = "STALE" if source.name in stale else "ok"
            out.write(f"{source.name} ({source.kind}): {state}\n")
            out.write(f"  last success: {last + ' (' + _age(when, now) + ')' if when else 'never'}\n")
            if health.get("last_error"):
                out.write(f"  last error:   {health['last_error']} ({health.get('failures', 0)} failed cycles)\n")
            for label, text in KINDS[source.kind].describe(store, source):
                out.write(f"  {label + ':':13} {text}\n")
            out.write(f"  documents:    {store.count_documents(source.name)}\n")
        out.write(f"alerts waiting: {store.count_pending_alerts()}\n")
        if store.shared:  # a shared database: which watcher does what (roles.py)
            out.write("roles:\n")
            for role, who in holders(store, config):
                out.write(f"  {role + ':':14}{who['host']}, process {who['pid']}, since {who['since']}\n" if who
                          else f"  {role + ':':14}no watcher holds it now\n")
        today = now.date()
        open_questions = open_report(collect(store.all_documents(SOORTEN)), today)  # as `watcher questions` counts
        if open_questions:
            late = sum(q.overdue(today) for q in open_questions)
            out.write(f"open written questions: {len(open_questions)} ({late} overdue; `watcher questions` lists them)\n")
        if store.unfolded_sends:
            # Sends outbox.log confirmed that the tables do not show yet (a crash, or a cycle in progress):
            # counted as sent above; the running watcher, or the next start, folds them in.
            out.write(f"  {store.unfolded_sends} sends not yet folded into the store (outbox.log)\n")
        parked = [f"{source.name}:{entry['key']}" for source in config.sources
                  for entry in store.health(source.name).get("parked") or []]
        if parked:
            # Not a failure of the source: these were alerted on their metadata and wait for a new file.
            out.write(f"parked:         {', '.join(parked[:5])}{' …' if len(parked) > 5 else ''} "
                      "(their file failed 3 times; retried when it changes)\n")
    if stale:
        out.write(f"stale: {', '.join(stale)} (no success within stale_after)\n")
        return 1
    return 0
