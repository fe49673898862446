"""Parties and members as the Tweede Kamer's own data names them, not as a list in the code; and names as
rules and documents write them (folded, a member's surname, a party's key, a dossier number). A leaf: the
watchlists, the deciders and the bot all compare names here.

A party is a Fractie entity of the mirror (sources/tweedekamer/) under every name it has had: its afkorting
and its names now, the names it was renamed from (GroenLinks-PvdA is PRO since 2026-06-09, ODP #186), and the
names the Kamer's actors gave it (a ZaakActor of the NSC says "NSC" while the fractie's afkorting is
"Nieuw Sociaal Contract"). A rule on any of those names follows the party under all of them. A member is a
Persoon entity. Before the first sync there is nothing to know names by: a rule is taken as written, and
said not to be checked yet.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

# The Kamer's clock: its days ("today", "tomorrow", "past"), its dates in an alert and its quiet hours.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()

# ------------------------------------------------------------------ names, as rules and documents write them

WORD = re.compile(r"\w+")
# A dossier (35207, 36800-X) or a zaak (2022Z11285), as a rule names it once spaces are gone (dossier_key).
DOSSIER_NUMBER = re.compile(r"^(\d{3,6}(-[A-Z0-9]+)?|\d{4}Z\d{5})$")


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: 'Azië' -> 'azie'."""
    if text.isascii():
        return text.lower()  # most words: the same result, twenty times faster
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # A space out of NFKD (a few ligatures hold one) would split one word in two.
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())


def member_tokens(name: str) -> tuple[str, ...]:
    tokens = tuple(fold(t) for t in WORD.findall(name))
    while len(tokens) > 1 and len(tokens[-1]) == 1:
        tokens = tokens[:-1]  # KOOP writes "Sterk W.R.C.": initials after the surname
    return tokens


def party_key(name: str) -> str:
    """A party name as itself, without case, accents, spaces or punctuation (GroenLinks-PvdA is groenlinks pvda):
    what a name is when the Kamer's data does not say which party it is (parliament.Parliament knows every name
    of every fractie, and falls back to this)."""
    return re.sub(r"[\W_]", "", fold(name))


def dossier_key(value: str) -> str:
    return re.sub(r"\s+", "", str(value)).upper()


def member_matches(rule: str, name: str) -> bool:
    """Does a member rule ("Van der Staaij") name this person ("C.G. van der Staaij")? As in watchlists."""
    return surname_match(member_tokens(rule), member_tokens(name))


def surname_match(rule: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """'Van der Staaij' or 'Staaij' matches 'C.G. van der Staaij'; 'Ceder' never 'Cederberg'.

    The rule's last word must be the name's last word; the rule's other words (tussenvoegsels,
    initials, first names) must each appear in the name, in order.
    """
    if not rule or not name or rule[-1] != name[-1]:
        return False
    rest = iter(name[:-1])
    return all(any(word == n for n in rest) for word in rule[:-1])


NOT_CHECKED = ("parties and members are not checked yet: the Tweede Kamer's data is read at the first run; "
               "`watcher check` after it names any the Kamer does not know")


def _folded(name: str) -> str:
    """A party name with case, accents, spaces and punctuation left out: GroenLinks-PvdA, groenlinks pvda."""
    return party_key(name)


def name_words(name: str) -> tuple[str, ...]:
    """A committee's or ministry's name as words to compare: folded, punctuation gone."""
    return tuple(fold(w) for w in WORD.findall(name or ""))


def names_match(rule: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """A committee or ministry rule's words stand together in a name: "Justitie" in "Justitie en Veiligheid",
    "Buitenlandse Zaken" in "vaste commissie voor Buitenlandse Zaken", "Van Weel" in "D.M. van Weel"."""
    n = len(rule)
    return bool(n) and any(name[i:i + n] == rule for i in range(len(name) - n + 1))


class Parliament:
    def __init__(self, fracties=(), people=(), committees=(), ministries=()):
        """`fracties`: for each party, every name it is known by (its name now first); `people`: full names;
        `committees`: (afkorting, name) of the committees that lead debates; `ministries`: their names."""
        self.groups: list[list[str]] = [list(dict.fromkeys(n for n in names if n)) for names in fracties]
        self.groups = [g for g in self.groups if g]
        self._party: dict[str, int] = {}
        for i, names in enumerate(self.groups):
            for name in names:
                self._party.setdefault(_folded(name), i)
        self.people = list(dict.fromkeys(p for p in people if p))
        self.committees = list(dict.fromkeys((a or "", n or "") for a, n in committees if a or n))
        self.ministries = list(dict.fromkeys(m for m in ministries if m))

    @classmethod
    def from_store(cls, store, people: bool = False, bodies: bool = False) -> "Parliament":
        """The parties (and with `people`, the members; with `bodies`, the committees that lead its debates and
        the ministries of its toezeggingen) the mirror knows; none from a store without it."""
        fracties, persons, committees, ministries = [], [], [], []
        try:
            for data in store.entities("Fractie"):
                fields = data.get("f", {})
                fracties.append([fields.get("afkorting") or "", fields.get("naamNl") or "", fields.get("naamEn") or "",
                                 *data.get("a", [])])
            if people:
                for data in store.entities("Persoon"):
                    f = data.get("f", {})
                    surname = " ".join(p for p in (f.get("tussenvoegsel"), f.get("achternaam")) if p)
                    if surname:
                        persons.append(" ".join(p for p in (f.get("initialen"), surname) if p))
                        if f.get("roepnaam"):
                            persons.append(f"{f['roepnaam']} {surname}")
            if bodies:
                for data in store.entities("Activiteit"):
                    f = data.get("f", {})
                    committees.append((f.get("voortouwafkorting"), f.get("voortouwnaam")))
                ministries = [m for data in store.entities("Toezegging") if (m := data.get("f", {}).get("ministerie"))]
        except AttributeError:  # a store of another kind of test double, or none
            pass
        return cls(fracties, persons, committees, ministries)

    @property
    def knows_parties(self) -> bool:
        return bool(self.groups)

    # ------------------------------------------------------------ parties
    def party(self, name: str) -> int | None:
        return self._party.get(_folded(name))

    def party_key(self, name: str) -> str:
        """One key for every name of one party; an unknown name stands for itself."""
        found = self.party(name) if name else None
        return f"fractie {found}" if found is not None else _folded(name)

    def names(self, name: str) -> list[str]:
        found = self.party(name)
        return self.groups[found] if found is not None else [name]

    def party_problem(self, rule: str, dutch: bool = False) -> str | None:
        """What is wrong with a party rule: a name the Kamer's data does not have (with the nearest ones)."""
        if not self.knows_parties or self.party(rule) is not None:
            return None
        near = self._near(rule, [n for names in self.groups for n in names])
        if dutch:
            return f"de Kamer kent geen fractie {rule!r}" + (f"; bedoelt u {_or(near, 'of')}?" if near else "")
        return f"unknown party {rule!r}" + (f" (did you mean {_or(near, 'or')}?)" if near else
                                            "; the Tweede Kamer's data names no such fractie")

    # ------------------------------------------------------------ members
    def member_problem(self, rule: str, dutch: bool = False) -> str | None:
        if not self.people or any(member_matches(rule, person) for person in self.people):
            return None
        # Near by the surname proper ("Cedar" -> "Ceder"), shown with its tussenvoegsel ("Van der Staaij").
        shown: dict[str, str] = {}
        for person in self.people:
            surname = " ".join(w for w in person.split() if "." not in w)
            if (tokens := member_tokens(surname)):
                shown.setdefault(tokens[-1], surname[:1].upper() + surname[1:])
        wanted = member_tokens(rule)
        import difflib  # here: only a name not found asks for the nearest

        near = [shown[t] for t in difflib.get_close_matches(wanted[-1] if wanted else "", list(shown), n=3,
                                                               cutoff=0.75)]
        if dutch:
            return f"de Kamer kent geen Kamerlid {rule!r}" + (f"; bedoelt u {_or(near, 'of')}?" if near else "")
        return f"unknown member {rule!r}" + (f" (did you mean {_or(near, 'or')}?)" if near else
                                             "; the Tweede Kamer's data names no such person")

    # ------------------------------------------------------------ committees and ministries
    def body_problem(self, kind: str, rule: str, dutch: bool = False) -> str | None:
        """A committee or ministry rule that names none the Kamer's data has (with the nearest names)."""
        words = name_words(rule)
        if kind == "committees":
            known = [n for pair in self.committees for n in pair if n]
            if not known or any(words == name_words(a) or names_match(words, name_words(n)) for a, n in self.committees):
                return None
            thing, ding = "committee", "commissie"
        else:
            known = self.ministries
            # A bewindspersoon by name is not in this list: a rule that names no ministry is taken as a person.
            if not known or any(names_match(words, name_words(m)) for m in known) or not self._near(rule, known):
                return None
            thing, ding = "ministry", "ministerie"
        near = self._near(rule, known)
        if dutch:
            return f"de Kamer kent geen {ding} {rule!r}" + (f"; bedoelt u {_or(near, 'of')}?" if near else "")
        return f"unknown {thing} {rule!r}" + (f" (did you mean {_or(near, 'or')}?)" if near else
                                               f"; the Tweede Kamer's data names no such {thing}")

    def problem(self, kind: str, rule: str, dutch: bool = False) -> str | None:
        """What is wrong with a rule by the Kamer's data; None where it has nothing to say."""
        if kind == "parties":
            return self.party_problem(rule, dutch)
        if kind == "members":
            return self.member_problem(rule, dutch)
        if kind in ("committees", "ministries"):
            return self.body_problem(kind, rule, dutch)
        return None

    def checks(self, kind: str) -> bool:
        """Whether there is anything to check a rule of this kind against yet."""
        return {"parties": bool(self.groups), "members": bool(self.people), "committees": bool(self.committees),
                "ministries": bool(self.ministries)}.get(kind, True)

    @staticmethod
    def _near(name: str, candidates: list[str]) -> list[str]:
        by_fold = {}
        for candidate in candidates:
            by_fold.setdefault(_folded(candidate), candidate)
        import difflib

        return [by_fold[f] for f in difflib.get_close_matches(_folded(name), list(by_fold), n=3, cutoff=0.6)]


def _or(names: list[str], word: str) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {word} {quoted[-1]}"


# ------------------------------------------------------------------ dates, as the Kamer writes them

def dutch_date(iso: str) -> str:
    """"2026-11-28" -> "28 november 2026", as people write it; anything else as it is. A moment with its zone
    is the day it is in Amsterdam (23:30 UTC on the 6th is the 7th here), not the day the wire string
    says; one without a zone is the Kamer's own wall time."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(AMSTERDAM)
    except ValueError:
        try:
            moment = datetime.strptime(iso[:10], "%Y-%m-%d")
        except ValueError:
            return iso
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
