"""Telegram's sending limits, kept on our side so that no 429 is ever needed:
at most 30 messages a second overall, 1 a second to one chat, 20 a minute to one group.

Telegram counts messages when they arrive; we only know when we sent them and when they were accepted.
So every message counts from the moment it leaves until it is accepted (in flight), and after that from
its acceptance, which is never earlier than its arrival: however our requests bunch up on the way, no
window of Telegram's can hold more than the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from contextlib import asynccontextmanager

OVERALL_PER_SECOND = 30
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
POLL = 0.005  # how often a sender waiting on messages in flight looks again


class RateLimiter:
    def __init__(self, overall: int = OVERALL_PER_SECOND, chat_interval: float = CHAT_INTERVAL,
                 group_per_minute: int = GROUP_PER_MINUTE, clock=time.monotonic, sleep=asyncio.sleep):
        self.overall, self.chat_interval, self.group_per_minute = overall, chat_interval, group_per_minute
        self._clock, self._sleep = clock, sleep
        self._done: deque[float] = deque()  # acceptances of the last second
        self._in_flight = 0
        self._chat_in_flight: Counter[int] = Counter()
        self._chat_last: dict[int, float] = {}
        self._group_done: dict[int, deque[float]] = {}

    def _wait_for(self, chat_id: int, now: float) -> float:
        while self._done and now - self._done[0] >= 1.0:
            self._done.popleft()
        wait = 0.0
        if len(self._done) + self._in_flight >= self.overall:
            wait = max(wait, 1.0 - (now - self._done[0]) if self._done else POLL)
        if self._chat_in_flight[chat_id]:
            wait = max(wait, POLL)
        elif chat_id in self._chat_last:
            wait = max(wait, self.chat_interval - (now - self._chat_last[chat_id]))
        if chat_id < 0:  # groups and channels have negative ids
            group = self._group_done.setdefault(chat_id, deque())
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) + self._chat_in_flight[chat_id] >= self.group_per_minute:
                wait = max(wait, 60.0 - (now - group[0]) if group else POLL)
        return wait

    async def ready(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` could go now (without taking the turn): a delivery pass asks
        this before it decides to start the next alert."""
        while (wait := self._wait_for(chat_id, self._clock())) > 0:
            await self._sleep(wait)

    @asynccontextmanager
    async def slot(self, chat_id: int):
        """Hold this around one message to `chat_id`: it waits its turn, and counts until accepted."""
        while (wait := self._wait_for(chat_id, self._clock())) > 0:
            await self._sleep(wait)
        self._in_flight += 1
        self._chat_in_flight[chat_id] += 1
        try:
            yield
        finally:
            now = self._clock()
            self._in_flight -= 1
            self._chat_in_flight[chat_id] -= 1
            self._done.append(now)
            self._chat_last[chat_id] = now
            if chat_id < 0:
                self._group_done.setdefault(chat_id, deque()).append(now)
