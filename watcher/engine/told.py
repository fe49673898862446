"""Waiting to be told rather than asking: a watcher that rests waits for another's word (a Listener on the
store: a file wanted, alerts queued), for a wake-up of its own, or for its pause to pass. Where it cannot be
told (a database behind a pooler in transaction mode, a listening connection that ended), it says so once and
looks every `fallback` seconds instead. A store that no other process writes to has nothing to say: no
listener, and no fallback either (its own process wakes it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger("watcher")


class Told:
    def __init__(self, listen, what: str, fallback: float):
        """`listen()`: the store's Listener, or None; `what`: what the word is of, for the log line."""
        self.what, self.fallback = what, fallback
        self.cap: float | None = None  # how long a wait may last while the word cannot be had
        try:
            self.listener = listen()
        except Exception as e:
            self.listener = None
            self._cannot(f"cannot be told of {what} ({e})")

    def _cannot(self, why: str) -> None:
        log.warning("%s: looking every %g s", why, self.fallback)
        self.cap = self.fallback

    async def wait(self, timeout: float, *events: asyncio.Event) -> None:
        """Until told, one of `events` is set, or `timeout` seconds pass (at most `fallback` without a word)."""
        if self.cap is not None:
            timeout = min(timeout, self.cap)
        if self.listener is not None:
            try:
                await self.listener.wait(timeout, *events)
                return
            except Exception as e:  # its connection ended (the server restarted, or ended it)
                self.close()
                self._cannot(f"no longer told of {self.what} ({e})")
                timeout = self.fallback
        waits = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED) if waits \
                else await asyncio.sleep(timeout)
        finally:
            for waiting in waits:
                waiting.cancel()

    def close(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(Exception):
                self.listener.close()
            self.listener = None
