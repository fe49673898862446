"""From raw lines to clean, labelled blocks: the part every format shares.

What two renderings of the same text must agree on is decided here:
- characters: NFC, non-breaking and odd spaces, soft hyphens and zero-width marks;
- words broken over lines ("cybersurveillance-" + "technologie" -> one word; "Noord-" + "Holland" keeps
  its hyphen, a capital follows);
- running headers and footers ("Tweede Kamer, vergaderjaar 2019–2020, 35 207, nr. 34 16", a letterhead
  block repeated on every page, bare page numbers);
- paragraphs continued over a page break (no closing punctuation, next line starts in lower case).
Then blocks get their labels ("Vraag 3", "Antwoord 2 en 3", "17" in a numbered list, "Voetnoot 4").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from ..model import LETTERHEAD, Block, Document
from ._facts import facts

# Characters that render as nothing or as a plain space.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000\t\r\f\v"), " ")
_ODD_CHARS = "".join(map(chr, _INVISIBLE)) + "".join(map(chr, _SPACES))
_ODD = re.compile(f"[{_ODD_CHARS}]")
_WS = re.compile(r"[ ]{2,}")
_BROKEN = re.compile(r"(\w)-$")
# "EU-", "OESO-", "2019-": a hyphen of the word itself. Each pattern over a line's end is matched to it read
# backwards (end[::-1]), from its last character: searched forwards, "[A-Z]{2,}-$" is tried at every place of
# the end (40,000 instructions for 80 characters, against 5,000).
_KEEP_HYPHEN_BACKWARDS = re.compile(r"-(?:\d|[A-Z]{2,}\b)")  # (?:\b[A-Z]{2,}|\d)-$
# The end of a line that is inside a URL: "https://", "www.utwente.nl/nieuws/lessen-van-".
_URL_END = re.compile(r"(?:https?:/|www\.)\S*[/\-_?=&#]$")  # not ".": a URL may end a sentence
_URL_TAIL = re.compile(r"[/\-_?=&#]$")
_URL_TAIL_CHARS = "/-_?=&#"
_LAST_WORD_BACKWARDS = re.compile(r"-([^\W\d_]+)")  # [^\W\d_]+-$
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_COMPOUND = re.compile(r"(?<![\w-])[^\W\d_]{2,}-[^\W\d_]{2,}(?![\w-])")  # "drone-exploitanten" inside a line
_WORD_RUN = re.compile(r"[\w-]*")  # where a compound can stand: a run of these, whole
_SUSPENDED = re.compile(r"^(?:en|of|tot|en/of)\s+\w")  # "burger- en politieke rechten"
_BARE_NUMBER = re.compile(r"^(?:\[\d{1,3}\]|\d{1,3}[.)])$")  # a list or footnote number whose text wrapped
# A paragraph that ends like this is finished; quotes and brackets may close after the mark.
_TERMINAL = re.compile(r"(?:[.?!:;][\"'”’»)\]]*\d{0,2}|↩\ufe0e?\ufe0f?)$")  # a footnote marker may follow: "testte?1"
_QUESTION_END = re.compile(r"\?[\"'”’»)\]]*\d{0,2}$")

# Running lines known by their shape, wherever they stand.
RUNNING = re.compile("|".join(f"(?:{shape})" for shape in (
    r"^Tweede Kamer, vergaderjaar \d{4}\s*[–-]\s*\d{4}, [\d ]+(-[A-Z0-9]+)?, nr\. \d+\s+\d+$",
    r"^(Eerste|Tweede) Kamer der Staten-Generaal\s+\d+$",
    r"^(?i:(Pagina|Blad) \d+( van \d+)?)$",
    r"^Onze Referentie$",
    r"^[A-Z]{2,}DOC-[\d-]+$",  # a ministry's document reference under "Onze Referentie"
)))
# A short line that stands on most pages is letterhead. Labels are never letterhead.
REPEATS_AS_RUNNING = 3
RUNNING_MAX_LENGTH = 60

# "Vraag 3", "Antwoord 2 en 3", "Antwoord", "Vraag 1." with markdown or bullets around them, and the
# ministries' "Antwoord op vraag 3 en 8", "Antwoord op vragen 7, 8, en 9", "Antwoorden op de vragen 4 t/m 6".
# A label starts with a capital ("VRAAG 3" too): "vragen" alone is the last word of a wrapped line.
LABEL = re.compile(r"^(?=(?-i:[VA]))(?P<kind>Vraag|Antwoord|Vragen|Antwoorden)(?:\s+op\s+(?:de\s+)?(?:vraag|vragen))?"
                   r"(?:\s+(?P<nr>\d+[a-z]?(?:(?:\s*(?:,|en|t/m|tot en met|-|&)\s*|\s+)(?:en\s+)?\d+[a-z]?)*))?\s*[.:]?$", re.I)
# "Mevrouw Ellemeet (GroenLinks):", "De heer Hijink (SP):", "De voorzitter:", "Minister De Jonge:" in Handelingen.
SPEAKER = re.compile(r"^(?P<who>(?:De heer|Mevrouw|De voorzitter|Voorzitter|(?:De )?[Mm]inister|(?:De )?[Ss]taatssecretaris)"
                     r"(?: [^:]{1,100})?):$")
# The fields of a commissie's besluitenlijst, each a block of its own; "3. Agendapunt:" labels what follows.
FIELD = re.compile(r"^(?:\d{1,3}\.\s+)?(?:Agendapunt|Zaak|Besluit|Noot|Volgcommissie\(s\)|Voortouwcommissie|"
                   r"Document):\s")
AGENDAPUNT = re.compile(r"^(?P<nr>\d{1,3})\.\s+Agendapunt:\s")
_LABEL_NUMBERS = re.compile(r"(\d+)[a-z]?(?:\s*(?:t/m|tot en met|-)\s*(\d+))?")
# "17 Hoe beoordeelt u ..." in a numbered list of questions.
NUMBERED_QUESTION = re.compile(r"^(?P<nr>\d{1,3})\s+(?P<rest>[A-Z«“‘\"(].*)$")
# "1. https://...↩︎" (markdown), "[1] ...", "<sup>1</sup> ...", "1 https://..." at the foot of a page.
# Where a footnote (or a numbered list item) begins: "2. CSW (2020), ..." even if it ends lines later.
FOOTNOTE_START = re.compile(r"^(?:\[\d{1,3}\]|\d{1,3}[.)]|\^\d{1,3})(?:\s+\S|$)")
FOOTNOTE = re.compile(r"^(?:\[(?P<a>\d{1,3})\]|(?P<b>\d{1,3})[.)]?|\^(?P<c>\d{1,3}))\s+"
                      r"(?P<rest>(?:https?://|www\.)\S*.*|.*↩\ufe0e?)$")
# A line this long was cut by the page width, not ended by the writer: a blank line after it is layout.
FULL_LINE = 50
_LEAD = re.compile(r"^(?:[•*\-–]\s+|#{1,6}\s+)")
_BARE_FIRST, _BARE_LAST = frozenset("•*-–#_"), frozenset("*_")


# A letter followed by an accent set on its own ("Yes¸ilgöz", "Kostic´", "Wałe˛sa", as some PDFs' text layers
# have it) is the one letter the reader sees. The acute only after a consonant: after a vowel ("auto´s",
# "zo´n") it stands for an apostrophe.
_SPACING_ACCENTS = {"\u00b8": "\u0327", "\u02db": "\u0328", "\u02c7": "\u030c", "\u00a8": "\u0308", "\u02dc": "\u0303",
                    "\u02c6": "\u0302", "\u02d8": "\u0306", "\u02da": "\u030a", "\u02d9": "\u0307", "\u02dd": "\u030b"}
# TeX's PDFs set the accent of an i before a dotless one: "na¨ıef" is "naïef".
_SPACING_ACCENT = re.compile("[\u00a8\u00b4\u02c6`]\u0131|(?<=[^\\W\\d_])[" + "".join(_SPACING_ACCENTS) + "]|"
                             "(?<=[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z])\u00b4")
# A trema stands on the second of two vowels ("coördinatie", "ideeën"): between two, it is the second's.
_TREMA = re.compile("(?<=[aeiouAEIOU])\u00a8([aeiouAEIOU])")
# Any of the marks at all: a plain character class, so a line without one (nearly every line) costs one scan.
_ACCENT_CLASS = "\u00a8\u00b4\u00b8\u02c6\u02c7\u02d8-\u02dd\u0131"
_ANY_ACCENT = re.compile(f"[{_ACCENT_CLASS}]")
_I_ACCENTS = {"\u00a8": "\u0308", "\u00b4": "\u0301", "\u02c6": "\u0302", "`": "\u0300"}
# Either of them, a mark or an odd space: one scan of a line beyond ASCII that holds neither (nearly every one:
# its accented letters and curly quotes), not two. NFC makes no odd space of what was none.
_UNUSUAL = re.compile(f"[{_ACCENT_CLASS}{_ODD_CHARS}]")


def _accent(m: re.Match) -> str:
    mark = m.group(0)
    if mark.endswith("\u0131"):
        return "i" + _I_ACCENTS[mark[0]]
    return _SPACING_ACCENTS.get(mark, "\u0301")


def clean(text: str) -> str:
    if text.isascii() and text.isprintable():
        # Nearly every line: no accents, odd spaces or invisible marks can be in it, only runs of spaces.
        return " ".join(text.split())
    return clean_fully(text)


def clean_fully(text: str) -> str:
    """clean() without its shortcut for plain lines (the tests hold the two equal)."""
    unusual = _UNUSUAL.search(text) is not None
    if unusual and _ANY_ACCENT.search(text):
        text = _SPACING_ACCENT.sub(_accent, _TREMA.sub("\\1\u0308", text))
    text = unicodedata.normalize("NFC", text)
    if unusual and _ODD.search(text):  # translating a text that is not ASCII costs a dictionary lookup a character
        text = text.translate(_INVISIBLE).translate(_SPACES)
    return (_WS.sub(" ", text) if "  " in text else text).strip()


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _bare(line: str) -> str:
    """A line without list bullets, markdown headings and bold markers around it."""
    first, last = line[:1], line[-1:]
    if first not in _BARE_FIRST and last not in _BARE_LAST and not first.isspace() and not last.isspace():
        return line  # most lines: nothing around them to take away
    text = _LEAD.sub("", line.strip())
    for mark in ("**", "__"):
        text = text[2:] if text.startswith(mark) else text
        text = text[:-2] if text.endswith(mark) else text
    return text.strip()


def label_numbers(label: str) -> set[int]:
    """The question numbers a label answers: "Antwoord 4, 5, 6 en 7" -> {4, 5, 6, 7}, "Antwoord 2 t/m 4"
    -> {2, 3, 4}."""
    numbers: set[int] = set()
    for first, last in _LABEL_NUMBERS.findall(label or ""):
        a, b = int(first), int(last or first)
        numbers.update(range(a, b + 1) if 0 <= b - a <= 50 else (a, b))
    return numbers


def drop_running(lines: list[str], dropped: list[str] | None = None, repeats: bool = True) -> list[str]:
    """Blank out running headers and footers: lines of a known shape anywhere, and (`repeats`) short lines
    standing alone (blank lines around them) that repeat on three or more pages. What words they hold go to
    `dropped` once each (a letterhead's "Directie Azië en Oceanië" still counts for matching)."""
    def alone(i: int) -> bool:
        return (i == 0 or not lines[i - 1]) and (i == len(lines) - 1 or not lines[i + 1])

    counts = Counter(_shape(l) for i, l in enumerate(lines) if l and len(l) <= RUNNING_MAX_LENGTH and alone(i)) \
        if repeats else Counter()
    out = []
    for i, line in enumerate(lines):
        bare = _bare(line) if len(line) <= 2 * RUNNING_MAX_LENGTH else ""  # a long line is never a header
        if bare and (RUNNING.match(bare) or (
                repeats and len(bare) <= RUNNING_MAX_LENGTH and alone(i) and counts[_shape(line)] >= REPEATS_AS_RUNNING
                and not LABEL.match(bare) and not SPEAKER.match(bare) and not _TERMINAL.search(bare)
                and not bare.isdigit())):
            out.append("")  # keeps the paragraph break the running line stood in
            if dropped is not None and re.search(r"[^\W\d_]{2}", bare) and bare not in dropped:
                dropped.append(bare)
            continue
        out.append(line)
    return out


def _broken(end: str) -> bool:
    """Does the text end in a word broken at a hyphen? (Its last characters decide: searching the whole end
    for a pattern anchored at its end tries every place in it; most lines end in no hyphen at all.)"""
    return end[-1:] == "-" and bool(_BROKEN.search(end[-3:]))


def _in_url(end: str) -> bool:
    """Does the text end inside a URL ("https://", "…/lessen-van-")? Only a character of _URL_TAIL can end one."""
    return end[-1:] in _URL_TAIL_CHARS and bool(_URL_TAIL.search(end[-2:]) and _URL_END.search(end))


# What a line that begins a block can begin with (a label, a numbered question, a footnote, a speaker, a
# field, each perhaps behind a bullet or bold marks): most lines are ruled out by their first letter.
_MAY_START_BLOCK = re.compile(r"\s*(?:[VADMSZBN\[\^\d•*\-–#_]|minister|staatssecretaris)")


def _starts_block(line: str) -> bool:
    if not _MAY_START_BLOCK.match(line):
        return False
    return bool(LABEL.match(_bare(line)) or NUMBERED_QUESTION.match(line) or FOOTNOTE_START.match(line)
                or SPEAKER.match(line) or FIELD.match(line))


def _is_note(text: str) -> bool:
    return bool(FOOTNOTE_START.match(text) and FOOTNOTE.match(text))


def is_label_line(line: str) -> bool:
    """A heading of the text itself ("Vraag 3", "Antwoord op vraag 5", a speaker): never a running line,
    however often its shape repeats at the top of a page."""
    bare = _bare(clean(line))
    return bool(LABEL.match(bare) or SPEAKER.match(bare))


# What a label ("Vraag", "Antwoord", behind a bullet or bold marks) or a speaker ("De heer", "Mevrouw",
# "Voorzitter", "minister", "Staatssecretaris") can begin with: most paragraphs are ruled out by their first letter.
_LABEL_FIRST = frozenset("VADMSms•*-–#_")


def _is_label(text: str) -> bool:
    """Is a cleaned line a label or a speaker?"""
    if text[:1] not in _LABEL_FIRST:
        return False
    return (len(text) <= 60 and bool(LABEL.match(_bare(text)))) or bool(SPEAKER.match(text))


def _goes_on(current: "_Paragraph", last_line: str, line: str, blank: bool) -> bool:
    """Does `line` continue the paragraph `current` (whose last physical line was `last_line`)?"""
    end, asks = current.end, current.asks
    # One part: its end is the part itself when that is short enough to be a bare number.
    if len(current.parts) == 1 and len(end) <= 5 and _BARE_NUMBER.match(end):
        return True
    if _starts_block(line):
        return False
    if end[-1:] in _URL_TAIL_CHARS and (_broken(end) or _in_url(end)):  # (a hyphen is one of them)
        return True  # nobody ends a paragraph with a hyphen, or a URL with a slash: it goes on
    if "?" in end and _QUESTION_END.search(end):
        # A question ends here and its answer follows (PDFs have no blank line between), unless what
        # follows is its source: "(bron: https://...)".
        return line.startswith("(") or (not blank and line[:1].islower())
    if asks and end.endswith(")") and line[:1].isupper():
        return False  # a question that ends with its source, "(bron: https://...)", then its answer
    if not blank:
        return True
    if last_line.count("(") > last_line.count(")"):
        return True  # "(bron:" and the URL on the next line
    if asks and end.endswith(")"):
        return False
    # Across a blank line only unfinished text goes on: a page break, a PDF's line spacing.
    return (line[:1].islower() or len(last_line) >= FULL_LINE) and not _TERMINAL.search(end)


class _Compounds:
    """The compounds a document writes with a hyphen ("drone-exploitanten"), found when first asked for:
    only a word broken at a line's end asks, and most structured documents have none."""

    def __init__(self, lines: list[str]):
        self.lines, self.words = lines, None

    def __contains__(self, word: str) -> bool:
        if self.words is None:
            self.words = frozenset(w.lower() for line in self.lines if "-" in line for w in _compounds_in(line))
        return word in self.words


def _compounds_in(line: str) -> list[str]:
    """_COMPOUND.findall(line), read from the run of word characters around the line's first hyphen to the one
    around its last: the pattern begins with a look-behind, so it is tried at every place it is given."""
    first = line.find("-")
    if first < 0:
        return []
    start = first - _WORD_RUN.match(line[:first][::-1]).end()
    end = _WORD_RUN.match(line, line.rfind("-") + 1).end()
    return _COMPOUND.findall(line, start, end)  # the look-behind sees before `start`; nothing after `end` matters


class _Paragraph:
    """A paragraph being built: its pieces, and its last characters for the tests that look at its end
    (so a paragraph of a thousand lines costs a thousand steps, not a million)."""

    __slots__ = ("hyphenated", "parts", "end", "asks")

    def __init__(self, line: str = "", hyphenated: _Compounds | frozenset = frozenset()):
        self.hyphenated = hyphenated  # compounds the document writes with a hyphen elsewhere
        self.parts = [line] if line else []
        self.end = line[-80:]
        self.asks = "?" in line

    def add(self, line: str) -> None:
        # Most lines end in neither a hyphen nor a URL's last character: one test, not two calls.
        hyphen_or_url = self.end[-1:] in _URL_TAIL_CHARS  # (a hyphen is one of a URL's last characters)
        broken = hyphen_or_url and _broken(self.end)
        if hyphen_or_url and _in_url(self.end):
            glue = ""  # a URL goes on on the next line as it is, hyphen and all: "…/in-ruim-400-" + "woonwijken"
        elif broken and _SUSPENDED.match(line):
            glue = " "  # "burger- en politieke rechten"
        elif (broken and line[:1].islower() and not _KEEP_HYPHEN_BACKWARDS.match(self.end[::-1])
              and not self._compound(line)):
            # "cybersurveillance-" + "technologie": a word broken over a line end loses the hyphen.
            self.parts[-1], self.end, glue = self.parts[-1][:-1], self.end[:-1], ""
        elif broken:
            glue = ""  # "Noord-" + "Holland", "EU-" + "landen": the hyphen is the word's own
        else:
            glue = " "
        self.parts.append(glue + line)
        self.end = (self.end + glue + line)[-80:]
        self.asks = self.asks or "?" in line

    def _compound(self, line: str) -> bool:
        """"drone-" + "exploitanten" where the document writes "drone-exploitanten" elsewhere."""
        if not self.hyphenated:
            return False
        head = _LAST_WORD_BACKWARDS.match(self.end[::-1])
        tail = _FIRST_WORD.match(line)
        return bool(head and tail) and f"{head.group(1)[::-1]}-{tail.group(0)}".lower() in self.hyphenated

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _rejoins(held: str, line: str, before: str) -> bool:
    """Does `line`, after a blank and the footnote `held`, go on with the paragraph that ended in `before`?
    The footnotes at the foot of a page stood between a paragraph and the rest of it: a line in lower case
    that begins no block, after an unfinished paragraph."""
    return line[:1].islower() and _is_note(held) and not _starts_block(line) and not _TERMINAL.search(before)


def paragraphs(lines: list[str], structured: bool = False) -> list[str]:
    """Lines -> paragraphs, each on one line (so reflowing the source changes nothing).

    Footnotes are gathered at the end, in the order they appear: a PDF prints them at the foot of
    each page, so where they fall in the text depends on the pagination, which is layout.
    `structured`: the lines are paragraphs a format marks as such (XML's <al>), never joined. `lines` are
    cleaned (`clean`)."""
    # A hyphen at a line's end is the word's own where the document writes the word with one elsewhere.
    hyphenated = _Compounds(lines)
    if structured:
        return _each_its_own(lines, hyphenated)
    paras: list[_Paragraph] = []
    notes: list[str] = []
    current, last_line, blank = _Paragraph(hyphenated=hyphenated), "", False

    def finish(para: _Paragraph) -> None:
        if para.parts:
            text = para.text
            if _is_note(text):
                notes.append(text)
            else:
                paras.append(para)

    for line in lines:  # cleaned already (`document`): clean() is a fifth of a PDF's extraction, done once
        if not line:
            blank = True
            continue
        # (`.parts`, not the paragraph's truth, and the paragraph's text only for a line in lower case after a
        # blank: each was a call for every line, a fifth of the paragraphs' cost.)
        if blank and current.parts and paras and line[:1].islower() and _rejoins(current.text, line, paras[-1].end):
            finish(current)
            current = paras.pop()
            current.add(line)
        elif current.parts and _goes_on(current, last_line, line, blank):
            current.add(line)
        else:
            finish(current)
            current = _Paragraph(line, hyphenated)
        blank, last_line = False, line
        if len(current.parts) == 1 and _is_label(line):
            paras.append(current)  # a label stands alone
            current = _Paragraph(hyphenated=hyphenated)
    finish(current)
    return [p.text for p in paras] + notes


def _each_its_own(lines: list[str], hyphenated: _Compounds) -> list[str]:
    """paragraphs() of lines that are paragraphs each (`structured`): as there, a footnote is gathered at the
    end, a label stands alone, and a line in lower case after a footnote goes on with the paragraph before
    the footnote if that was unfinished. A paragraph is its line until a line joins it (then a _Paragraph):
    nothing else is ever joined, and most files join nothing."""
    paras: list = []  # str, or _Paragraph
    notes: list[str] = []
    current = None  # the last line, unless it was a label: a str, or the _Paragraph a line joined
    blank = False

    def finish(para) -> None:
        text = para if para.__class__ is str else para.text
        first = text[:1]
        if (first == "[" or first == "^" or first.isdigit()) and _is_note(text):  # where a footnote can begin
            notes.append(text)
        else:
            paras.append(para)

    # (Each line's first letter is asked first, here: a call for each line and each test was most of the cost.)
    for line in lines:
        if not line:
            blank = True
            continue
        after_blank, blank = blank, False
        if current is not None and after_blank and paras and line[:1].islower() \
                and _rejoins(current if current.__class__ is str else current.text, line, _end(paras[-1])):
            finish(current)
            current = paras.pop()
            if current.__class__ is str:
                current = _Paragraph(current, hyphenated)
            current.add(line)
            continue
        if current is not None:
            finish(current)
        if line[:1] in _LABEL_FIRST and _is_label(line):
            paras.append(line)  # a label stands alone
            current = None
        else:
            current = line
    if current is not None:
        finish(current)
    return [p if p.__class__ is str else p.text for p in paras] + notes


def _end(para) -> str:
    return para[-80:] if para.__class__ is str else para.end


def _label_number(text: str) -> str:
    """"7, 8, en 9" and "7,8 en 9" -> "7, 8 en 9"; ranges ("4 t/m 6") as written."""
    text = re.sub(r"\s+", " ", text or "").strip()
    numbers = re.findall(r"\d+[a-z]?", text)
    if len(numbers) < 2 or re.search(r"t/m|tot en met|-", text):
        return text
    return ", ".join(numbers[:-1]) + " en " + numbers[-1]


def _asked_apart(paras: list[str], set_apart: frozenset) -> list[bool]:
    """Which paragraphs are part of a question set apart by its type: a run of paragraphs printed in bold
    or italic throughout that ends in a question mark. A bold heading ("Inleiding") asks nothing."""
    asked = [False] * len(paras)
    i = 0
    while i < len(paras):
        if paras[i] not in set_apart:
            i += 1
            continue
        end = i
        while end + 1 < len(paras) and paras[end + 1] in set_apart:
            end += 1
        if _QUESTION_END.search(paras[end]):
            asked[i:end + 1] = [True] * (end + 1 - i)
        i = end + 1
    return asked


_LEADING_NUMBER = re.compile(r"^(\d{1,3})[.)]?\s")


def label(paras: list[str], set_apart: frozenset = frozenset()) -> list[Block]:
    """Give each paragraph its kind and the label of the question or answer it belongs to. `set_apart`:
    paragraphs the format printed in bold or italic throughout (a question, where no "Antwoord" heads the
    answers)."""
    # Only a paragraph that may begin a block can be a label, a speaker, a footnote or a numbered question.
    may = [bool(_MAY_START_BLOCK.match(p)) for p in paras]
    # Each paragraph's label matched once: whether the answers have theirs decides how the others are read. A
    # label begins with V or A once its bullets and marks are taken away (asked of those that may only).
    labels = [LABEL.match(_bare(p)) if may[i] and ((first := p[:1]) in "VA" or first in _BARE_FIRST or first.isspace())
              else None for i, p in enumerate(paras)]
    explicit_answers = any(m and m.group("kind").lower().startswith("antwoord") for m in labels)
    numbered = sum(1 for i, p in enumerate(paras)
                   if may[i] and "?" in p and p[:1].isdigit() and NUMBERED_QUESTION.match(p)) >= 2
    asked = _asked_apart(paras, set_apart) if set_apart and not explicit_answers else [False] * len(paras)
    if sum(1 for i, a in enumerate(asked) if a and (i + 1 == len(asked) or not asked[i + 1])) < 2:
        asked = [False] * len(paras)  # one bold question is emphasis, not the shape of the document
    asked_count = 0
    blocks: list[Block] = []
    current, kind, question_nr = "", "paragraph", ""
    fresh_question = False
    for i, para in enumerate(paras):
        if asked[i]:
            if not (i and asked[i - 1]):  # a new question: its own number, or the next
                asked_count += 1
                question_nr = (m.group(1) if (m := _LEADING_NUMBER.match(para)) else str(asked_count))
            blocks.append(Block(text=para, kind="question", label=f"Vraag {question_nr}"))
            current, kind, fresh_question = f"Antwoord {question_nr}", "answer", False
            continue
        starts = may[i]
        if starts and (item := AGENDAPUNT.match(para)):
            current, kind, fresh_question = f"Agendapunt {item.group('nr')}", "paragraph", False
        speaker = starts and SPEAKER.match(para)
        if speaker:
            current, kind, fresh_question = speaker.group("who"), "speech", False
            blocks.append(Block(text=current, kind="heading", label=current))
            continue
        m = labels[i]
        if m:
            word = m.group("kind").capitalize()
            word = "Vraag" if word.startswith("Vra") else "Antwoord"
            nr = _label_number(m.group("nr")) or (question_nr if word == "Antwoord" else "")
            if word == "Vraag":
                question_nr = nr
            current = f"{word} {nr}".strip()
            kind = "question" if word == "Vraag" else "answer"
            fresh_question = word == "Vraag"
            blocks.append(Block(text=m.string, kind="heading", label=current))  # the label without its marks
            continue
        # (What a footnote's text must hold is looked for first: the pattern reads a whole paragraph that begins
        # with a number to its end, and back.)
        f = starts and ("↩" in para or "http" in para) and FOOTNOTE.match(para)
        if f:
            nr = f.group("a") or f.group("b") or f.group("c")
            blocks.append(Block(text=f.group("rest").replace("↩︎", "").replace("↩", "").strip(), kind="footnote",
                                label=f"Voetnoot {nr}"))
            continue
        q = NUMBERED_QUESTION.match(para) if numbered and starts else None
        if q and "?" in para:
            question_nr = q.group("nr")
            blocks.append(Block(text=para, kind="question", label=f"Vraag {question_nr}"))
            current, kind, fresh_question = f"Antwoord {question_nr}", "answer", False
            continue
        if fresh_question and not explicit_answers:
            # "• Vraag 4", the question, then the answer without a label of its own (openkamer pages).
            blocks.append(Block(text=para, kind="question", label=current))
            current, kind, fresh_question = f"Antwoord {question_nr}", "answer", False
            continue
        fresh_question = False
        blocks.append(Block(text=para, kind=kind, label=current))
    return blocks


# Ministries' letters mark footnotes "1)" ("…? 1) 2)", "(nos.nl)”1)?") and print them, "1) Aanhangsel …",
# after the last answer.
_PAREN_MARK = re.compile(r"(?<=[^\w(\s]|\s)(?<!^)(\d{1,2})\)(?=[\s?.,;:]|$)")
_PAREN_NOTE = re.compile(r"^(\d{1,2})\)\s+(\S.*)$")


def paren_footnotes(blocks: list[Block]) -> list[Block]:
    """Trailing "1) …" paragraphs that the text refers to by a "1)" marker become footnotes, and their
    markers " [1]" as every other format's are."""
    if not blocks or not _PAREN_NOTE.match(blocks[-1].text):
        return blocks  # most documents: nothing to look for
    referenced = {m.group(1) for b in blocks if b.kind != "footnote" for m in _PAREN_MARK.finditer(b.text)
                  if m.start() > 0}
    i = len(blocks)
    while i and (m := _PAREN_NOTE.match(blocks[i - 1].text)) and m.group(1) in referenced \
            and blocks[i - 1].kind in ("answer", "paragraph", "question"):
        i -= 1
    notes = blocks[i:]
    if not notes:
        return blocks
    numbers = set()
    for block in notes:
        m = _PAREN_NOTE.match(block.text)
        block.kind, block.label, block.text = "footnote", f"Voetnoot {m.group(1)}", m.group(2)
        numbers.add(m.group(1))
    for block in blocks[:i]:
        block.text = _PAREN_MARK.sub(lambda m: f"[{m.group(1)}]" if m.group(1) in numbers else m.group(0),
                                     block.text)
    return blocks


_MARKS = "»”’?!"  # what a footnote's number may be glued to without being part of a word
_AFTER_MARK = re.compile(rf"(?<=[{_MARKS}])(\d{{1,3}}(?:,\s?\d{{1,3}})*)(?=\s|$)")  # "»?1, 2": notes 1 and 2
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT = re.compile(r"(?<=\S)[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}")  # "Schiphol¹ ."
_AFTER_WORD = re.compile(r"(?<=[^\W\d_]|[.,;:)])(\d{1,3})(?=[\s,.;:)]|$)")
# Python's re tries a pattern that begins with a look-behind at every place of a text (16 to 47 µs a KB
# here). These find the same: _AFTER_MARK only where a mark stands before a digit, and _AFTER_WORD as
# every run of digits that ends as it must, the character before it looked at once found.
_MARK_DIGIT = re.compile(rf"[{_MARKS}]\d")
_DIGITS_ENDING = re.compile(r"\d\d{0,2}(?=[\s,.;:)]|$)")  # \d{1,3}…, found by a search that skips to a digit
_BEFORE_WORD_MARKER = re.compile(r"[^\W\d_]|[.,;:)]")


def _markers(m: re.Match) -> str:
    return "".join(f" [{n}]" for n in re.findall(r"\d+", m.group(1)))


def _after_mark(text: str) -> str:
    """_AFTER_MARK.sub(_markers, text)."""
    if "?" not in text and "!" not in text and "»" not in text and "”" not in text and "’" not in text:
        return text  # none of _MARKS (each looked for on its own: a scan of the pattern's class costs more)
    if not text.isascii() and not _MARK_DIGIT.search(text):
        return text
    return _AFTER_MARK.sub(_markers, text)


def _after_word(text: str, numbers: set[str]) -> str:
    """_AFTER_WORD's numbers that are footnotes' made markers. A run of digits the look-behind refuses is
    preceded by a digit or a character that ends no word: the other pattern cannot begin inside it either."""
    def marker(m: re.Match) -> str:
        digits = m.group(0)
        if digits in numbers and m.start() and _BEFORE_WORD_MARKER.match(text, m.start() - 1):
            return f" [{digits}]"
        return digits
    return _DIGITS_ENDING.sub(marker, text)


def separate_footnote_markers(blocks: list[Block]) -> list[Block]:
    """"Information Controls»1 en" -> "Information Controls» [1] en".

    A number glued to a closing quote or question mark is a footnote marker; one glued to a word
    ("Xinjiang5") only when the text has that footnote ("H2" or "m2" otherwise stay).
    """
    numbers = {b.label.split()[-1] for b in blocks if b.kind == "footnote"}
    for block in blocks:
        if block.kind == "footnote":
            continue
        block.text = _after_mark(block.text)
        if numbers and not block.text.isascii() and _SUPERSCRIPT.search(block.text):  # "m²" stays where no
            # footnote 2 exists
            block.text = _SUPERSCRIPT.sub(lambda m: f" [{n}]" if (n := m.group(0).translate(_SUPERSCRIPTS)) in numbers
                                          else m.group(0), block.text)
        if numbers:
            block.text = _after_word(block.text, numbers)
    return blocks


def joined(lines: list[str]) -> str:
    """Lines of one paragraph as one line, words broken over lines joined as in a paragraph."""
    cleaned = [c for c in map(clean, lines) if c]
    if not cleaned:
        return ""
    para = _Paragraph(cleaned[0])
    for line in cleaned[1:]:
        para.add(line)
    return para.text


def document(lines: list[str], metadata: dict | None = None, letterhead=(), structured: bool = False,
             notes=(), marked: bool = False, set_apart=(), cleaned: bool = False) -> Document:
    """The one way every format becomes a Document. `lines` may be physical lines (text, PDF) or
    paragraphs separated by blank lines (DOCX, HTML, XML). `letterhead`: paragraphs the format knows to
    be letterhead (a DOCX template's sidebar); with the running lines dropped from the text they become
    blocks of kind "letterhead", first, which are matched but never diffed. `notes`: (number, text) of the
    footnotes a format found apart from the text (a PDF's foot of the page), last. `marked`: the format
    marked the footnotes' numbers in the text itself (by their type size), and its furniture by where it
    stands: no digits are guessed to be a marker, and no line is dropped for repeating. `cleaned`: every line
    is clean() already."""
    if not cleaned:
        lines = [clean(l) for l in lines]
    dropped: list[str] = []
    # A structured format has no page furniture to drop: a short line that repeats ("Motie") is text.
    paras = paragraphs(lines if structured else drop_running(lines, dropped, repeats=not marked), structured)
    side = list(dict.fromkeys(t for t in (clean(t) for t in list(letterhead) + dropped) if t))
    found = [Block(text=text, kind="footnote", label=f"Voetnoot {number}") for number, text in notes if text]
    body = paren_footnotes(label(paras, frozenset(clean(t) for t in set_apart))) + found
    blocks = [Block(text=t, kind=LETTERHEAD) for t in side] + (body if marked else separate_footnote_markers(body))
    meta = dict(metadata or {})
    meta.update({k: v for k, v in facts(blocks, known=meta).items() if v and k not in meta})
    return Document(blocks=blocks, metadata=meta)


def from_paragraphs(paras: list[str], metadata: dict | None = None, letterhead=(), structured: bool = False,
                    set_apart=()) -> Document:
    lines: list[str] = []
    for para in paras:
        # One line a paragraph, its white space single spaces: then clean() of a plain line would only split
        # and join it again. A paragraph that is so already (XML's are) is not split: every white space but the
        # space is unprintable. A plain one is taken as it is, any other cleaned fully.
        printable = para.isprintable()
        if not (printable and "  " not in para and not para.startswith(" ") and not para.endswith(" ")):
            para = " ".join(para.split())
            printable = para.isprintable()
        if not (printable and para.isascii()):
            para = clean_fully(para)
        lines += [para, ""]
    return document(lines, metadata, letterhead, structured, set_apart=[" ".join(p.split()) for p in set_apart],
                    cleaned=True)


def from_text(text: str, metadata: dict | None = None) -> Document:
    return document(text.splitlines(), metadata)
