"""Delivery throughput within Telegram's limits: 5,000 alerts to 1,000 chats through a fake Bot API on
127.0.0.1 that answers 429 as Telegram does (30 messages a second, 1 a second per chat, 20 a minute per
group). Prints messages per second reached (goal: at least 27 of the 30 allowed), 429s received (goal: 0)
and alerts lost (must be 0). Takes about three minutes: the limits are the point.

    python bench/bench_telegram.py [ALERTS] [CHATS]
"""

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the repository on sys.path)

from tests.fakes.telegram import FakeTelegram
from watcher.config import parse
from watcher.deliver import Deliverer
from watcher.model import Alert
from watcher.notify import Console, Telegram
from watcher.ratelimit import RateLimiter
from watcher.store import open_store


def main(alerts: int = 5000, chats: int = 1000) -> None:
    fake = FakeTelegram()
    fake.enforce = True
    fake.server.start()
    state = Path(tempfile.mkdtemp())
    lines = [f"state_dir: {state}", "telegram:", f"  api_url: {fake.url}", "subscribers:"]
    lines += [f"  - {{name: s{i}, telegram: {1000 + i}, keywords: [x]}}" for i in range(chats)]
    config = parse("\n".join(lines) + "\n", state / "sources.yaml")
    store = open_store(state)
    for n in range(alerts):
        store.enqueue(Alert(id=f"s{n % chats}|2025D{n:05d}|new", subscriber=f"s{n % chats}", document=f"2025D{n:05d}",
                            kind="new", title=f"Motie {n}", reasons=["keyword x"], created=f"{n:08d}"))
    store.flush()

    async def run():
        deliverer = Deliverer(config, Console(), Telegram("1:BENCH", fake.url), RateLimiter())
        try:
            started = time.perf_counter()
            delivered, pending = await deliverer.deliver(store)
            return delivered, pending, time.perf_counter() - started
        finally:
            await deliverer.close()

    delivered, pending, elapsed = asyncio.run(run())
    received = len(fake.messages)
    lost = alerts - len({m["text"].split("\n")[0] for m in fake.messages}) - pending
    print(f"{alerts:,} alerts to {chats:,} chats in {elapsed:.1f} s")
    print(f"messages per second: {received / elapsed:.1f} of the 30 allowed (goal >= 27)")
    print(f"429s received: {fake.too_many} (goal 0) {fake.limit_hits or ''}")
    print(f"alerts lost: {lost} (goal 0); delivered {delivered:,}, left for the next cycle {pending}")
    fake.server.stop()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
