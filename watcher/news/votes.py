"""Votes (a Besluit and its Stemming rows) as the store knows them, and what is news about them.

A `Besluit` on a Zaak (a motie, an amendement, a wetsvoorstel) whose besluitSoort starts with "Stemmen"
is a vote: "Stemmen - aangenomen", "Stemmen - verworpen", "Stemmen - zonder stemming aannemen" (a
hamerstuk), "Stemmen - uitstellen". Its `Stemming` rows are the positions: one per fractie (soort
Voor/Tegen/Niet deelgenomen, fractieGrootte seats), or one per member in a hoofdelijke stemming (then it
names a persoon and actorNaam is the member). `vergissing` marks a position its fractie says was a
mistake. The names and values are those of the official XSD and of openkamer/tkapi; tkconv counts votes
the same way (seats for a fractie, one for a member).

Positions arrive after the result (in a recorded page, the Stemming rows came eleven hours after their
Besluit), so a vote's state is assembled again from the mirror whenever either changes
(sources/tweedekamer/assemble.py: `vote_state`), and what is news is decided from the state, not from
the rows: the result once, then one correction per change of the positions that a cycle brings (never
one alert per arriving row).

This module only decides; reading the rows and sending the alerts are the caller's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..parliament import member_matches, party_key

RESULTS = {
    "stemmen - aangenomen": "aangenomen",
    "stemmen - verworpen": "verworpen",
    "stemmen - zonder stemming aannemen": "aangenomen zonder stemming (hamerstuk)",
    "stemmen - uitstellen": "stemming uitgesteld",
}
KIND = "vote"  # the store's name for these states


def is_vote(soort: str) -> bool:
    """A Besluit whose besluitSoort starts with "Stemmen" is a vote; the others are procedure."""
    return soort.strip().lower().startswith("stemmen")


def positions(state: dict | None, assembled: dict) -> dict:
    """The positions of a vote: what was stored, with what the mirror has now over it, less what the Kamer took
    back. The mirror may not have them all: a vote from before it began (an install upgraded from the OData
    source) keeps the positions known then."""
    out = {k: v for k, v in (state or {}).get("positions", {}).items() if k not in assembled.get("withdrawn", ())}
    return {**out, **assembled.get("positions", {})}


def from_before(state: dict, moment: datetime) -> bool:
    """A vote first seen whose meeting was held before `moment`: upstream re-sending old votes (a data fix),
    not news. A vote whose meeting is not known is news: better told than lost."""
    held = state.get("datum", "")
    try:
        return bool(held) and datetime.fromisoformat(held).astimezone(timezone.utc) < moment
    except ValueError:
        return False


def result_words(soort: str) -> str:
    """"Stemmen - aangenomen" -> "aangenomen"; an unlisted "Stemmen - …" in the API's own words."""
    key = soort.strip().lower()
    return RESULTS.get(key) or key.partition(" - ")[2] or key


# ---------------------------------------------------------------- counting

@dataclass
class Tally:
    """How a vote went: the seats on each side, and who stood where."""

    voor: int = 0
    tegen: int = 0
    niet: int = 0
    sides: dict[str, list[str]] = field(default_factory=lambda: {"Voor": [], "Tegen": [], "Niet deelgenomen": []})
    fracties: dict[str, str] = field(default_factory=dict)  # fractie -> its side (a fractie vote)
    members: list[tuple[str, str, str]] = field(default_factory=list)  # (name, fractie, side): hoofdelijk
    mistakes: list[str] = field(default_factory=list)  # "PVV (voor)"
    hoofdelijk: bool = False


def tally(state: dict) -> Tally | None:
    """The counts of a vote's positions; None while there are none."""
    positions = list(state.get("positions", {}).values())
    if not positions:
        return None
    t = Tally(hoofdelijk=any(p["lid"] for p in positions))
    for p in sorted(positions, key=lambda p: (-p["zetels"], p["naam"])):
        side = p["soort"] if p["soort"] in t.sides else "Niet deelgenomen"
        weight = 1 if t.hoofdelijk else p["zetels"]
        if side == "Voor":
            t.voor += weight
        elif side == "Tegen":
            t.tegen += weight
        else:
            t.niet += weight
        t.sides[side].append(p["naam"])
        if t.hoofdelijk:
            t.members.append((p["naam"], p["fractie"], side))
        else:
            t.fracties[p["fractie"] or p["naam"]] = side
        if p["vergissing"]:
            t.mistakes.append(f"{p['naam']} ({side.lower()})")
    return t


def _signature(state: dict) -> list:
    return sorted([p["naam"], p["soort"], p["zetels"], p["vergissing"]] for p in state.get("positions", {}).values())


def _counts(t: Tally) -> str:
    return f"{t.voor} voor – {t.tegen} tegen"


def lines(t: Tally | None) -> list[str]:
    """Who voted how, for the alert: "voor (78): CDA, ChristenUnie, …"; a hoofdelijke stemming names
    members, in lines short enough to read."""
    if t is None:
        return []
    out = []
    for side, word in (("Voor", "voor"), ("Tegen", "tegen"), ("Niet deelgenomen", "niet deelgenomen")):
        names = t.sides[side]
        if not names:
            continue
        label = f"{word} ({len(names)})" if t.hoofdelijk else word  # seats are in the headline's count
        chunk = []
        for name in names:
            chunk.append(name)
            if len(", ".join(chunk)) > 450:
                out.append(f"{label}: {', '.join(chunk)}")
                chunk, label = [], f"{word} (vervolg)"
        if chunk:
            out.append(f"{label}: {', '.join(chunk)}")
    if t.mistakes:
        out.append("vergissing gemeld: " + ", ".join(t.mistakes))
    return out


def own_votes(t: Tally | None, parties: tuple[str, ...], members: tuple[str, ...], zaak_actors: list[dict],
              party_key=party_key) -> list[str]:
    """The votes of what a subscriber follows, to read first: "SGP: voor", "Ceder (ChristenUnie): voor".
    `party_key`: one key for the names of one party (parliament.Parliament.party_key): a fractie renamed since
    the vote is still the subscriber's."""
    if t is None:
        return []
    out = []
    by_party = {party_key(f): (f, side) for f, side in t.fracties.items()}
    for rule in parties:
        if (found := by_party.get(party_key(rule))) is not None:
            out.append(f"{found[0]}: {found[1].lower()}")
        elif t.hoofdelijk:
            sides = sorted({side.lower() for _, f, side in t.members if party_key(f) == party_key(rule)})
            if sides:
                out.append(f"{rule}: {' en '.join(sides)}")
    for rule in members:
        if t.hoofdelijk:
            out += [f"{name}: {side.lower()}" for name, _, side in t.members if member_matches(rule, name)]
            continue
        for actor in zaak_actors:  # a member we know the fractie of: an indiener of the motie
            if member_matches(rule, actor["name"]) and (found := by_party.get(party_key(actor["party"]))):
                out.append(f"{actor['name']} ({found[0]}): {found[1].lower()}")
                break
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- what is news

@dataclass
class Event:
    """A vote's outcome, or a change to it, told as an alert of its own."""

    number: int  # the vote's n-th event: with the Besluit's Id, the alerts' idempotency key
    headline: str
    lines: list[str]


def decide(state: dict) -> tuple[dict, Event | None]:
    """The state with what it told marked, and the event this state is news of (None when nothing is)."""
    state = copy.deepcopy(state)
    told = state.setdefault("told", {})
    soort = state.get("soort", "")
    if state.get("removed") or not soort.strip().lower().startswith("stemmen"):
        return state, None
    t = tally(state)
    signature = _signature(state)
    result = result_words(soort)
    if told.get("result") != soort:
        headline = result + (f", {_counts(t)}" if t and "zonder stemming" not in result else "")
    elif t is not None and signature != told.get("positions"):
        before = told.get("positions") or []
        if not before:
            headline = f"{result}: stemverhouding bekend, {_counts(t)}"
        elif [p[:3] for p in before] == [p[:3] for p in signature]:
            headline = f"{result}: vergissing gemeld door {', '.join(m.split(' (')[0] for m in t.mistakes) or 'een fractie'}"
        else:
            headline = f"{result}: uitslag gecorrigeerd, nu {_counts(t)}"
    else:
        return state, None
    told.update(result=soort, positions=signature, events=told.get("events", 0) + 1)
    return state, Event(told["events"], headline, lines(t))


def settle(state: dict) -> dict:
    """The state marked as told without telling it: a vote that was there before watcher started."""
    state, _ = decide(state)
    return state
