"""Where a line stands on the page decides what it is: text, a footnote, or the page's furniture.

Pure functions over `Line`s (their text, where they begin, the size their type is set in), so the rules can be
read and tested without a PDF. `pdf.py` measures the lines; this module decides:
- the **body size** is the size most of the document's text is set in; the **body column** is where most of
  it begins;
- **running lines**: a line near the top or the foot of the page that stands at the same height, in the same
  shape (digits aside), on other pages too ("Tweede Kamer, vergaderjaar 2023–2024, Aanhangsel 2", "40-6-4");
- the **foot** of a page: the lines set smaller than the body, below its last line of body text. One that
  begins with a number set smaller still (or further left than the line after it) begins a footnote; the lines
  after it go on with that footnote. What stands in the foot outside the body column (a colophon: "ah-tk-…",
  "ISSN 0921 - 7398", "'s-Gravenhage 2024") is furniture;
- a **sidebar**: lines set smaller than the body, in a column left or right of it (a ministry letter's
  sender, address and reference) are furniture, as a DOCX letter's are;
- **markers**: digits set smaller than the text they follow ("gevaarlijk»»?¹", "uit 2022⁴") are a footnote's
  number when the document has that footnote: " [4]", never a digit of the word;
- a **paragraph break** where the space between two lines is wider than the line spacing, or the type size
  changes ("1771" above "Vragen van het lid …").
Words are never the clue: the Kamer changes its wording more often than its typesetting.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ._text import is_label_line

SMALLER = 0.92  # a size below this share of the body size is set smaller
SUPERSCRIPT = 0.85  # digits below this share of the text beside them are raised markers
EDGE = 0.15  # the top and foot of the page in which running lines stand, as a share of its height
EDGE_LINES = 4  # and among its first or last lines
SAME_HEIGHT = 3.0
SIDE = 0.6  # a line set small that begins this far across the text's width stands in a sidebar  # points within which two lines on two pages stand at the same height
# \d+, written so that a search skips to a digit (a pattern that begins with a repeat is tried at every place of
# the text: 220 instructions a character, against 130). pdf.py reads each line's digits with it too.
DIGITS = re.compile(r"\d\d*")
_NOTE_START = re.compile(r"^(\d{1,3})\s+(?=\S)")


@dataclass
class Line:
    text: str
    x: float  # where the line begins, from the left
    y: float  # its baseline's height from the foot of the page
    size: float  # the size it is set in (the larger of its first and last letter's)
    markers: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of digits set small
    right: float = 0.0  # where it ends


@dataclass
class Page:
    lines: list[Line]
    height: float
    width: float = 0.0


@dataclass
class Layout:
    """A document's pages, read: the text lines (pages apart by a blank line), the footnotes (number, lines)
    and the furniture, each in reading order."""
    lines: list[str]
    notes: list[tuple[str, list[str]]]
    furniture: list[str]


def _shape(text: str) -> str:
    return DIGITS.sub("#", " ".join(text.split())).lower()


def _mode(values: Counter) -> float:
    return values.most_common(1)[0][0] if values else 0.0


def body_size(pages: list[Page]) -> float:
    # Summed by the size as measured, then rounded once a size: round(x, 1) costs 5,000 instructions, and most of a
    # document's lines share a handful of sizes. (The rounded sizes come in the order the lines first have them.)
    measured: dict[float, int] = {}
    for page in pages:
        for line in page.lines:
            measured[line.size] = measured.get(line.size, 0) + len(line.text)
    sizes: Counter = Counter()
    for size, characters in measured.items():
        sizes[round(size, 1)] += characters
    return _mode(sizes)


def body_left(pages: list[Page], size: float) -> float:
    lefts: Counter = Counter()
    for page in pages:
        for line in page.lines:
            if abs(line.size - size) <= 0.1 * size:
                lefts[round(line.x)] += len(line.text)
    return _mode(lefts)


def running_lines(pages: list[Page]) -> set[tuple[int, int]]:
    """(page, line) of the lines at the top or foot that other pages have at the same height and shape."""
    if len(pages) < 2:
        return set()
    seen: dict[tuple[str, int], set[int]] = {}
    at: dict[tuple[int, int], tuple[str, int]] = {}
    for p, page in enumerate(pages):
        for i, line in enumerate(page.lines):
            if EDGE_LINES <= i < len(page.lines) - EDGE_LINES:
                continue  # a running line is among the first or the last lines of the page
            if (page.height and EDGE * page.height < line.y < (1 - EDGE) * page.height) or is_label_line(line.text):
                continue  # "Antwoord 2" at the top of two pages is the text's own heading, twice
            key = (_shape(line.text), round(line.y / SAME_HEIGHT))
            seen.setdefault(key, set()).add(p)
            at[(p, i)] = key
    needed = 2 if len(pages) <= 3 else max(2, len(pages) // 2)
    # A line half a step away rounds to the next step: count both neighbours.
    def pages_with(key):
        shape, step = key
        return seen.get(key, set()) | seen.get((shape, step - 1), set()) | seen.get((shape, step + 1), set())
    return {where for where, key in at.items() if len(pages_with(key)) >= needed}


def _foot(page: Page, size: float, skip: set[int]) -> int:
    """The index from which the page's lines are its foot: set smaller, below its last body text line."""
    start = len(page.lines)
    lowest_body = min((l.y for i, l in enumerate(page.lines) if i not in skip and l.size >= SMALLER * size),
                      default=None)
    for i in range(len(page.lines) - 1, -1, -1):
        line = page.lines[i]
        if i in skip:
            continue
        if line.size >= SMALLER * size or (lowest_body is not None and line.y > lowest_body):
            break
        start = i
    return start


def _note_start(lines: list[Line], i: int) -> str:
    """The footnote number line i begins with, or ""."""
    line = lines[i]
    m = _NOTE_START.match(line.text)
    if not m:
        return ""
    if any(start == 0 for start, _ in line.markers):
        return m.group(1)  # the number is set smaller than its text: "¹ EenVandaag, …"
    following = lines[i + 1] if i + 1 < len(lines) else None
    if following is not None and following.x > line.x + 1 and not _NOTE_START.match(following.text):
        return m.group(1)  # the text after the number hangs indented on the lines below
    return ""


def read(pages: list[Page]) -> Layout:
    size = body_size(pages)
    left = body_left(pages, size)
    running = running_lines(pages)
    out_lines: list[str] = []
    notes: list[tuple[str, list[str]]] = []
    furniture: list[str] = []
    markers: list[tuple[int, Line]] = []  # (index in out_lines, line) of body lines with small digits
    for p, page in enumerate(pages):
        skip = {i for i in range(len(page.lines)) if (p, i) in running}
        foot = _foot(page, size, skip)
        previous: Line | None = None
        for i, line in enumerate(page.lines):
            if i in skip or beside(line, page, size, left):
                furniture.append(line.text)
                continue
            if i >= foot:
                number = _note_start(page.lines, i)
                if number:
                    notes.append((number, [line.text[len(number):].strip()]))
                elif notes:
                    notes[-1][1].append(line.text)  # a footnote goes on (over the page, too)
                else:
                    furniture.append(line.text)
                continue
            if previous is not None and _breaks(previous, line):
                out_lines.append("")
            if line.markers:
                markers.append((len(out_lines), line))
            out_lines.append(line.text)
            previous = line
        out_lines.append("")  # a page break reads as a blank line: the text may go on after it
    numbers = {number for number, _ in notes}
    for index, line in markers:
        out_lines[index] = mark(line, numbers)
    # Once each: "Aanhangsel 1", "Aanhangsel 2" … are one running line.
    shapes: set[str] = set()
    furniture = [text for text in furniture if not (_shape(text) in shapes or shapes.add(_shape(text)))]
    return Layout(out_lines, notes, furniture)


def beside(line: Line, page: Page, size: float, left: float) -> bool:
    """A line set smaller than the text, in a column of its own left or right of it: a letter's sidebar (its
    sender, address, phone numbers and reference), a colophon in the margin."""
    if line.size >= SMALLER * size:
        return False
    # Beside, not inside: a sidebar on the left ends before the text begins.
    return (line.right and line.right + size / 2 < left) or (page.width > 0 and line.x > left + SIDE * (page.width - left))


def _breaks(above: Line, line: Line) -> bool:
    """Does a paragraph end between two lines that follow each other? Wider spacing, or another size."""
    high, low = (above.size, line.size) if above.size >= line.size else (line.size, above.size)
    if high - low > 0.15 * high:  # (compared, not abs() and max(): a call fewer each, on every line)
        return True
    gap = above.y - line.y
    return gap > 1.75 * high or gap < -above.size  # a gap, or a new column


def mark(line: Line, numbers: set[str]) -> str:
    """The line's text with its small digits that number a footnote as " [n]" markers."""
    text, out, at = line.text, [], 0
    for start, end in line.markers:
        digits = text[start:end]
        if digits not in numbers:
            continue
        out.append(text[at:start].rstrip(" "))
        out.append(f" [{digits}]")
        at = end
    out.append(text[at:])
    # "»?¹,²": a comma between two markers is part of the markers, not of the sentence.
    return re.sub(r"(\[\d+\])\s?,\s?(?=\[\d+\])", r"\1 ", "".join(out))
