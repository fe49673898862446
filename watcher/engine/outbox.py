"""The outbox as the stages fill it: an alert owed to a subscriber goes in once per channel it has."""

from __future__ import annotations

from ..deliver import channels
from ..model import Alert
from ..store import Store
from .rules import LiveRules


class Outbox:
    def __init__(self, store: Store, rules: LiveRules):
        self.store = store
        self.rules = rules
        self._by_name: tuple[object, dict] = (None, {})

    def enqueue(self, alert: Alert) -> bool:
        """True when the alert is new (its copies added); False when the outbox held it already."""
        config = self.rules.config
        if self._by_name[0] is not config:  # the rules were read again: so may the channels have been
            self._by_name = (config, {s.name: s for s in config.subscribers})
        added = [self.store.enqueue(copy) for copy in channels.copies(alert, self._by_name[1].get(alert.subscriber))]
        return any(added)
