"""Written questions (Kamervragen) as the store knows them: asked, delayed, answered, overdue.

A written question is a Zaak of Soort "Schriftelijke vragen". Its documents tell its life (the Soort
values are the API's, as openkamer/tkapi's DocumentSoort lists them): "Schriftelijke vragen" (the
question), "Mededeling (uitstel antwoord)" (a delay notice), "Antwoord schriftelijke vragen" and
"Antwoord schriftelijke vragen (nader)". An answer is due 3 weeks after the question; each delay notice
moves that by 3 more weeks. A withdrawn question has no Soort of its own: the API files the notice as a
plain "Mededeling" whose Onderwerp says so ("… ingetrokken", "intrekken"), which is how OpenTK (tkconv's
open-vragen table) tells it closes the question; we read it the same way.

This module only decides (what is open, what is due, since when); reading the documents is the caller's.
`watcher questions` prints the report.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..parliament import dutch_date, member_matches, party_key

QUESTION = "schriftelijke vragen"
DELAY = "mededeling (uitstel antwoord)"
ANSWERS = ("antwoord schriftelijke vragen", "antwoord schriftelijke vragen (nader)")
NOTICE = "mededeling"  # a withdrawal is a plain notice ...
WITHDRAWN = "mededeling (intrekking)"  # ... that we file under a soort of our own once its subject says so
SOORTEN = (QUESTION, DELAY, *ANSWERS, NOTICE)  # the Soort values of the documents of a question's life
_WITHDRAWAL = re.compile(r"\bin(?:getrokken|trekken|trekking)\b", re.I)
TERM = timedelta(days=21)  # the answer is due three weeks after the question ...
DELAY_TERM = timedelta(days=21)  # ... and three weeks more for a delay notice


def term(delays: int) -> timedelta:
    """How long after the question its answer is due, with this many delay notices."""
    return TERM + DELAY_TERM * delays


@dataclass
class Question:
    """A written question (one zaak): when it was asked, by whom, and what became of it."""

    zaak: str
    onderwerp: str = ""
    asked_on: date | None = None
    askers: list[tuple[str, str]] = field(default_factory=list)  # (name, party)
    document: str = ""  # the question's own document number
    delays: list[date] = field(default_factory=list)
    answers: list[tuple[str, date | None]] = field(default_factory=list)  # (document, date)
    withdrawn: date | None = None

    @property
    def due(self) -> date | None:
        if self.asked_on is None:
            return None
        return self.asked_on + term(len(self.delays))

    @property
    def answered(self) -> bool:
        return bool(self.answers)

    def days_open(self, today: date) -> int | None:
        return (today - self.asked_on).days if self.asked_on else None

    @property
    def closed(self) -> bool:
        return self.answered or self.withdrawn is not None

    def overdue(self, today: date) -> bool:
        return not self.closed and self.due is not None and today > self.due


def life_soort(meta) -> str:
    """The part a document plays in a question's life: its Soort lowercased, WITHDRAWN for a notice of
    withdrawal, "" for anything else (an ordinary "Mededeling" is not part of it)."""
    soort = (meta.soort or "").strip().lower()
    if soort == NOTICE:
        return WITHDRAWN if _WITHDRAWAL.search(f"{meta.onderwerp or ''} {meta.titel or ''}") else ""
    return soort if soort in SOORTEN else ""


def _day(value: str) -> date | None:
    try:
        return datetime.fromisoformat(value[:10]).date() if value else None
    except ValueError:
        return None


def collect(documents) -> list[Question]:
    """The written questions among stored documents (StoredDocument), one per zaak."""
    by_zaak: dict[str, Question] = {}
    for doc in documents:
        soort = life_soort(doc.meta)
        if doc.deleted or not soort:
            continue
        zaken = [z.get("nummer", "") for z in doc.meta.zaken
                 if (z.get("soort") or "").strip().lower() in (QUESTION, "")] or []
        for zaak in filter(None, zaken):
            question = by_zaak.setdefault(zaak, Question(zaak))
            when = _day(doc.meta.datum)
            if soort == QUESTION:
                question.document, question.asked_on = doc.key, when
                question.onderwerp = doc.meta.onderwerp or doc.meta.titel
                question.askers = [(a.name, a.party) for a in doc.meta.actors
                                   if a.role.lower() in ("indiener", "medeindiener")]
            elif soort == DELAY:
                if when is not None:
                    question.delays.append(when)
            elif soort == WITHDRAWN:
                question.withdrawn = when or date.min
            else:
                question.answers.append((doc.key, when))
                if not question.askers:
                    question.askers = [(a.name, a.party) for a in doc.meta.actors
                                       if a.role.lower() in ("indiener", "medeindiener")]
                question.onderwerp = question.onderwerp or doc.meta.onderwerp
    # A zaak whose question document we never saw (an answer alone) has no date to count from: it is
    # listed as answered, never as overdue.
    return sorted(by_zaak.values(), key=lambda q: q.zaak)


def open_report(questions: list[Question], today: date, member: str | None = None,
                party: str | None = None, party_key=party_key) -> list[Question]:
    """The open questions, overdue first and then the longest open; optionally of one member or party."""
    wanted = [q for q in questions if not q.closed and q.asked_on is not None and q.asked_on <= today]
    if member:
        wanted = [q for q in wanted if any(member_matches(member, name) for name, _ in q.askers)]
    if party:
        key = party_key(party)
        wanted = [q for q in wanted if any(party_key(p) == key for _, p in q.askers if p)]
    return sorted(wanted, key=lambda q: (not q.overdue(today), q.asked_on))


# ---------------------------------------------------------------- the question's life, as events
# The store keeps one small state per question zaak, written with the page that changed it:
# {"question": key, "asked_on": iso, "delays": [[key, iso]], "answers": [[key, iso]], "told": [...]}.

def question_zaak(meta) -> str | None:
    """The written-question zaak a document of a question's life belongs to, or None."""
    return (question_of(meta) or {}).get("nummer")


def question_of(meta) -> dict | None:
    """The zaak entry ({"nummer", "soort", "gestart"}) of the written question a document belongs to."""
    if not life_soort(meta):
        return None
    return next((z for z in meta.zaken if (z.get("soort") or "").strip().lower() == QUESTION and z.get("nummer")),
                None)


def _due(state: dict) -> date | None:
    asked = _day(state.get("asked_on", ""))
    return asked + term(len(state.get("delays", []))) if asked else None


def _term_days(state: dict) -> int:
    return term(len(state.get("delays", []))).days


_REASON = re.compile(r"[^.!?]*\b(?:reden|omdat|vanwege|in verband met|aangezien|nodig is|vergt|vraagt meer tijd)\b[^.!?]*[.!?]",
                     re.I)


def delay_reason(text: str) -> str:
    """The sentence of a delay notice that says why ("…omdat afstemming met andere departementen nodig
    is."), cut to a line; "" when it gives none."""
    m = _REASON.search(" ".join(text.split()))
    if not m:
        return ""
    sentence = m.group(0).strip()
    return sentence if len(sentence) <= 200 else sentence[:199] + "…"


def observe(state: dict, key: str, soort: str, datum: str, text: str = "", started: str = "") -> tuple[dict, str]:
    """The state after this document, and the event it is (a Dutch headline; "" for the question itself,
    and for a document the state already holds: each tells its event once). `soort`: its life_soort;
    `text`: the document's text, for a delay notice's reason."""
    # When the question was put: its own document's date, or else its zaak's GestartOp (so an answer to a
    # question from before watcher started still counts its days, without fetching the question).
    if not state.get("asked_on") and started:
        state = {**state, "asked_on": started}
    known = bool(state.get("question") or state.get("asked_on"))
    state = copy.deepcopy({"delays": [], "answers": [], "told": [], **state})  # the caller's stays as it was
    soort = soort.strip().lower()
    when = _day(datum)
    entry = [key, when.isoformat() if when else ""]
    if soort == QUESTION:
        state.update(question=key, asked_on=state.get("asked_on") or entry[1])
        return state, ""
    if soort == WITHDRAWN:
        seen = bool(state.get("withdrawn"))
        state["withdrawn"] = state.get("withdrawn") or entry
        return state, "" if seen or not known else "ingetrokken: de vragen worden niet meer beantwoord"
    bucket = state["delays"] if soort == DELAY else state["answers"]
    if key in [k for k, _ in bucket]:
        return state, ""  # seen before (a metadata update of the same notice or answer)
    first = not state["answers"]
    bucket.append(entry)
    if not known:
        # A delay notice or an answer for a question we never saw, nor its zaak's start: kept, but no
        # story to tell (and no count of days to get wrong); it alerts as the new document it is.
        return state, ""
    if soort == DELAY:
        due = _due(state)
        reason = delay_reason(text)
        return state, ("uitstel" + (f": antwoord nu verwacht uiterlijk {dutch_date(due.isoformat())}" if due else "")
                       + (f" — “{reason}”" if reason else ""))
    if soort.endswith("(nader)") or not first:
        return state, "nader antwoord"
    asked = _day(state.get("asked_on", ""))
    if asked is None or when is None or when < asked:
        return state, "beantwoord"  # when it was asked is unknown (or the dates disagree): no count
    days, term = (when - asked).days, _term_days(state)
    late = "overdue" in state["told"] or days > term
    return state, f"{'alsnog ' if late else ''}beantwoord na {days} dagen (termijn {term})"


def overdue_event(state: dict, today: date) -> str:
    """"termijn verstreken: …" once, for a question without an answer past its term; "" otherwise."""
    due, asked = _due(state), _day(state.get("asked_on", ""))
    if (state.get("answers") or state.get("withdrawn") or due is None or today <= due
            or "overdue" in state.get("told", [])):
        return ""
    return f"termijn verstreken: {(today - asked).days} dagen zonder antwoord (termijn {_term_days(state)})"


def documents_of(state: dict) -> list[str]:
    """The keys of the question's documents: whoever was alerted about one of them follows the question."""
    keys = [state["question"]] if state.get("question") else []
    keys += [k for k, _ in state.get("delays", [])] + [k for k, _ in state.get("answers", [])]
    return keys + [state["withdrawn"][0]] if state.get("withdrawn") else keys
