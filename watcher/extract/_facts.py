"""What a document's text says about itself: its number, date, who asked (and their party), who answered.

Used where a source has no such metadata (a feed item, a file on its own), and to find askers that the
structured metadata of an answer lacks.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Iterator

MONTHS = {m: i for i, m in enumerate(
    "januari februari maart april mei juni juli augustus september oktober november december".split(), 1)}
# \b(\d{1,2})\s+(maand)\s+(\d{4})\b, written to begin with a digit: Python's re skips ahead only to where a pattern's
# first character can stand, and \b or a repeat first is tried at every place of the text. The look-behind after
# the first digit is the \b before it.
_DUTCH_DATE = re.compile(r"(\d(?<!\w\d)\d?)\s+((?i:" + "|".join(MONTHS) + r"))\s+(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")  # tried only where a hyphen stands after a digit (_numbers)
_DOCUMENT = re.compile(r"\b(\d{4}D\d{5})\b")
_ZAAK = re.compile(r"\b(\d{4}Z\d{5})\b")
# Letters a case-insensitive pattern takes for i, s and k that lower() does not make them.
_CASE_ODD = "\u0130\u0131\u017f\u212a"


def _case_odd(text: str) -> bool:
    """Does the text hold one of _CASE_ODD? Four scans for a character: a pattern's class of the four took
    25 times as long over a text beyond ASCII (most Dutch texts: their quotes are curly)."""
    return not text.isascii() and ("\u0130" in text or "\u0131" in text or "\u017f" in text or "\u212a" in text)


LOWERED_KEPT = 2000  # characters of a text whose lowered copy is kept: a head's text is cut to as many


def _lower(text: str) -> str:
    """text.lower(), once for each of a document's texts that several searches ask about (4 ns a character
    beyond ASCII). Only short texts are kept: a Handelingen block of 400 KB kept 512 times over would be
    hundreds of megabytes held by a watcher that runs for months."""
    return _lowered(text) if len(text) <= LOWERED_KEPT else text.lower()


@functools.lru_cache(maxsize=512)
def _lowered(text: str) -> str:
    return text.lower()


def _found_at(pattern: re.Pattern, text: str, words) -> Iterator[re.Match]:
    """pattern.finditer(text) for a pattern whose every match begins with one of `words` (lower case), tried
    only where one does: a pattern that begins with alternatives or a look-behind, or ignores case, is tried
    by Python's re at every place of the text (28 ns a character)."""
    low = _lower(text)
    if len(low) != len(text) or _case_odd(text):
        yield from pattern.finditer(text)  # lower() moved the places, or the pattern takes a letter it keeps
        return
    end = 0
    for at in sorted(at for word in words for at in _places(low, word)):
        if at >= end and (m := pattern.match(text, at)):  # a look-behind sees the text before `at`
            yield m
            end = m.end()


def _search_at(pattern: re.Pattern, text: str, words) -> re.Match | None:
    """pattern.search(text): the first of _found_at's, asked only of a text that holds one of the words."""
    return next(_found_at(pattern, text, words), None) if _may_hold(text, *words) else None


def _places(text: str, word: str):
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


class _Holds:
    """_may_hold over a document's texts for many searches, asked of them all at once. Its words are ASCII: they
    are looked for in the texts' UTF-8 with its ASCII letters lowered (five times cheaper than lower() beyond
    ASCII, and the same for such a word: lower() makes a letter beyond ASCII into one only for the letters
    _case_odd looks for, where every text is searched). The texts are joined and encoded once; where each
    begins is worked out only when a word is found (most documents hold few of the words asked)."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        joined = " ".join(texts)
        self.low = joined.encode("utf-8", "surrogatepass").lower()  # a lone surrogate is no error here
        self.odd = _case_odd(joined)
        self._starts: list[int] = []

    def which(self, *words: str) -> list[str]:
        """The texts that may hold one of the words, in their order: each text's _may_hold, without a call for
        each (most texts hold none). A word that a space joins across two texts adds one that holds none."""
        if self.odd:
            return [text for text in self.texts if _may_hold(text, *words)]
        low = self.low
        places = []
        for word in words:
            word = word.encode()
            at = low.find(word)
            while at >= 0:
                places.append(at)
                at = low.find(word, at + 1)
        if not places:
            return []
        starts, texts = self._starts, self.texts
        if not starts:
            at = 0
            for text in texts:
                starts.append(at)
                at += (len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))) + 1
        return [texts[i] for i in sorted({bisect.bisect_right(starts, at) - 1 for at in places})]


def _may_hold(text: str, *words: str) -> bool:
    """Could a case-insensitive pattern that needs one of `words` find anything in `text`? A test far
    cheaper than the search, which tries every place in the text: most texts hold none of the words."""
    low = _lower(text)
    for word in words:
        if word in low:
            return True
    return _case_odd(text)


HEAD = 20  # blocks before the body (or before the first question): where a document states who and when

# "Vragen van de leden Ceder (ChristenUnie) en Van der Staaij (SGP) aan ...", "MOTIE VAN HET LID PODT C.S.",
# "Antwoord op vragen de leden ...", "Indiener Martijn van Helvert (CDA)", "Kamervragen van het lid Eerdmans
# (JA21)", and the sloppy forms letters contain ("van het het lid", "van lid").
_ASKERS = re.compile(
    # "de motie van de leden X" points at another document; this one's askers come without an article.
    # ("de vragen van de leden X" in an answer letter are the very questions it answers.)
    r"(?:(?:vragen|(?<!\bde )(?<!\bhet )(?<!\bdie )(?<!\bdeze )(?:motie|amendement))\s+(?:van\s+)?(?:(?:het\s+)*lid|(?:de\s+)*leden)|\bindieners?:?)\s+",
    re.I)
_ASKERS_WORDS = ("vragen", "motie", "amendement", "indiener")  # every match of _ASKERS begins with one
NAMES_AT_MOST = 400  # characters after "vragen van de leden" in which the names stand
_ASKERS_END = re.compile(
    r"\s+(?:aan\s+(?:de|het)|over|inzake|betreffende|ter\s+vervanging|mede\s+ingediend|voorgesteld)\b|\s+c\.s\.(?!\w)"
    r"|\s*\((?:ingezonden|ontvangen)|(?<=\))\s+(?!en\b)|[.;:?]\s|[.;:?]$|\n", re.I)
_MEMBER_OF = re.compile(r"^(?:tweede[- ]?)?kamerlid(?:\s+(?:voor|van)(?:\s+de)?)?\s+(?P<party>[^\s,()]{2,30})$", re.I)
_NAME_PARTY = re.compile(r"^(?P<name>.+?)(?:\s*\((?P<party>[^()]{1,40})\))?$")
# "(beiden SP)", "(beide SP)", "(allen PVV)": one party for the names before it.
_SHARED = re.compile(r"^(?:beiden?|allen|allebei)\s+", re.I)
# Each with the words (lower case) its every match begins with: it is tried only where one stands.
_MINISTER = [
    (re.compile(r"(?:Antwoord|Mededeling) van (?:de )?(?P<who>(?:Minister|Staatssecretaris)[^()]{0,60}?"
                r"\((?!ontvangen|ingezonden)[^)]+\))", re.I), ("antwoord van", "mededeling van")),
    # A mededeling of delay: "Mededeling van de Minister van Financiën (ontvangen 3 mei 2024)".
    (re.compile(r"Mededeling van de (?P<who>(?:Minister|Staatssecretaris) (?:van|voor) [A-Z][\w ,-]+?)(?=\s*\(|[.;:]|$)"),
     ("mededeling van de",)),
    (re.compile(r"Beantwoord door (?P<who>[^()]+?)\s*\(", re.I), ("beantwoord door",)),
    (re.compile(r"Antwoorden? van de (?P<who>(?:Minister|Staatssecretaris) (?:van|voor) [A-Z][\w ,-]+?) op vragen"),
     ("antwoord van de", "antwoorden van de")),
    # The signature, also where a PDF ran it into the paragraph before it ("… deze motie. De Minister voor …").
    (re.compile(r"(?:^|(?<=[.!?] ))De (?P<who>(?:Minister|Staatssecretaris) (?:van|voor) [A-Z][\w ,-]+?),\s*(?:[A-Z]\.)"),
     ("de minister", "de staatssecretaris")),
]

_MINISTER_WORDS = ("minister", "staatssecretaris", "beantwoord door")  # each of _MINISTER needs one
_ALSO_FOR = re.compile(r",?\s+mede namens (?P<for>(?:de|het) [^()]{3,160}?)(?=\s*\(|\s*[.;]|$)", re.I)
# The date an answer was received, "(ontvangen 17 mei 2024)": an Aanhangsel's own date, never the questions'.
_RECEIVED = re.compile(r"\(ontvangen(?: op)? (?P<date>\d{1,2} \w+ \d{4})\)", re.I)
_LOWER_WORDS = {"van", "voor", "en", "de", "der", "den", "het", "op", "in", "te", "ter", "ten", "tot"}


def _from_capitals(text: str) -> str:
    """"MINISTER VAN JUSTITIE EN VEILIGHEID" -> "Minister van Justitie en Veiligheid", "D. YEŞILGÖZ-ZEGERIUS" ->
    "D. Yeşilgöz-Zegerius": a signature set in capitals, as the text writes it elsewhere. Normal case stays."""
    if not text.isupper():
        return text

    def word(w: str, first: bool) -> str:
        if not first and w.lower() in _LOWER_WORDS:
            return w.lower()
        return "-".join(part[:1] + part[1:].lower() for part in w.split("-"))
    return " ".join(word(w, i == 0) for i, w in enumerate(text.split()))


# The signature of an answer letter: "De Minister van Justitie en Veiligheid," and, a paragraph on, the name;
# "Mede namens de minister van …," may stand above it.
_SIGNED_TITLE = re.compile(r"^(?:Mede namens (?P<for>de .+?),\s*)?De (?P<title>(?:minister|staatssecretaris) (?:van|voor) "
                           r"[^,.;:]{3,80}?)\s*,?$", re.I)
_SIGNED_NAME = re.compile(r"^(?:[A-Z][a-z]?\.\s?){1,5}(?:[^\W\d_]|['’ -]){2,60}$")
_ON_BEHALF = re.compile(r"^Mede namens (?P<for>de .+?),?$", re.I)
# "Antwoorden van de minister van Justitie en Veiligheid (mede namens de minister van …) op (de) (Kamer)vragen".
_ANSWERS_OF = re.compile(r"Antwoorden? van de (?P<title>(?:minister|staatssecretaris) (?:van|voor) [^,.;:()]{3,80}?)"
                         r"(?:,?\s+mede namens (?P<for>de (?:minister|staatssecretaris) (?:van|voor) [^,.;:()]{3,80}?))?"
                         r"\s+op\s+(?:de\s+)?(?:kamer)?vragen", re.I)
# Dossiers a text states: "Kamerstuk 35 207, nr. 32", "Kamerstukken II 2019/20, 35 207, nr. 32", and the head of a
# Kamerstuk, "32 735 / 35 207 / Nr. 286" or "35 207 Nr. 34".
_KAMERSTUK = re.compile(r"Kamerstuk(?:ken)?(?:\s+[IV]+)?(?:\s+\d{4}\s*[/–-]\s*\d{2,4})?,?\s+"
                        r"(?P<nr>\d{2}\s?\d{3}(?:-[A-Z0-9]+)?),\s+nr\.?\s*\d+")
_STUK_HEAD = re.compile(r"^(?P<nrs>\d{2}\s?\d{3}(?:-[A-Z0-9]+)?(?:\s*/\s*\d{2}\s?\d{3}(?:-[A-Z0-9]+)?)*)\s*/?\s*Nr\.\s*\d+$", re.I)
# A page of tweedekamer.nl or a KOOP page states a Kamerstuk's number as "Nummer 33308-13", "Nummer 36410-XII-61".
_NUMBERED = re.compile(r"^Nummer:?\s+(?P<nr>\d{2}\s?\d{3}(?:-[IVXLC]+|-[A-Z])?)-\d+$", re.I)
_DOSSIER_NR = re.compile(r"\d{2}\s?\d{3}(?:-[A-Z0-9]+)?")
# Where a letter states its own date: "Datum 24 maart 2024", "Den Haag, 3 april 2009", or a date on its own.
_DATED = re.compile(r"^(?:Datum:?\s+|(?:Den Haag|'s-Gravenhage|’s-Gravenhage),?\s+)(?P<date>.+)$|^(?P<bare>\d{1,2} \w+ \d{4})$",
                    re.I)


# When the questions were put: "(ingezonden 7 juni 2022)", "ingezonden op 20 juni 2019", "In antwoord op uw
# brief van 5 juli 2024" (the Kamer's letter that sent them).
_ASKED_ON = re.compile(r"(?:ingezonden(?: op)?|(?:In )?(?:het )?antwoord op uw brief van)\s+(?P<date>\d{1,2} \w+ \d{4})",
                       re.I)


def _minister(texts: list[str]) -> str:
    """Who answers, from the signature (title and name may be two paragraphs) or from "Antwoorden van de
    minister van … op vragen", with "mede namens …". `texts`: the document's, without its letterhead."""
    title = name = on_behalf = ""
    # "De …", "Mede namens …": the texts that can begin a signature, picked out before any is matched
    for i in [i for i, text in enumerate(texts) if text[:1] in "DdMm"]:
        m = _SIGNED_TITLE.match(texts[i])
        if m and i + 1 < len(texts) and _SIGNED_NAME.match(texts[i + 1]):
            title, name = m.group("title"), texts[i + 1]
            on_behalf = m.group("for") or ""
            if not on_behalf and i and (b := _ON_BEHALF.match(texts[i - 1])):
                on_behalf = b.group("for")
            break
    for text in _Holds(texts[:HEAD * 2]).which("antwoord"):
        if (m := _search_at(_ANSWERS_OF, text, ("antwoord",))):
            title = title or m.group("title")
            on_behalf = m.group("for") or on_behalf  # the formal line spells it best
            break
    if not title:
        return ""
    who = _from_capitals(" ".join(title.split()))
    who = who[0].upper() + who[1:]
    if name:
        who += f" ({_from_capitals(' '.join(name.split()))})"
    if on_behalf:
        who += f", mede namens {' '.join(on_behalf.split())}"
    return who


def _dossiers(texts) -> list[str]:
    found = []
    for text in dict.fromkeys(texts):  # the head is among the first blocks: read once
        for m in _KAMERSTUK.finditer(text) if "Kamerstuk" in text else ():
            found.append(m.group("nr"))
        first = text[:1]
        if first.isdigit() and (m := _STUK_HEAD.match(text)):
            found += _DOSSIER_NR.findall(m.group("nrs"))
        if (first in "Nn" or first.isspace()) and (m := _NUMBERED.match(text.strip())):
            found.append(m.group("nr"))
    return list(dict.fromkeys(re.sub(r"\s+", "", n) for n in found))


def stated_date(texts) -> str:
    """The date a document gives itself: a "Datum" line, "Den Haag, 3 april 2009", a date on its own."""
    for text in texts:
        if (m := _DATED.match(text.strip())) and (date := iso_date(m.group("date") or m.group("bare"))):
            return date
    return ""


def _document_number(text: str) -> re.Match | None:
    """_DOCUMENT.search(text), tried only where a "D" stands four characters in: Python's re would try the
    pattern at every place of the text (up to 400 KB of a Handelingen), and most texts hold no number."""
    return next(_numbers(_DOCUMENT, text, "D"), None)


def _numbers(pattern: re.Pattern, text: str, letter: str):
    """pattern.finditer(text) for a number of four digits, a letter and five digits (2022D27850, 2022Z11285),
    or a date (2024-03-14, "-"), tried only where its letter stands after a digit and before one."""
    found = _LETTER_DIGIT[letter].search
    m = found(text, 4)
    while m:
        at = m.start()
        # its \b looks at the character before, as search's does
        if text[at - 1].isdigit() and (number := pattern.match(text, at - 4)):
            yield number
            m = found(text, number.end() + 1)
        else:
            m = found(text, at + 1)


# Where _numbers looks: its letter before a digit, found by a search that skips to the letter (a "D" stands in
# "De" and "Den Haag" too: looked at one by one in Python, those cost more than the number).
_LETTER_DIGIT = {letter: re.compile(re.escape(letter) + r"\d") for letter in "DZ-"}


def _month(name: str) -> int:
    """A month's number from its name as the pattern found it, in any case: the pattern ignores case, and so
    takes a dotless ı or an İ for an i and a long ſ for an s, which lower() keeps (a KeyError here before)."""
    return MONTHS[name.lower().replace("i\u0307", "i").replace("\u0131", "i").replace("\u017f", "s")]


def iso_date(text: str) -> str:
    return _first_date(text, _may_hold(text, *MONTHS))


def _first_date(text: str, may_name_month: bool = True) -> str:
    """The first date the text gives, ISO or Dutch. A text joined from several with "\x00", which no date
    can span (it is neither a digit nor white space, and stands where a text's start or end stood for \b
    and the look-behinds), gives the date of the first text that has one."""
    m = next(_numbers(_ISO_DATE, text, "-"), None) if "-" in text else None
    d = _DUTCH_DATE.search(text) if may_name_month else None
    if d and (not m or d.start() < m.start()):
        return f"{int(d.group(3)):04d}-{_month(d.group(2)):02d}-{int(d.group(1)):02d}"
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else ""


def _title(name: str) -> str:
    """'PODT' -> 'Podt', 'VAN DER STAAIJ' -> 'Van der Staaij'; names in normal case stay."""
    if not name.isupper():
        return name
    words = name.lower().split()
    keep_low = {"van", "der", "de", "den", "het", "ter", "ten", "te", "op", "in"}
    return " ".join(w if (i and w in keep_low) else w.capitalize() for i, w in enumerate(words))


def askers(text: str) -> list[dict]:
    """Who asked, as the text names them. A text may name them twice, with their parties the second time
    ("Vragen van de leden Ceder en Van der Staaij … Antwoord op vragen van de leden Ceder (ChristenUnie)
    en Van der Staaij (SGP)"), in one block where a PDF ran the two together: the one with parties wins."""
    if not _may_hold(text, *_ASKERS_WORDS):
        return []
    found = [people for m in _found_at(_ASKERS, text, _ASKERS_WORDS) if (people := _named(m))]
    return next((p for p in found if any(a["party"] for a in p)), found[0] if found else [])


_NAMES_APART = re.compile(r",\s*(?:en\s+)?|\s+en\s+|\s+EN\s+")
_MEMBERS_WORD = re.compile(r"^(?:(?:de|het)\s+)*(?:leden|lid)\s+", re.I)
_CAPITAL_FIRST = re.compile(r"[A-Z]")
_DIGIT = re.compile(r"\d")


def _named(m) -> list[dict]:
    names = m.string[m.end(): m.end() + NAMES_AT_MOST]
    end = _ASKERS_END.search(names)
    names = names[: end.start()] if end else names
    people = []
    for part in _NAMES_APART.split(names):
        # "… en (de) (de) leden Kwint, Dijk": askers of another party named after the first.
        part = _MEMBERS_WORD.sub("", part.strip())
        if not part:
            continue
        if (member := _MEMBER_OF.match(part)) and people:
            people[-1]["party"] = people[-1]["party"] or member.group("party")  # "Lilian Helder, Kamerlid PVV"
            continue
        np = _NAME_PARTY.match(part)
        name = _title(np.group("name").strip())
        if not _CAPITAL_FIRST.match(name) or len(name.split()) > 6 or _DIGIT.search(name):
            continue  # not a name: the sentence went on (a party may have digits: JA21, 50PLUS)
        party = _SHARED.sub("", (np.group("party") or "").strip())
        people.append({"name": name, "party": party})
    # "Mutluer, Lahlah (GroenLinks-PvdA)", "de leden Lahlah en Chakor (GroenLinks-PvdA)": a name without a
    # party shares the party of the next name that has one.
    following = ""
    for person in reversed(people):
        if person["party"]:
            following = person["party"]
        else:
            person["party"] = following
    return people


# A motie's or amendement's title: "MOTIE VAN HET LID WELZIJN C.S.", "GEWIJZGIDE MOTIE VAN DE LEDEN GABRIËLS EN
# KOSTIĆ TER VERVANGING VAN …", "MOTIE HET LID LÉON DE JONG C.S.", "MOTIE VAN KOSTIĆ" (any misspelt "gewijzigde").
_MOTION_TITLE = re.compile(
    r"^(?:(?:tweede\s+)?(?:nader\s+)?gewij\w*\s+)?(?:motie|amendement)\s+(?:van\s+)?(?:(?:het\s+)?lid\s+|(?:de\s+)?leden\s+)?"
    r"(?P<names>.+?)(?:\s+c\.s\.?)?(?:\s+(?:ter\s+vervanging|over)\b.*)?$", re.I)
# Where a motie's text ends; its signatures follow, one name a line.
_MOTION_END = re.compile(r"(?:^|\s)en gaat over tot de orde van de dag[.,;]?$", re.I)
_MOTION_END_AT_MOST = 37  # characters a match of _MOTION_END can take, all at the end
_SIGNATURE = re.compile(r"^(?:[^\W\d_]|['’. -]){2,60}$")


def _motion_ends(text: str) -> bool:
    """_MOTION_END.search(text), looked for only where a match could begin (a pattern anchored at the end is
    tried at every place before it); a search from a later place still sees the space before it."""
    return _MOTION_END.search(text, max(0, len(text) - _MOTION_END_AT_MOST)) is not None


def signers(texts: list[str], named: list[dict] = ()) -> list[dict]:
    """Who signed a motie: the names under it as printed, else `named` (who the text says put it forward,
    "Indiener Lilian Helder, Kamerlid PVV"), else those of its title ("c.s." is no one)."""
    title = next((m for text in texts[:HEAD] if (m := _MOTION_TITLE.match(text.strip()))), None)
    if title is None:
        return []
    end = next((i for i, text in enumerate(texts) if _motion_ends(text.strip())), None)
    signed = []
    for text in texts[end + 1:] if end is not None else []:
        name = text.strip()
        if not _SIGNATURE.match(name) or len(name.split()) > 5 or not name[:1].isupper():
            break
        signed.append(name)
    if not signed and named:
        return list(named)
    names = signed or [_title(n.strip()) for n in re.split(r",\s*|\s+en\s+", title.group("names"), flags=re.I) if n.strip()]
    return [{"name": name, "party": ""} for name in names]


def facts(blocks, known=()) -> dict:
    """What the text says of the document. `known`: what the format stated already (a KOOP file's dossiers), not
    looked for again."""
    # The letterhead is read on its own (it may be long: a sidebar of twenty lines).
    body = [b for b in blocks if b.kind != "letterhead"]
    first_label = next((i for i, b in enumerate(body) if b.label), len(body))
    # What a document says of itself stands near its start: a few KB of each block are enough, and keep
    # a document of one enormous paragraph cheap.
    head = [b.text[:2000] for b in body[:min(HEAD, first_label)] if b.kind != "footnote"]
    side = " ".join(b.text for b in blocks if b.kind == "letterhead")
    out: dict = {}
    m = _document_number(" ".join(head)) or _document_number(" ".join(b.text[:2000] for b in blocks[:200]))
    if m:
        out["nummer"] = m.group(1)
    zaken = list(dict.fromkeys(m.group(1) for m in _numbers(_ZAAK, side + " " + " ".join(head), "Z")))
    if zaken:
        out["zaken"] = zaken
    letterhead = [b.text for b in blocks if b.kind == "letterhead"]
    # Which texts of the head may hold a search's words, asked of them all at once: most hold none, and the
    # search goes text by text only where one may.
    holds = _Holds(head)
    received = next((d for text in holds.which("(ontvangen") if (m := _RECEIVED.search(text))
                     and (d := iso_date(m.group("date")))), "")
    date = received or stated_date(letterhead + head)
    if not date:  # the date of the first text of the head that gives one, in one search over them all
        date = _first_date("\x00".join(head))
    if date:
        out["datum"] = date
    asked = next((d for text in holds.which("ingezonden", "antwoord op uw brief van")
                  if (m := _ASKED_ON.search(text)) and (d := iso_date(m.group("date")))), "")
    if asked:
        out["ingezonden"] = asked
    dossiers = _dossiers(letterhead + head + [b.text[:2000] for b in blocks[:200] if b.kind != "footnote"]) \
        if "dossiers" not in known else []
    if dossiers:
        out["dossiers"] = dossiers
    found = [people for text in holds.which(*_ASKERS_WORDS) if (people := askers(text))]
    named = next((p for p in found if any(a["party"] for a in p)), found[0]) if found else []
    # "Antwoord op vragen van de leden Ceder en Van der Staaij" and, further on, the same with parties; a
    # motie's signers where it is one.
    if (who := signers([b.text for b in body if b.kind != "footnote"], named) or named):
        out["askers"] = who
    near = head + [b.text[:2000] for b in body[HEAD:HEAD * 2]] + [b.text[-2000:] for b in body[-6:]]
    for text in _Holds(near).which(*_MINISTER_WORDS):
        for pattern, words in _MINISTER:
            if (m := _search_at(pattern, text, words)):
                out["minister"] = " ".join(m.group("who").split())
                # "Antwoord van Staatssecretaris Heijnen (IenW), mede namens de Minister van JenV (ontvangen …)"
                if (also := _ALSO_FOR.match(text, m.end())):
                    out["minister"] += ", mede namens " + " ".join(also.group("for").split())
                break
        if "minister" in out:
            break
    if "minister" not in out and (who := _minister([b.text for b in body])):
        out["minister"] = who
    speakers = _speakers(blocks)
    if speakers:
        out["sprekers"] = speakers
    return out


_SPEAKER_NAME = re.compile(r"^(?:De heer|Mevrouw|(?:De )?[Mm]inister|(?:De )?[Ss]taatssecretaris)\s+"
                           r"(?P<name>[^()]+?)(?:\s*\((?P<party>[^()]{1,40})\))?$")


def _speakers(blocks) -> list[dict]:
    """Who spoke in a debate (Handelingen), once each: a member rule finds a member who spoke."""
    found: dict[str, dict] = {}
    for b in blocks:
        if b.kind == "heading" and b.label == b.text and (m := _SPEAKER_NAME.match(b.text)):
            name = m.group("name").strip()
            # The party as the text writes it: which fractie that is, is the Kamer's data's to say (parliament.py).
            found.setdefault(name, {"name": name, "party": (m.group("party") or "").strip()})
    return list(found.values())
