"""Which copies of an alert the outbox holds: one per channel of its subscriber (decided here, pure).

The copy for Telegram (or, for a subscriber without a chat and without other channels, the console) keeps
the alert's own id, so an outbox from before channels reads as it was; a copy for another channel has the
channel's key after the id. Each copy is sent, retried and marked on its own: exactly once per channel, and
a channel that fails holds up no other.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Alert
from ..settings import Channel, Subscriber


def copies(alert: Alert, subscriber: Subscriber | None) -> list[Alert]:
    """The alert once for each channel of `subscriber` (None: one that sources.yaml does not name, a chat that
    subscribed itself: Telegram only)."""
    if subscriber is None or not subscriber.channels:
        return [alert]
    out = [alert] if subscriber.telegram is not None else []
    return out + [replace(alert, id=f"{alert.id}#{c.key}", channel=c.key) for c in subscriber.channels]


def channel_of(subscriber: Subscriber, key: str) -> Channel | None:
    return next((c for c in subscriber.channels if c.key == key), None)
