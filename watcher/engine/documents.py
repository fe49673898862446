"""Telling a document's change: the engine gathers what the deciders need from the store (the document's
copies, its question's life, what it replaces), asks them who hears it and what they read, and queues that.

The order of the steps is part of the promise; each is said where it is and pinned by a test.
"""

from __future__ import annotations

import asyncio
import logging

from ..alerts import alert as alerts
from ..model import DELETED, METADATA, NEW, REVISED, UNCHANGED, Change, StoredDocument
from ..news import debates, questions
from ..store import Store
from ..watchlists import audience
from ..watchlists.match import Hit
from .outbox import Outbox
from .rules import LiveRules

log = logging.getLogger("watcher")


class DocumentNews:
    def __init__(self, store: Store, rules: LiveRules):
        self.store = store
        self.rules = rules
        self.outbox = Outbox(store, rules)

    async def tell(self, change: Change) -> int:
        """Match a change and put what it owes each subscriber in the outbox. Returns alerts added."""
        if change.kind == UNCHANGED:
            return 0
        stored = change.stored
        # A question's life is recorded before a silent backfill's documents are left untold: an answer that
        # comes after the backfill is told as the answer to a question known, "beantwoord na 10 dagen"
        # (test_questions: a question read by a silent backfill is known when its answer comes).
        event, followers = self._question_event(change)
        if change.record.quiet:
            return 0
        change, replaced = self._as_replacement(change)
        follows_why = audience.FOLLOWS_QUESTION
        if replaced is not None:
            # Who heard of the motie it replaces follows it ("gewijzigd: vervangt motie 2025D05999").
            event = alerts.replaces(replaced.meta, replaced.key)
            followers = sorted(set(followers) | set(replaced.alerted))
            follows_why = audience.HEARD_OF_REPLACED
        summary: list[str] = []
        matched: list[Hit] = []
        if change.kind != DELETED:
            new = change.new
            changed = None
            if change.kind == REVISED:
                # A replaced motie's diff is made here, in a thread as a revision's is (pages.py).
                result = (await diffed([change]))[0].diff
                summary = result.summary()
                changed = result.changed_text()
            askers = (new.metadata.get("askers") if new else None) or []
            askers = askers + ((new.metadata.get("sprekers") if new else None) or [])  # who spoke, in a debate
            matched = self.rules.matcher.match(new.text if new else "", stored.meta, askers, changed=changed,
                                               stated=new.metadata if new else None)
        # One document, one alert: the same document from the other source (TK <-> KOOP) may have told a
        # subscriber already. A deletion is told only to who heard of this very copy.
        related = self.store.related(stored) if change.kind != DELETED else []
        told = audience.told_elsewhere(change.kind, related, stored.current.hash if stored.current else "")
        if change.kind == NEW and (sitting := debates.handelingen_sitting(stored.key)):
            # KOOP's Handelingen of a debate the Kamer's own verslag told of the same day: not news to them.
            told |= debates.heard_of(self.store.event_state(debates.SITTING, debates.sitting_key(*sitting)),
                                     stored.meta.titel or stored.meta.onderwerp)
        hits = audience.of_document(change.kind, matched, stored.alerted, told, followers, follows_why,
                                    self.rules.muted, stored.key)
        links = {k: v for d in related for k, v in d.meta.links.items()}
        added = 0
        for hit in hits:
            effective = change if change.kind != METADATA else Change(NEW, change.record, stored, new=change.new)
            if self.outbox.enqueue(alerts.build(effective, hit, summary, links, event=event)):
                added += 1
                log.info("%s %s: %s alert for %s (%s)", change.record.source, stored.key, effective.kind,
                         hit.subscriber, "; ".join(hit.reasons))
            if hit.subscriber not in stored.alerted:
                stored.alerted.append(hit.subscriber)
        if hits:
            self.store.put_document(stored)
        return added

    def _as_replacement(self, change: Change) -> tuple[Change, StoredDocument | None]:
        """A new document of a zaak that replaces another (a gewijzigde motie, Zaak.VervangenVanuit) is a
        revision of the replaced one's text, diffed against it; else the change as it is."""
        stored = change.stored
        if change.kind != NEW or not stored.meta.vervangt or change.new is None:
            return change, None
        for zaak in stored.meta.vervangt:
            key = self.store.find_alias(f"zaak:{zaak}")
            replaced = self.store.document(key) if key and key != stored.key else None
            old = self.store.text(replaced.current.hash) if replaced and replaced.current else None
            if old is not None:
                return Change(REVISED, change.record, stored, old=old, new=change.new,
                              old_version=replaced.key), replaced
        return change, None

    def _question_event(self, change: Change) -> tuple[str, list[str]]:
        """A new document of a written question's life: its state updated (with the page), and the event
        it is with who follows the question."""
        stored = change.stored
        entry = questions.question_of(stored.meta)
        if entry is None or change.kind not in (NEW, METADATA):
            return "", []
        zaak = entry["nummer"]
        before = self.store.question(zaak) or {}
        state, event = questions.observe(before, stored.key, questions.life_soort(stored.meta),
                                         stored.meta.datum, change.new.text if change.new else "",
                                         started=entry.get("gestart", ""))
        if state != before:
            self.store.set_question(zaak, state)
        if change.kind == METADATA and stored.alerted:
            # A document that joins a question only now (its zaak became "Schriftelijke vragen" in a data
            # fix) is recorded, but was alerted already as the document it is: no second message.
            return "", []
        return event, self.followers(state, but=stored.key) if event else []

    def followers(self, state: dict, but: str = "") -> list[str]:
        """Who follows a written question: whoever was alerted about one of its documents (but `but`)."""
        followers = set()
        for key in questions.documents_of(state):
            if key != but and (doc := self.store.document(key)) is not None:
                followers |= set(doc.alerted)
        return sorted(followers)

    def still_a_question(self, zaak: str, state: dict) -> StoredDocument | None:
        """The document an overdue question is told by (its own, or else its delay notice when the question
        came before watcher), provided it still is one: a zaak whose Soort was corrected away from
        "Schriftelijke vragen" since is no question to be late with."""
        for key in questions.documents_of(state):
            doc = self.store.document(key)
            if doc is not None and not doc.deleted:
                entry = questions.question_of(doc.meta)
                return doc if entry is not None and entry["nummer"] == zaak else None
        return None


async def diffed(changes: list[Change]) -> list[Change]:
    """Each revision's diff made in a thread: a 200-page diff takes a second or two of CPU, and the bot answers
    taps on the event loop meanwhile."""
    for change in changes:
        if change.kind == REVISED and change.diff is None and not change.record.quiet:
            from ..news.diff import diff  # here: a cycle with no revision (most) does not import it
            change.diff = await asyncio.to_thread(diff, change.old, change.new)
    return changes
