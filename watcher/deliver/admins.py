"""What the admins hear about the sources: one that keeps failing, one gone silent, a file given up on.

Each is told once per episode, in cron mode (`run --once`) as in a running watcher: deciding what is news
(`news`) is apart from telling it (`tell`), which marks it told and flushes before it sends, so that a
notice costs at most one message even across a crash.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from datetime import datetime, timezone

from ..alerts.alert import pack
from ..settings import SourceConfig

log = logging.getLogger("watcher.admins")

FAILING_CYCLES = 3  # an admin hears of a source after this many failed cycles in a row


def news(source: SourceConfig, health: dict, now: datetime) -> tuple[list[str], dict]:
    """The notices due about `source` and its health as it is once they are told (a copy)."""
    import html  # here, as in alert.py: a run with no admins loads no entity table

    health = copy.deepcopy(health)
    name = html.escape(source.name)
    told = []
    if health.get("failures", 0) >= FAILING_CYCLES and not health.get("told_failing"):
        told.append(f"⚠️ Bron <b>{name}</b> faalt al {health['failures']} cycli: "
                    f"{html.escape(health.get('last_error', ''))}")
        health["told_failing"] = True
    quiet_since = health.get("last_change") or health.get("last_success")
    if quiet_since and (now - datetime.fromisoformat(quiet_since)).total_seconds() > source.stale_after \
            and not health.get("told_silent"):
        told.append(f"🔇 Bron <b>{name}</b> meldt niets nieuws sinds {quiet_since}.")
        health["told_silent"] = True
    for entry in health.get("parked") or []:
        if not entry.get("told"):
            told.append(f"📎 Bron <b>{name}</b>: het bestand van {html.escape(entry['key'])} lukt steeds niet "
                        f"({html.escape(entry.get('error', ''))}). Gemeld op de gegevens alleen; opnieuw "
                        "geprobeerd zodra het bestand verandert.")
            entry["told"] = True
    return told, health


async def tell(config, store, telegram, limiter, page_lock: asyncio.Lock, now: datetime | None = None) -> None:
    """Send the admins what is news about each source (`telegram`: notify.Telegram)."""
    if not config.telegram.admins or telegram is None:
        return
    now = now or datetime.now(timezone.utc)
    for source in config.sources:
        told, health = news(source, store.health(source.name), now)
        if not told:
            continue
        async with page_lock:
            # Afresh under the lock: on a shared store the source's poller may be another process.
            told, health = news(source, store.health(source.name), now)
            store.set_health(source.name, health)
            store.flush()
        if not told:
            continue
        for admin in config.telegram.admins:
            try:
                await telegram.send(admin, pack(told), None, limiter)
            except Exception as e:  # best effort: the log has it too
                log.warning("could not tell admin %s: %s", admin, e)
