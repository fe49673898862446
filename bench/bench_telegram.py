"""Delivery within Telegram's limits, through a fake Bot API on 127.0.0.1 that answers 429 as Telegram does
(30 messages a second, 1 a second per chat, 20 a minute per group). Each case prints messages per second,
429s received (goal: 0) and alerts lost (must be 0). The limits are the point: it takes minutes.

    python bench/bench_telegram.py [ALERTS] [CHATS]     throughput: 5,000 alerts to 1,000 chats (goal >= 27/s)
    python bench/bench_telegram.py limits               5 private chats x 10 alerts and 2 groups x 25
    python bench/bench_telegram.py fanout [CHATS]       one document to 10,000 chats, a second document's
                                                        alert queued 10 s into it: when does it arrive?
"""

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the repository on sys.path)

from tests.fakes.telegram import FakeTelegram
from watcher.config import parse
from watcher.deliver.deliver import Deliverer
from watcher.model import Alert
from watcher.deliver.notify import Console, Telegram
from watcher.deliver.ratelimit import RateLimiter
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


def _setup(chat_ids: list[int]):
    fake = FakeTelegram()
    fake.enforce = True
    fake.server.start()
    state = Path(tempfile.mkdtemp())
    lines = [f"state_dir: {state}", "telegram:", f"  api_url: {fake.url}", "subscribers:"]
    lines += [f"  - {{name: s{chat}, telegram: {chat}, keywords: [x]}}" for chat in chat_ids]
    return fake, parse("\n".join(lines) + "\n", state / "sources.yaml", need_sources=False), open_store(state)


def _alert(chat: int, document: str, n: int) -> Alert:
    return Alert(id=f"s{chat}|{document}|{n}", subscriber=f"s{chat}", document=document, kind="new",
                 title=f"{document} {n}", reasons=["keyword x"], created=f"{n:08d}")


def limits() -> None:
    """The per-chat (1/s) and group (20/min) limits: few chats, many alerts each."""
    private, groups = [2000 + i for i in range(5)], [-1001000 - i for i in range(2)]
    fake, config, store = _setup(private + groups)
    n = 0
    for chat, count in [(c, 10) for c in private] + [(g, 25) for g in groups]:
        for _ in range(count):
            store.enqueue(_alert(chat, f"2026D{n:05d}", n))
            n += 1
    store.flush()

    async def run():
        deliverer = Deliverer(config, Console(), Telegram("1:BENCH", fake.url), RateLimiter())
        try:
            started = time.perf_counter()
            result = await deliverer.deliver(store)
            return result, time.perf_counter() - started
        finally:
            await deliverer.close()

    (delivered, pending), elapsed = asyncio.run(run())
    lost = n - delivered - pending
    floor = 60.0  # 25 to a group at 20 a minute: the 21st goes a minute after the first
    print(f"{n} alerts: 5 private chats x 10, 2 groups x 25, in {elapsed:.1f} s; the floor the group limit sets "
          f"is {floor:.0f} s: ratio {elapsed / floor:.2f}")
    print(f"429s received: {fake.too_many} (goal 0) {fake.limit_hits or ''}; lost {lost} (goal 0); "
          f"left for the next cycle {pending}")
    fake.server.stop()


def fanout(chats: int = 10_000) -> None:
    """One document to `chats` chats; 10 s in, a second document's alert for one more chat is queued. The
    delivery runs as a long-running watcher's does: again as soon as something new is queued."""
    fake, config, store = _setup(list(range(3000, 3000 + chats + 1)))
    for i in range(chats):
        store.enqueue(_alert(3000 + i, "2026DAAAAA", i))
    store.flush()
    late_chat = 3000 + chats

    async def run():
        from watcher.commands.run import DELIVERY_PASS
        deliverer = Deliverer(config, Console(), Telegram("1:BENCH", fake.url), RateLimiter())
        arrived = []

        async def later():  # a cycle queues a second document's alert 10 s into the fan-out
            await asyncio.sleep(10)
            store.enqueue(_alert(late_chat, "2026DBBBBB", chats))
            queued = time.perf_counter()
            while not any(str(m.get("chat_id")) == str(late_chat) for m in fake.messages):
                await asyncio.sleep(0.05)
            arrived.append(time.perf_counter() - queued)

        try:
            started = time.perf_counter()
            watch = asyncio.create_task(later())
            while True:  # passes, as a long-running watcher's delivery beside polling makes them
                delivered, pending = await deliverer.deliver(store, budget=DELIVERY_PASS)
                if not pending and watch.done():
                    break
                if not delivered:
                    await asyncio.sleep(0.1)
            return arrived[0], time.perf_counter() - started
        finally:
            await deliverer.close()

    arrived, elapsed = asyncio.run(run())
    received = len(fake.messages)
    print(f"{chats:,} chats, one document: {received / elapsed:.1f} messages a second over {elapsed:.0f} s "
          f"(30 allowed); 429s {fake.too_many} (goal 0); {received} messages for {chats + 1} alerts")
    print(f"a second document's alert, queued 10 s into the fan-out, arrived {arrived:.1f} s later "
          f"(before: behind the whole fan-out, {chats / 30:.0f} s)")
    fake.server.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["limits"]:
        limits()
    elif sys.argv[1:2] == ["fanout"]:
        fanout(*(int(a) for a in sys.argv[2:3]))
    else:
        main(*(int(a) for a in sys.argv[1:3]))
