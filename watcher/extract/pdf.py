"""PDF text with pypdfium2 (2-3 ms a page here, against ~25 for pypdf and ~94 for pdfminer.six).

Each line is measured where the PDF says it stands: where it begins, its height on the page, the size of its
type, and which of its digits are set smaller than the text beside them. `_layout.py` decides from that what
is text, what is a footnote and what is the page's furniture. Measuring costs a few calls a line, not one a
character (bench/bench_extract.py prints the ratio against pdfium's text alone).

A PDF whose text pdfium cannot place (its text and its characters do not line up) is read by the text alone:
running headers and footers ("Tweede Kamer, vergaderjaar 2019–2020, 35 207, nr. 34 16") are then the lines
that repeat at the top or bottom of most pages once digits are ignored.
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections import Counter

from ..model import Document
from . import _layout, _text
from ._errors import ExtractError

_DIGITS = _layout.DIGITS
_ASCII_DIGITS = re.compile(r"[0-9][0-9]*")
_ASCII_DIGIT_BYTES = b"0123456789"
EDGE_LINES = 3
WIDE = 0.6  # a line wider than this many times its type size a letter holds a gap, or is two lines
GAP = 5.0  # a space between words wider than this many times the type size divides two columns (a table's
# cells stand closer: "Volgcommissie(s):   BuZa" is one line)
# A physical line: pdfium ends one with a line break, or joins it to the next at a hyphen it marks U+FFFE.
_PHYSICAL = re.compile(r"([^\r\n\ufffe]*)(\ufffe|\r\n|\r|\n|$)")


def _shape(line: str) -> str:
    return _DIGITS.sub("#", _text.clean(line)).lower()


def _digit_runs(text: str):
    """_DIGITS.finditer(text); in ASCII text [0-9] finds the same, and cheaper still. Most of a page's lines are ASCII
    without a digit: that is known from their bytes with the digits deleted, in C, and no pattern is tried (a
    tenth of measuring a page's lines)."""
    if not text.isascii():
        return _DIGITS.finditer(text)
    data = text.encode("ascii")
    return _ASCII_DIGITS.finditer(text) if len(data.translate(None, _ASCII_DIGIT_BYTES)) < len(data) else ()


def _open(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        message = str(e)
        if "password" in message.lower():
            raise ExtractError("the PDF is encrypted with a password") from None
        raise ExtractError(f"the PDF cannot be read ({message})") from None


def page_texts(data: bytes) -> list[str]:
    """pdfium's text of each page, and nothing else: the floor the benches measure against."""
    pdf = _open(data)
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


@functools.cache
def _loose_char_box():
    """pdfium's FPDFText_GetLooseCharBox(text page, index, FS_RECTF*) as a bare C function: a page asks it
    hundreds of times, and pypdfium2's binding checks and converts each argument to its declared type first
    (460 against 210 ns a call here). The arguments are made the right C types once, by _measure. Called
    holding the GIL (PYFUNCTYPE): releasing and taking it again cost more than pdfium's answer (185 ns)."""
    import pypdfium2.raw as raw

    return ctypes.PYFUNCTYPE(ctypes.c_int)(ctypes.cast(raw.FPDFText_GetLooseCharBox, ctypes.c_void_p).value)


class _Boxes:
    """Where pdfium places the characters of one text page (FPDFText_GetLooseCharBox through a bare C call)."""

    __slots__ = ("call", "page", "box", "into")

    def __init__(self, textpage):
        import pypdfium2.raw as raw

        self.call, self.box = _loose_char_box(), raw.FS_RECTF()
        self.page, self.into = ctypes.cast(textpage.raw, ctypes.c_void_p), ctypes.byref(self.box)

    def place(self, index: int) -> tuple[float, float, float, float] | None:
        """(left, bottom, right, height) of a character, None for one pdfium made up."""
        if not self.call(self.page, index, self.into):
            return None
        box = self.box
        return box.left, box.bottom, box.right, box.top - box.bottom


def _measure(textpage, text: str) -> list[_layout.Line] | None:
    """The page's printed lines with where they stand; None where pdfium's text and characters differ.
    A line costs a call for its first and its last letter, and one for each number it holds."""
    if len(text) != textpage.count_chars():
        return None
    boxes = _Boxes(textpage)
    place = boxes.place
    lines, Line, digits_in = [], _layout.Line, _digit_runs
    for m in _PHYSICAL.finditer(text):
        content = m.group(1)
        first = len(content) - len(content.lstrip())
        if first == len(content):
            if m.end() == len(text):
                break
            continue
        start, hyphen = m.start(), "-" if m.group(2) == "\ufffe" else ""
        for begin, end, where, tail in _printed_lines(boxes, content, start, first):
            part = content[begin:end]
            # Its size is the larger of its ends': "Zaak:" set small before its value is a line of text.
            line = Line(part + hyphen if end == len(content) else part, where[0], where[1],
                        max(where[3], tail[3] if tail else 0.0), [], tail[2] if tail else where[2])
            for digits in digits_in(part):
                line.markers += _small_digits(part, digits, start + begin, line.size, place)
            lines.append(line)
    return lines


def _printed_lines(boxes: _Boxes, content: str, start: int, first: int) -> list[tuple[int, int, tuple, tuple | None]]:
    """(begin, end, where its first and its last letter stand) of each printed line in one of pdfium's lines. pdfium
    joins what stands at one height (a colophon in the margin beside the page's footer; a letter's sidebar
    beside its text) and sometimes lines set one under the other (short footnotes, with no line break
    between them in the text). Only a line whose last letter stands lower than its first, is set in
    another size, or stands further right than its letters can reach, is read letter by letter."""
    head = boxes.place(start + first)
    if head is None:
        return []  # a character pdfium made up (a space, a line break): nothing to place
    left, bottom, _, size = head
    last = len(content.rstrip()) - 1
    tail = boxes.place(start + last) if last > first else None
    letters = last - first + 1
    if tail is None or (tail[1] > bottom - 0.5 * size  # not lower
                        and (tail[3] >= 0.9 * size or content[last].isdigit())  # not smaller (but a marker)
                        and (letters < 12 or tail[2] - left < WIDE * size * letters)):  # not too wide
        # A marker raised at the end is no part of the line's size or height.
        return [(first, len(content), head, tail if tail and tail[1] <= bottom + 0.2 * size else None)]
    # Letter by letter, each compared with the one before (its box read from pdfium's answer as it is: this
    # loop asks for as many boxes as all other lines together).
    call, page, into, box = boxes.call, boxes.page, boxes.into, boxes.box
    back, down, gap = 2 * size, 0.5 * size, GAP * size
    parts, begin, where = [], first, head
    was_left, was_bottom, was_right, was_height = head
    for i in range(first + 1, len(content)):
        if content[i].isspace() or not call(page, start + i, into):
            continue
        at_left, at_bottom = box.left, box.bottom
        if ((at_left < was_right - back and at_bottom < was_bottom - down)  # back to the left, and down
                or at_left > was_right + gap):  # a gap no word space makes: another column
            parts.append((begin, i, where, (was_left, was_bottom, was_right, was_height)))
            begin, where = i, (at_left, at_bottom, box.right, box.top - at_bottom)
        was_left, was_bottom, was_right, was_height = at_left, at_bottom, box.right, box.top - at_bottom
    parts.append((begin, len(content), where, (was_left, was_bottom, was_right, was_height)))
    return [part for part in parts if content[part[0]:part[1]].strip()]


def _small_digits(content: str, digits, start: int, size: float, place) -> list[tuple[int, int]]:
    """The digits at the end of a run that are set smaller than the line around them: "2022⁴" -> "4"."""
    low, end = digits.span()
    if low == 0:  # the line begins with them: compare with the text after them
        after = next((i for i in range(end, len(content)) if not content[i].isspace()), None)
        if after is None or (at := place(start + after)) is None:
            return []
        size = at[3]
    small = _layout.SUPERSCRIPT * size
    at = place(start + end - 1)
    if at is None or at[3] >= small:
        return []  # most runs: their last digit is set as the text is
    first = end - 1
    while first > low and (at := place(start + first - 1)) is not None and at[3] < small:
        first -= 1
    return [(first, end)]


def read_pages(data: bytes) -> tuple[list[str], list[_layout.Page] | None]:
    """Each page's text, and its measured lines (None when any page cannot be measured)."""
    pdf = _open(data)
    try:
        texts, pages = [], []
        for page in pdf:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            texts.append(text)
            if pages is not None:
                lines = _measure(textpage, text)
                if lines is None:
                    pages = None
                else:
                    pages.append(_layout.Page(lines, page.get_height(), page.get_width()))
            textpage.close()
            page.close()
        return texts, pages
    finally:
        pdf.close()


def drop_running_lines(pages: list[list[str]], dropped: list[str] | None = None) -> list[list[str]]:
    """Blank the lines at the top and foot of the pages that most pages share (by shape: page numbers
    differ). One copy of each goes to `dropped`: a letterhead's words still count for matching."""
    if len(pages) < 3:
        return pages
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {_shape(l) for l in lines[:EDGE_LINES] + lines[-EDGE_LINES:] if l.strip()}
        counts.update(edges)
    running = {shape for shape, n in counts.items() if n >= max(2, len(pages) // 2)}
    seen: set[str] = set()
    out = []
    for lines in pages:
        keep = list(lines)
        for idx in list(range(min(EDGE_LINES, len(keep)))) + list(range(max(0, len(keep) - EDGE_LINES), len(keep))):
            if _shape(keep[idx]) in running and not _text.is_label_line(keep[idx]):
                text = _text.clean(keep[idx])
                if dropped is not None and re.search(r"[^\W\d_]{2}", text) and _shape(text) not in seen:
                    seen.add(_shape(text))  # once: "… nr. 34 1" and "… nr. 34 2" are one running line
                    dropped.append(text)
                keep[idx] = ""
        out.append(keep)
    return out


def extract_pdf(data: bytes) -> Document:
    texts, measured = read_pages(data)
    if measured is None:
        return by_text(texts)
    layout = _layout.read(measured)
    notes = [(number, _text.joined(lines)) for number, lines in layout.notes]
    return _text.document(layout.lines, {"pages": len(texts)}, letterhead=layout.furniture, notes=notes, marked=True)


def by_text(texts: list[str]) -> Document:
    """A PDF read from its text alone, as watcher read every PDF before it measured lines."""
    # pdfium joins a line that ends in a hyphen to the next one and marks the spot with U+FFFE, even when
    # the next line is the page footer: undo that, so the footer is a line of its own again.
    pages = [p.replace("\ufffe", "-\n").replace("\r\n", "\n").replace("\r", "\n").split("\n")
             for p in texts]
    lines: list[str] = []
    dropped: list[str] = []
    for page in drop_running_lines(pages, dropped):
        lines += page + [""]  # a page break reads as a blank line: the text may go on after it
    return _text.document(lines, {"pages": len(pages)}, letterhead=dropped)
