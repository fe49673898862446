"""Who hears of a change: a pure function of what the engine gathered (the rules' hits, who was told of the
document and of its other copies, who follows its question, who muted it). Nothing here reads the store.

The order of the steps is the promise (tests/cases/audience.yaml): those a copy of the document from the other
source already told are dropped before the followers are added, because a follower of the question hears what
happened to it even when they heard of the document's copy; a mute is the last word.
"""

from __future__ import annotations

from ..model import DELETED, METADATA, REVISED, StoredDocument
from .match import Hit

HEARD_BEFORE = "u kreeg eerder een melding over dit stuk"
FOLLOWS_QUESTION = "u volgt deze vraag"
HEARD_OF_REPLACED = "u kreeg een melding over wat dit vervangt"


def told_elsewhere(kind: str, related: list[StoredDocument], current_hash: str) -> set[str]:
    """Who a copy of this document from the other source (TK <-> KOOP) told already: one document, one alert.
    A revision is news again unless the copies had this very text."""
    if not related:
        return set()
    told = {s for d in related for s in d.alerted}
    seen_texts = {v.hash for d in related for v in d.versions if v.hash}
    return told if kind != REVISED or (current_hash and current_hash in seen_texts) else set()


def of_document(kind: str, matched: list[Hit], alerted: list[str], told: set[str], followers: list[str],
                follows_why: str, muted: dict[str, set[str]], document: str) -> list[Hit]:
    """The subscribers a document's change is told to, with why.

    - a deletion: only those told of the document before;
    - metadata alone: only those it makes match for the first time (a member added as medeindiener);
    - then those a copy told already are dropped, the followers (of its question, of what it replaces) added;
    - last, whoever asked to hear no more about this document ("Niet meer over dit document") is left out."""
    if kind == DELETED:
        hits = [Hit(name, reasons=[HEARD_BEFORE]) for name in alerted]
    elif kind == METADATA:
        hits = [h for h in matched if h.subscriber not in alerted]
    else:
        hits = list(matched)
    hits = [h for h in hits if h.subscriber not in told]
    named = {h.subscriber for h in hits}
    hits += [Hit(name, reasons=[follows_why]) for name in followers if name not in named]
    return unmuted(hits, document, muted)


def of_matter(matched: list[Hit], documents: list[StoredDocument], what: str,
              muted: dict[str, set[str]]) -> list[Hit]:
    """Who hears what happened to a matter (a vote, a debate): whoever its words match, and whoever was told
    of one of its documents; none who muted one of those documents (nor its vote, its debate, its reminder)."""
    hits = list(matched)
    told = {h.subscriber for h in hits}
    for doc in documents:
        hits += [Hit(n, reasons=[f"u kreeg een melding over deze {what}"]) for n in doc.alerted if n not in told]
        told |= set(doc.alerted)
    for doc in documents:
        hits = unmuted(hits, doc.key, muted)
    return hits


def unmuted(hits: list[Hit], document: str, muted: dict[str, set[str]]) -> list[Hit]:
    return [h for h in hits if document not in muted.get(h.subscriber, ())] if muted else hits
