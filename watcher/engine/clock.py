"""What the clock raises, not a source: a written question past its term, the day before a followed debate, a
toezegging past its date.
Told once each, by the first cycle that sees the day (also one that polls nothing new); run by the watcher that
holds the clock's role (roles.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from ..alerts import alert as alerts
from ..news import questions
from ..store import Store
from ..watchlists import audience
from ..watchlists.match import Hit
from .documents import DocumentNews
from .outbox import Outbox
from .rules import LiveRules

log = logging.getLogger("watcher")


class ClockEvents:
    def __init__(self, store: Store, rules: LiveRules, clock: Callable[[], datetime], documents: DocumentNews,
                 streams: dict):
        self.store = store
        self.outbox = Outbox(store, rules)
        self.rules = rules
        self.clock = clock
        self.documents = documents
        self.streams = streams  # each stream's news, by name (streams.NEWS): what the clock raises of it

    def run(self) -> int:
        return self.overdue_questions() + sum(news.on_clock() for news in self.streams.values())

    def overdue_questions(self) -> int:
        """Questions past their term with no answer: told once to who follows them."""
        today = self.clock().date()
        added = 0
        for zaak, state in self.store.questions().items():
            event = questions.overdue_event(state, today)
            if not event:
                continue
            question = self.documents.still_a_question(zaak, state)
            if question is None:
                continue
            followers = [h.subscriber for h in audience.unmuted([Hit(n) for n in self.documents.followers(state)],
                                                                 question.key, self.rules.muted)]
            for name in followers:
                added += self.outbox.enqueue(alerts.overdue_alert(question, name, event))
            state["told"] = state.get("told", []) + ["overdue"]
            self.store.set_question(zaak, state)
            log.info("%s: %s; %d followers told", zaak, event, len(followers))
        return added
