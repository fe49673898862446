"""Delivery: pending alerts from the outbox to each subscriber's channel, each marked sent only after
the channel accepted it.

A crash between the channel's acceptance and the durable mark can repeat that one alert (no chat
API takes an idempotency key); nothing is ever lost.
"""

from __future__ import annotations

import asyncio
import logging

from .config import Config
from .notify import Console
from .store import Store

log = logging.getLogger("watcher.deliver")


class Deliverer:
    def __init__(self, config: Config, console: Console | None = None, telegram=None):
        self.config = config
        self.console = console or Console()
        self.telegram = telegram

    def channel_for(self, subscriber):
        if subscriber.telegram is not None and self.telegram is not None:
            return self.telegram
        return self.console

    async def deliver(self, store: Store) -> tuple[int, int]:
        """Send what is pending. Returns (delivered, still pending)."""
        subscribers = {s.name: s for s in self.config.subscribers}
        for alert_id in store.in_flight():
            log.warning("alert %s was being sent when watcher stopped; sending it again", alert_id)
        delivered = 0
        pending = store.pending_alerts()
        for alert in pending:
            subscriber = subscribers.get(alert.subscriber)
            if subscriber is None:
                log.warning("alert %s: subscriber %s is no longer in the config; dropped",
                            alert.id, alert.subscriber)
                store.mark_sent(alert.id, "dropped")
                continue
            channel = self.channel_for(subscriber)
            store.mark_sending(alert.id)
            try:
                await channel.send(alert, subscriber.telegram)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the channel's own errors vary; the alert stays pending either way
                log.error("alert %s to %s via %s not delivered, will retry: %s", alert.id, subscriber.name,
                          channel.name, e)
                continue
            store.mark_sent(alert.id, channel.name)
            delivered += 1
        return delivered, len(pending) - delivered

    async def close(self) -> None:
        if self.telegram is not None:
            await self.telegram.close()
