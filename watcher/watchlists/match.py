"""Watchlists: which subscribers a change concerns, and why.

Text is folded (case and diacritics) and cut into word tokens; keyword rules are token patterns:
- `Xinjiang`: the word, whole;
- `Oeigoer*` / `*technologie` / `*surveillance*`: a word starting, ending, containing;
- `"sociaal krediet"` (or unquoted several words): the words in sequence, across line breaks.

Every keyword of every subscriber is compiled into one Aho-Corasick automaton (ahocorasick-rs) over the
folded text written as " token token token ": a whole word is the pattern " word ", a prefix " word", a
suffix "word ", an infix "word". One pass over a document finds every rule that fires, however many rules
there are. The automaton is made when a document first needs matching, so a cycle with nothing new never
pays for a million rules; a rule changed in chat goes into a small side automaton beside it (the main one
ignores that subscriber's old rules), and the two are merged off the event loop once the side grows.
Members, parties and dossiers are dictionary lookups on the document's few actors and numbers.

Members match the structured actors (indiener and medeindiener of the document or its zaak) by surname,
with tussenvoegsels, initials and first names optional; where a document has no such actors, the askers
its text names.
"""

from __future__ import annotations

import functools
import re
import threading
from array import array
from dataclasses import dataclass, field

from ..model import Meta
from ..parliament import WORD, dossier_key, fold, member_tokens, name_words, names_match, party_key, surname_match
from .rules import keyword_pattern

SNIPPET = 200
# Who a document, a promise or a debate concerns as a member: who put it forward, whom a toezegging was made to,
# a Kamerlid who spoke.
MEMBER_ROLES = {"indiener", "medeindiener", "mede-indiener", "vragensteller", "toegezegd aan", "spreker"}
# Who a document, a question or a promise concerns as a ministry: the one it is put to, who signs it, who made
# the promise and the ministry that did. The one place where the signer and the addressee count.
MINISTRY_ROLES = {"gericht aan", "ondertekenaar", "toegezegd door", "ministerie"}
COMMITTEE_ROLES = {"voortouwcommissie"}


# A document repeats its words: each is folded once per process.
_fold_word = functools.lru_cache(maxsize=1 << 16)(fold)

# The bytes of ASCII as folded: a letter lowered, digits and "_" as they are (what `\w` holds of ASCII), every
# other byte a space; bytes of other characters are left for `_fold_char`.
_ASCII = bytes(b if chr(b).isalnum() or b == 0x5F else 0x20 for b in range(128)).lower() + bytes(range(128, 256))
_ASCII_BYTES = bytes(range(128))


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str | None:
    """A character beyond ASCII as its share of its word's fold: a space where it is not a word character,
    else its fold (a word's fold is its characters' folds: case, then decomposition, marks dropped). None
    where that does not hold, or where replacing it could change what another replacement made: a fold with
    no characters left, with capitals (U+210C folds to "H", which lowering ASCII would change), or with a
    character beyond ASCII that is not its own fold (½ folds to "1⁄2", and ⁄ is no word character)."""
    if not WORD.match(char):
        return " "
    folded = fold(char)
    if folded == char:
        return folded
    if not folded or folded != folded.lower() or any(not c.isascii() and _fold_char(c) != c for c in folded):
        return None
    return folded


_SPACES = re.compile(rb"  +")
_LEAP = 64
# `_LEAP` words as WORD finds them, what stands before each included. span() leaps only where that many words
# stand before the token asked; possessive all the same, so no word could ever be split to make up the count.
_WORDS_LEAP = re.compile(r"(?:\W*+\w++){%d}" % _LEAP)


def folded_words(text: str) -> str:
    """" t1 t2 t3 ": the text's words (`\\w+`) folded, as " ".join(map(fold, WORD.findall(text))) has them, in
    C: each character beyond ASCII replaced by its fold (the few a text has, found by leaving its ASCII
    out), then its UTF-8 bytes with ASCII lowered and every other byte a space, and each run of spaces one."""
    data = text.encode("utf-8", "surrogatepass")
    if not data.isascii():
        for character in set(data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")):
            folded = _fold_char(character)
            if folded is None:
                return " " + " ".join(map(_fold_word, WORD.findall(text))) + " "
            if folded != character:
                text = text.replace(character, folded)
        data = text.encode("utf-8", "surrogatepass")
    data = _SPACES.sub(b" ", data.translate(_ASCII))
    return " " + data.strip().decode("utf-8", "surrogatepass") + " "


class FoldedText:
    """A text's folded tokens as one string " t1 t2 t3 ", and the way back to where a token stands in the
    original. Every document is folded, few have a hit: the way back is worked out only when asked."""

    def __init__(self, text: str):
        self.text = text
        self.joined = folded_words(text)
        self._spans: dict[int, tuple[int, int]] = {}
        self._read = (0, 0)  # (tokens passed over, where the text goes on after them)

    @functools.cached_property
    def tokens(self) -> list[str]:
        return self.joined[1:-1].split(" ") if len(self.joined) > 2 else []

    def token_at(self, offset: int) -> int:
        """The index of the token that holds `offset` of `joined` (or of the space before: the token before it):
        as many tokens begin before it as spaces stand before it, counted in C. Asked only for the hits of
        the subscribers told."""
        return max(0, self.joined.count(" ", 0, offset) - 1)

    @property
    def size(self) -> int:
        """How many tokens there are."""
        return max(0, self.joined.count(" ") - 1)

    def before(self, index: int) -> int:
        """Where in `joined` the space before token `index` stands (`size` for the last space). Asked for the
        end of a title: a few steps."""
        at = 0
        for _ in range(min(index, self.size)):
            at = self.joined.index(" ", at + 1)
        return at

    def span(self, index: int) -> tuple[int, int]:
        """Where token `index` stands in the original text: its words passed over 64 at a time in C, then one
        by one, on from the last token asked when that stands before it."""
        if index not in self._spans:
            count, at = self._read if self._read[0] <= index else (0, 0)
            while index - count >= _LEAP and (leap := _WORDS_LEAP.match(self.text, at)):
                count, at = count + _LEAP, leap.end()
            for word in WORD.finditer(self.text, at):
                if count == index:
                    self._spans[index] = word.span()
                    self._read = (count + 1, word.end())
                    break
                count += 1
            else:
                raise IndexError(f"no token {index}")
        return self._spans[index]


# ------------------------------------------------------------------ matching


@dataclass
class Hit:
    """Why a document matches one subscriber, with a snippet around the first keyword."""

    subscriber: str
    reasons: list[str] = field(default_factory=list)
    snippet: str = ""
    highlight: str = ""  # the matched words inside the snippet, for bold
    in_change: bool | None = None  # for a revision: is a keyword hit in the changed part


# A side automaton past this many rules (or a tenth of the main ones') asks to be merged into the main ones.
SIDE_RULES = 20_000
# Rules of one automaton at most. Making one of a million held ~300 MB more while it was made and the GIL for
# seconds; ten of 100,000 cost a tenth of both each, and scanning a document ten times costs ~1 ms.
SHARD_RULES = 100_000
_RULE_BITS = 24  # an owner is (subscriber << _RULE_BITS) | the rule's place among its keywords and excludes


class Keywords:
    """The keyword and exclude rules of some subscribers as one automaton, made when first needed.

    A million rules cost ~135 MB here against ~510 for pyahocorasick holding a Python object per pattern
    (bench_match.py compares them): a pattern's owner is an integer in an array, and a rule's text is read
    back from the subscriber's own tuple only when it fires. Two subscribers' same word are two patterns:
    the automaton reports each, so no table of shared patterns is needed while it is made."""

    def __init__(self, subscribers):
        self.names = [s.name for s in subscribers]
        self.rules = [(s.keywords, s.exclude) for s in subscribers]
        self.count = sum(len(k) + len(e) for k, e in self.rules)
        self._automaton = None
        self._owners = array("q")  # pattern id -> (subscriber << _RULE_BITS) | the rule's place
        self._building = threading.Lock()  # made in a thread while the event loop may want it too

    def build(self) -> "Keywords":
        with self._building:
            if self._automaton is None and self.count:
                self._build()
        return self

    def _build(self) -> None:
        import ahocorasick_rs  # here: a run that matches nothing (most cron runs) does not load it

        patterns = []
        for index, (keywords, exclude) in enumerate(self.rules):
            for place, rule in enumerate(keywords + exclude):
                pattern = keyword_pattern(rule)
                if pattern.strip() and place < 1 << _RULE_BITS:
                    patterns.append(pattern)
                    self._owners.append((index << _RULE_BITS) | place)
        self._automaton = ahocorasick_rs.AhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.ContiguousNFA) \
            if patterns else False

    def hits(self, folded: "FoldedText"):
        """(subscriber index, rule, where, exclude?) of each rule's first hit. `where` is (the space before its
        first token, its last character) in `joined`: tokens are counted only for the subscribers told."""
        if not self.count or not self.build()._automaton:
            return
        seen: set[int] = set()
        joined = folded.joined
        for pid, start, end in self._automaton.find_matches_as_indexes(joined, overlapping=True):
            if pid in seen:
                continue  # only a pattern's first hit counts, however often a common word comes back
            seen.add(pid)
            where = (joined.rfind(" ", 0, start + 1 + (joined[start] == " ")), end - 1 - (joined[end - 1] == " "))
            owner = self._owners[pid]
            index, place = owner >> _RULE_BITS, owner & ((1 << _RULE_BITS) - 1)
            keywords, exclude = self.rules[index]
            if place < len(keywords):
                yield index, keywords[place], where, False
            else:
                yield index, exclude[place - len(keywords)], where, True


def _shards(subscribers) -> list[list[int]]:
    """The subscribers' indices in groups of at most SHARD_RULES keyword rules (a subscriber is never split)."""
    groups, group, rules = [], [], 0
    for index, s in enumerate(subscribers):
        count = len(s.keywords) + len(s.exclude)
        if group and rules + count > SHARD_RULES:
            groups.append(group)
            group, rules = [], 0
        group.append(index)
        rules += count
    return groups + [group] if group or not groups else groups


class Matcher:
    """Every subscriber's rules. `previous`: the matcher these rules replace; its keyword automaton is kept
    for every subscriber whose keywords did not change, and only the others go into a side automaton."""

    def __init__(self, subscribers, previous: "Matcher | None" = None, parliament=None):
        """`parliament`: which names are one party (parliament.Parliament); the engine swaps in a new one when
        the Kamer's data names parties anew. Without it, a party is the name as written."""
        self.names = [s.name for s in subscribers]
        self.members: dict[str, list] = {}  # surname -> [(subscriber index, rule, tokens)]
        self.party_rules: list[tuple[int, str]] = []  # (subscriber index, rule)
        self.parliament = parliament if parliament is not None else (previous.parliament if previous else None)
        self._parties: tuple[object, dict] | None = None  # (the parliament they were keyed by, key -> rules)
        self.dossiers: dict[str, list] = {}  # number -> [(subscriber index, rule)]
        # (subscriber index, rule, its folded words): few per subscriber, compared with a document's few actors
        self.committees: list[tuple[int, str, tuple[str, ...]]] = []
        self.ministries: list[tuple[int, str, tuple[str, ...]]] = []
        for index, s in enumerate(subscribers):
            self.committees += [(index, rule, name_words(rule)) for rule in s.committees]
            self.ministries += [(index, rule, name_words(rule)) for rule in s.ministries]
            for rule in s.members:
                tokens = member_tokens(rule)
                self.members.setdefault(tokens[-1], []).append((index, rule, tokens))
            for rule in s.parties:
                self.party_rules.append((index, rule))
            for rule in s.dossiers:
                self.dossiers.setdefault(dossier_key(rule), []).append((index, rule))
        # (automaton, its subscriber index -> ours, or -1 for one whose rules it no longer has); the first
        # `_main` are the main automata, the rest the side one
        self._parts: list[tuple[Keywords, list[int]]] = []
        if previous is None:
            self._parts = [(Keywords([subscribers[i] for i in group]), group) for group in _shards(subscribers)]
            self._main, self.wants_merge = len(self._parts), False
            return
        ours = {s.name: (i, s.keywords, s.exclude) for i, s in enumerate(subscribers)}
        kept: set[str] = set()
        main = previous._parts[:previous._main]
        for part, _ in main:
            mapping = []
            for name, (keywords, exclude) in zip(part.names, part.rules):
                now = ours.get(name)
                same = now is not None and now[1] == keywords and now[2] == exclude
                mapping.append(now[0] if same else -1)
                if same:
                    kept.add(name)
            self._parts.append((part, mapping))
        self._main = len(self._parts)
        side = Keywords([s for s in subscribers if s.name not in kept and (s.keywords or s.exclude)])
        if side.count:
            self._parts.append((side, [ours[name][0] for name in side.names]))
        self.wants_merge = side.count > max(SIDE_RULES, sum(p.count for p, _ in main) // 10)

    @property
    def built(self) -> bool:
        return all(part._automaton is not None or not part.count for part, _ in self._parts)

    def party_key(self, name: str) -> str:
        return self.parliament.party_key(name) if self.parliament is not None else party_key(name)

    def parties(self) -> dict[str, list[tuple[int, str]]]:
        """The party rules by key, keyed again whenever the engine hands over another parliament."""
        if self._parties is None or self._parties[0] is not self.parliament:
            keyed: dict[str, list] = {}
            for index, rule in self.party_rules:
                keyed.setdefault(self.party_key(rule), []).append((index, rule))
            self._parties = (self.parliament, keyed)
        return self._parties[1]

    def build(self) -> "Matcher":
        """Make the automata now (in a thread, off the event loop)."""
        for part, _ in self._parts:
            part.build()
        return self

    def _keyword_hits(self, folded: FoldedText) -> dict[tuple[int, str], tuple[tuple[int, int], bool]]:
        """(subscriber, rule) -> (where, exclude?) of its first hit (`Keywords.hits`)."""
        found: dict[tuple[int, str], tuple[tuple[int, int], bool]] = {}
        for part, mapping in self._parts:
            for index, rule, where, exclude in part.hits(folded):
                index = mapping[index]
                if index < 0:
                    continue  # a subscriber whose rules changed: the side automaton has them now
                found.setdefault((index, rule), (where, exclude))
        return found

    def match(self, text: str, meta: Meta, askers: list[dict] | None = None,
              changed: str | None = None, stated: dict | None = None) -> list[Hit]:
        """Every subscriber the document concerns. `changed` is the changed text of a revision; `stated`:
        what the text says of itself (its facts), whose zaak and dossier numbers count where the source
        gives none (a feed item, a KOOP record without them)."""
        body = FoldedText("\n".join(x for x in (meta.titel, meta.onderwerp, text) if x))
        hits: dict[int, Hit] = {}
        # What found a subscriber, in the order it stands: (a keyword rule, its first hit) or (a member's
        # surname token, None); where to show it is worked out only for the subscribers that are alerted.
        told: dict[int, list[tuple[str, tuple[int, int] | None]]] = {}
        vetoed: set[int] = set()

        def hit(index: int) -> Hit:
            return hits.setdefault(index, Hit(self.names[index]))

        # In the order they stand: by the space before a hit's first token, as by the token itself.
        for (index, rule), (where, exclude) in sorted(self._keyword_hits(body).items(),
                                                      key=lambda item: item[1][0][0]):
            if exclude:
                vetoed.add(index)
                continue
            hit(index).reasons.append(f"keyword {rule}")
            told.setdefault(index, []).append((rule, where))
        if changed is not None and hits:
            in_change = {index for (index, _), (_, exclude) in self._keyword_hits(FoldedText(changed)).items()
                         if not exclude}
            for index, h in hits.items():
                h.in_change = index in in_change

        people = _people(meta, askers or [])
        for name, _, _ in people:
            tokens = member_tokens(name)
            for index, rule, rule_tokens in self.members.get(tokens[-1] if tokens else "", []):
                if surname_match(rule_tokens, tokens) and f"member {rule}" not in " ".join(hit(index).reasons):
                    hit(index).reasons.append(f"member {rule} ({name})")
                    told.setdefault(index, []).append((f" {tokens[-1]} ", None))  # where the text names them
        parties = self.parties()
        for key in {self.party_key(p) for _, party, aka in people for p in [party, *aka] if p}:
            for index, rule in parties.get(key, []):
                if f"party {rule}" not in hit(index).reasons:
                    hit(index).reasons.append(f"party {rule}")
        numbers = {dossier_key(d) for d in meta.dossiers} | {dossier_key(z.get("nummer", "")) for z in meta.zaken}
        if not numbers and stated:
            numbers = {dossier_key(n) for n in [*stated.get("dossiers", []), *stated.get("zaken", [])]}
        numbers |= {n.split("-")[0] for n in numbers}  # 36800-X is in 36800
        for number in numbers:
            for index, rule in self.dossiers.get(number, []):
                hit(index).reasons.append(f"dossier {rule}")
        for kind, rules, roles in (("committee", self.committees, COMMITTEE_ROLES),
                                   ("ministry", self.ministries, MINISTRY_ROLES)):
            names = [(name_words(a.name), name_words(a.afkorting)) for a in meta.actors if a.role.lower() in roles]
            for index, rule, words in rules if names else ():
                if any(names_match(words, name) or words == short for name, short in names) \
                        and f"{kind} {rule}" not in hit(index).reasons:
                    hit(index).reasons.append(f"{kind} {rule}")

        out = []
        past_title = _PastTitle(body, meta)
        for index in sorted(hits):
            if index in vetoed:
                continue
            h = hits[index]
            # The alert shows the title already: the snippet is a hit where the text says it again in
            # its own words, or nothing (a hit only a party or dossier made has no place to show).
            for what, where in told.get(index, ()):
                first = (body.token_at(where[0] + 1), body.token_at(where[1])) if where else None
                if span := past_title.find(what, first):
                    h.snippet, h.highlight = past_title.snippet(span)
                    break
            out.append(h)
        return out


def _people(meta: Meta, askers: list[dict]) -> list[tuple[str, str, list[str]]]:
    """(name, party as the document names it, the party's other names) of who put a document forward."""
    people = [(a.name, a.party, a.aka) for a in meta.actors if a.role.lower() in MEMBER_ROLES]
    if not people:
        people = [(a.get("name", ""), a.get("party", ""), []) for a in askers]
    return people


class _PastTitle:
    """Where a pattern stands in a document's text past its title: not in the title and onderwerp the text
    is folded with, and not where the text repeats them (a Kamerstuk begins with its own title)."""

    TRIES = 50  # occurrences looked at for one pattern: a word on every line is found early or not at all

    def __init__(self, body: FoldedText, meta: Meta):
        self.body = body
        self.zone = sum(len(WORD.findall(x)) for x in (meta.titel, meta.onderwerp) if x)
        self._title = body.joined[:body.before(self.zone) + 1] if self.zone else "  "
        self._title_words = set(self._title.split())
        self._found: dict[str, tuple[int, int] | None] = {}  # subscribers often share a word
        self._snippets: dict[tuple[int, int], tuple[str, str]] = {}

    def find(self, what: str, first: tuple[int, int] | None = None) -> tuple[int, int] | None:
        """Where `what` (a keyword rule, or a pattern " token ") stands past the title; `first`: its first hit,
        as the automaton found it (most often already past the title: then nothing is searched)."""
        if what not in self._found:
            if first is not None and first[0] >= self.zone and not self._repeats(*first):
                self._found[what] = first
            else:
                self._found[what] = self._search(keyword_pattern(what) if first is not None else what)
        return self._found[what]

    def _repeats(self, first: int, last: int) -> bool:
        """The hit with the two words before it, or after it, as the title has them: the title said again.
        (A side with no word beside the hit says nothing.)"""
        if not self._title_words:
            return False  # no title, nothing said again
        tokens = self.body.tokens
        if tokens[first] not in self._title_words:
            return False  # most hits: a word the title does not have
        sides = (tokens[max(self.zone, first - 2):last + 1], tokens[first:last + 3])
        return any(len(side) > last - first + 1 and f" {' '.join(side)} " in self._title for side in sides)

    def _search(self, pattern: str) -> tuple[int, int] | None:
        body = self.body
        if self.zone >= body.size:
            return None
        offset = body.before(self.zone)  # the space before the text's first token
        for _ in range(self.TRIES):
            at = body.joined.find(pattern, offset)
            if at < 0:
                return None
            end = at + len(pattern)
            first = body.token_at(at + (body.joined[at] == " "))
            last = body.token_at(end - 1 - (body.joined[end - 1] == " "))
            if not self._repeats(first, last):
                return first, last
            offset = at + 1
        return None

    def snippet(self, span: tuple[int, int]) -> tuple[str, str]:
        if span not in self._snippets:
            self._snippets[span] = _snippet(self.body, span, self.body.span(self.zone)[0])
        return self._snippets[span]


def _snippet(folded: FoldedText, span: tuple[int, int], floor: int = 0) -> tuple[str, str]:
    """The words around a hit, from `floor` on (where the text begins past its title)."""
    start, end = folded.span(span[0])[0], folded.span(span[1])[1]
    highlight = folded.text[start:end]
    room = max(0, SNIPPET - len(highlight) - 2) // 2
    left, right = max(floor, start - room), min(len(folded.text), end + room)
    # Whole words at both ends.
    while floor < left < start and not folded.text[left - 1].isspace():
        left += 1
    while end < right < len(folded.text) and not folded.text[right].isspace():
        right -= 1
    text = " ".join(folded.text[left:right].split())
    text = ("…" if left > floor else "") + text + ("…" if right < len(folded.text) else "")
    return text[:SNIPPET], " ".join(highlight.split())
