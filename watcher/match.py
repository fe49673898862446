"""Watchlists: which subscribers a change concerns, and why.

Text is folded (case and diacritics) and cut into word tokens; keyword rules are token patterns:
- `Xinjiang`: the word, whole;
- `Oeigoer*` / `*technologie` / `*surveillance*`: a word starting, ending, containing;
- `"sociaal krediet"` (or unquoted several words): the words in sequence, across line breaks.
Members match the structured actors (indiener, medeindiener of the document or its zaak) by surname,
with tussenvoegsels and initials optional; where a document has no actors, the askers its text names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .config import Subscriber
from .model import Meta

SNIPPET = 200
MEMBER_ROLES = {"indiener", "medeindiener", "mede-indiener", "vragensteller"}

# Abbreviations and names of parties, folded, to one canonical name. Kept short on purpose: a name not
# listed is matched as written.
PARTIES = {
    "cu": "christenunie", "christenunie": "christenunie",
    "gl": "groenlinks", "groenlinks": "groenlinks",
    "gl-pvda": "groenlinks-pvda", "groenlinks-pvda": "groenlinks-pvda", "glpvda": "groenlinks-pvda",
    "pvda": "pvda", "partij van de arbeid": "pvda",
    "sgp": "sgp", "staatkundig gereformeerde partij": "sgp",
    "cda": "cda", "vvd": "vvd", "d66": "d66", "pvv": "pvv", "sp": "sp", "pvdd": "pvdd",
    "partij voor de dieren": "pvdd", "denk": "denk", "ja21": "ja21", "fvd": "fvd",
    "forum voor democratie": "fvd", "bbb": "bbb", "boerburgerbeweging": "bbb", "nsc": "nsc",
    "nieuw sociaal contract": "nsc", "volt": "volt", "50plus": "50plus",
}

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: 'Azië' -> 'azie'. Same length mapping is not kept."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class FoldedText:
    """A text's folded tokens, with where each token stands in the original (for snippets)."""

    def __init__(self, text: str):
        self.text = text
        self.tokens: list[str] = []
        self.spans: list[tuple[int, int]] = []
        for m in _WORD.finditer(text):
            self.tokens.append(fold(m.group()))
            self.spans.append(m.span())


@dataclass(frozen=True)
class Pattern:
    """One token of a keyword: exact, prefix (abc*), suffix (*abc) or infix (*abc*)."""

    text: str
    prefix: bool = False  # the rule had * at the end: the word may go on
    suffix: bool = False  # the rule had * at the start

    def hits(self, token: str) -> bool:
        if self.prefix and self.suffix:
            return self.text in token
        if self.prefix:
            return token.startswith(self.text)
        if self.suffix:
            return token.endswith(self.text)
        return token == self.text


@dataclass(frozen=True)
class Keyword:
    rule: str
    patterns: tuple[Pattern, ...]

    def find(self, folded: FoldedText) -> tuple[int, int] | None:
        """Token index range of the first hit, or None."""
        n = len(self.patterns)
        first = self.patterns[0]
        for i, token in enumerate(folded.tokens):
            if first.hits(token) and all(
                    i + k < len(folded.tokens) and p.hits(folded.tokens[i + k])
                    for k, p in enumerate(self.patterns[1:], 1)):
                return i, i + n
        return None


def keyword_problem(rule: str) -> str | None:
    text = rule.strip()
    if not text:
        return "an empty keyword matches nothing: remove it"
    if text.count('"') % 2:
        return f"unbalanced quote in {rule!r}: write \"two words\" with a quote on each side"
    bare = text.strip('"').strip()
    if not bare or not bare.replace("*", "").strip():
        return f"{rule!r} would match every document: give at least one letter"
    for word in bare.split():
        if "*" in word.strip("*"):
            return f"'*' may stand only at the start or end of a word, not inside {word!r}"
        if not _WORD.search(word):
            return f"{word!r} has no letters or digits to match"
    return None


def compile_keyword(rule: str) -> Keyword:
    words = rule.strip().strip('"').split()
    patterns = []
    for word in words:
        core = word.strip("*")
        pieces = [fold(t) for t in _WORD.findall(core)]
        for j, piece in enumerate(pieces):
            # "GroenLinks-PvdA" is two tokens in text; only the outer ends of a word keep its wildcard.
            patterns.append(Pattern(piece, prefix=word.endswith("*") and j == len(pieces) - 1,
                                    suffix=word.startswith("*") and j == 0))
    return Keyword(rule, tuple(patterns))


def member_tokens(name: str) -> tuple[str, ...]:
    return tuple(fold(t) for t in _WORD.findall(name))


def party_key(name: str) -> str:
    folded = " ".join(fold(name).split())
    return PARTIES.get(folded, PARTIES.get(folded.replace(" ", ""), folded))


def dossier_key(value: str) -> str:
    return re.sub(r"\s+", "", str(value)).upper()


_DOSSIER = re.compile(r"^(\d{3,6}(-[A-Z0-9]+)?|\d{4}Z\d{5})$")


def rule_problem(kind: str, rule: str) -> str | None:
    """What is wrong with one rule from sources.yaml or a bot command, or None."""
    if kind in ("keywords", "exclude"):
        return keyword_problem(rule)
    if kind == "members":
        return None if member_tokens(rule) else "a member needs a name, e.g. Van der Staaij"
    if kind == "parties":
        if not rule.strip():
            return "a party needs a name or abbreviation, e.g. SGP or ChristenUnie"
        return None
    if kind == "dossiers":
        if not _DOSSIER.match(dossier_key(rule)):
            return f"{rule!r} is neither a dossier number (35207, 36800-X) nor a zaak number (2022Z11285)"
        return None
    return f"unknown rule kind {kind}"


@dataclass
class Hit:
    subscriber: str
    reasons: list[str] = field(default_factory=list)
    snippet: str = ""
    highlight: str = ""  # the matched words inside the snippet, for bold
    in_change: bool | None = None  # for a revision: is the hit in the changed part


@dataclass
class _Watchlist:
    subscriber: Subscriber
    keywords: list[Keyword]
    exclude: list[Keyword]
    members: list[tuple[str, tuple[str, ...]]]
    parties: list[tuple[str, str]]
    dossiers: list[tuple[str, str]]


class Matcher:
    """Subscribers' rules, compiled once per config load."""

    def __init__(self, subscribers):
        self.watchlists = [
            _Watchlist(
                subscriber=s,
                keywords=[compile_keyword(k) for k in s.keywords],
                exclude=[compile_keyword(k) for k in s.exclude],
                members=[(m, member_tokens(m)) for m in s.members],
                parties=[(p, party_key(p)) for p in s.parties],
                dossiers=[(d, dossier_key(d)) for d in s.dossiers],
            )
            for s in subscribers
        ]

    def match(self, text: str, meta: Meta, askers: list[dict] | None = None,
              changed: str | None = None) -> list[Hit]:
        """Every subscriber the document concerns. `changed` is the changed text of a revision."""
        body = FoldedText("\n".join(x for x in (meta.titel, meta.onderwerp, text) if x))
        changed_text = FoldedText(changed) if changed else None
        people = _people(meta, askers or [])
        parties = {party_key(p) for _, p in people if p}
        numbers = {dossier_key(d) for d in meta.dossiers} | {dossier_key(z.get("nummer", "")) for z in meta.zaken}
        numbers |= {n.split("-")[0] for n in numbers}  # 36800-X is in 36800
        hits = []
        for wl in self.watchlists:
            hit = Hit(wl.subscriber.name)
            first_span = None
            for kw in wl.keywords:
                found = kw.find(body)
                if found:
                    hit.reasons.append(f"keyword {kw.rule}")
                    if first_span is None:
                        first_span = found
                    if changed_text is not None and hit.in_change is not True:
                        hit.in_change = kw.find(changed_text) is not None
            for rule, tokens in wl.members:
                who = next((name for name, _ in people if _surname_match(tokens, member_tokens(name))), None)
                if who:
                    hit.reasons.append(f"member {rule} ({who})")
            for rule, key in wl.parties:
                if key in parties:
                    hit.reasons.append(f"party {rule}")
            for rule, key in wl.dossiers:
                if key in numbers:
                    hit.reasons.append(f"dossier {rule}")
            if not hit.reasons:
                continue
            if any(kw.find(body) for kw in wl.exclude):
                continue
            if first_span is not None:
                hit.snippet, hit.highlight = _snippet(body, first_span)
            else:
                hit.snippet = _shorten(meta.onderwerp or meta.titel or text)
            hits.append(hit)
        return hits


def _people(meta: Meta, askers: list[dict]) -> list[tuple[str, str]]:
    people = [(a.name, a.party) for a in meta.actors if a.role.lower() in MEMBER_ROLES]
    if not people:
        people = [(a.get("name", ""), a.get("party", "")) for a in askers]
    return people


def _surname_match(rule: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """'Van der Staaij' or 'Staaij' matches 'C.G. van der Staaij'; 'Ceder' never 'Cederberg'.

    The rule's last word must be the name's last word; the rule's other words (tussenvoegsels,
    initials, first names) must each appear in the name, in order.
    """
    while len(name) > 1 and len(name[-1]) == 1:
        name = name[:-1]  # KOOP writes "Sterk W.R.C.": initials after the surname
    if not rule or not name or rule[-1] != name[-1]:
        return False
    rest = iter(name[:-1])
    return all(any(word == n for n in rest) for word in rule[:-1])


def _snippet(folded: FoldedText, span: tuple[int, int]) -> tuple[str, str]:
    start, end = folded.spans[span[0]][0], folded.spans[span[1] - 1][1]
    highlight = folded.text[start:end]
    room = max(0, SNIPPET - len(highlight) - 2) // 2
    left, right = max(0, start - room), min(len(folded.text), end + room)
    text = folded.text[left:right]
    text = ("…" if left else "") + " ".join(text.split()) + ("…" if right < len(folded.text) else "")
    return text[:SNIPPET], highlight


def _shorten(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…"
