"""A source's health after a poll, as `watcher status` and the admins read it: pure updates of its record."""

from __future__ import annotations

from datetime import datetime

PARKED_KEPT = 100  # documents given up on, listed in a source's health for `watcher status` and the admins


def failed(health: dict, error: str, started: datetime) -> dict:
    return {**health, "last_attempt": started.isoformat(timespec="seconds"), "last_error": error,
            "failures": health.get("failures", 0) + 1}


def succeeded(health: dict, started: datetime, changed: bool, parked: list[tuple[str, str]]) -> dict:
    """`changed`: the poll found something new (or was a first run); `parked`: (key, why) of documents whose
    file was given up on in it, told to the admins once each (deliver/admins.py), the newest kept."""
    at = started.isoformat(timespec="seconds")
    health = {**health, "last_attempt": at, "last_success": at, "failures": 0, "last_error": "",
              "told_failing": False}
    last = health.get("last_change")
    # A last change after now was stamped by a clock that ran ahead: trusted, the admins would hear of no
    # silence until the clock caught up. Counted from now instead.
    if changed or (last and datetime.fromisoformat(last) > started):
        health.update(last_change=at, told_silent=False)
    if parked:
        keys = {k for k, _ in parked}
        kept = [p for p in health.get("parked", []) if p["key"] not in keys]
        kept += [{"key": key, "error": why[:300], "told": False} for key, why in parked]
        health["parked"] = kept[-PARKED_KEPT:]
    return health
