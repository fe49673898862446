"""Telegram's sending limits, kept on our side so that no 429 is ever needed:
at most 30 messages a second overall, 1 a second to one chat, 20 a minute to one group."""

from __future__ import annotations

import asyncio
import time
from collections import deque

OVERALL_PER_SECOND = 30
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20


class RateLimiter:
    def __init__(self, overall: int = OVERALL_PER_SECOND, chat_interval: float = CHAT_INTERVAL,
                 group_per_minute: int = GROUP_PER_MINUTE, clock=time.monotonic, sleep=asyncio.sleep):
        self.overall, self.chat_interval, self.group_per_minute = overall, chat_interval, group_per_minute
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()  # every send of the last second
        self._chat_last: dict[int, float] = {}
        self._group_sent: dict[int, deque[float]] = {}
        self._lock = asyncio.Lock()

    def _wait_for(self, chat_id: int, now: float) -> float:
        while self._sent and now - self._sent[0] >= 1.0:
            self._sent.popleft()
        wait = 0.0
        if len(self._sent) >= self.overall:
            wait = max(wait, 1.0 - (now - self._sent[0]))
        last = self._chat_last.get(chat_id)
        if last is not None:
            wait = max(wait, self.chat_interval - (now - last))
        if chat_id < 0:  # groups and channels have negative ids
            group = self._group_sent.setdefault(chat_id, deque())
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) >= self.group_per_minute:
                wait = max(wait, 60.0 - (now - group[0]))
        return wait

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may go, and count it as gone."""
        while True:
            async with self._lock:
                now = self._clock()
                wait = self._wait_for(chat_id, now)
                if wait <= 0:
                    self._sent.append(now)
                    self._chat_last[chat_id] = now
                    if chat_id < 0:
                        self._group_sent[chat_id].append(now)
                    return
            await self._sleep(wait + 0.002)
