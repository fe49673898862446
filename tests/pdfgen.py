"""Real PDFs for tests and benchmarks, written with pypdfium2 (already a dependency).

`render` lays paragraphs out in lines of `width` characters, `lines_per_page` to a page, with a running
header and footer on every page and, optionally, words broken over line ends with a hyphen: the layout
noise that extraction must remove.
"""

from __future__ import annotations

import ctypes
import textwrap

import pypdfium2 as pdfium
import pypdfium2.raw as raw

PAGE_W, PAGE_H = 595, 842
MARGIN = 50
FONT_SIZE = 8.5
LEADING = 12


def wrap(paragraph: str, width: int, hyphenate: bool) -> list[str]:
    """Lines of at most `width` characters; with `hyphenate`, a long word that does not fit is broken with
    a hyphen (between two lower-case letters, never at a hyphen it already has, never inside a URL: a
    typesetter moves a URL to the next line whole, and a hyphen at the end of a line in a URL is the URL's own,
    as in the Aanhangsels of tests/fixtures/realdocs2)."""
    if not hyphenate:
        return textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False) or [""]
    lines, line = [], ""
    for word in paragraph.split():
        room = width - len(line) - (1 if line else 0)
        if len(word) <= room:
            line = f"{line} {word}" if line else word
            continue
        cut = room - 1
        rest_letters = sum(c.isalpha() for c in word[cut:])
        if len(word) >= 8 and "-" not in word and "://" not in word and not word.startswith("www.") and cut >= 3 and rest_letters >= 3 \
                and word[cut - 1].islower() and word[cut].islower():
            lines.append(f"{line} {word[:cut]}-" if line else f"{word[:cut]}-")
            line = word[cut:]
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _text(pdf, page, text: str, x: float, y: float, size: float = FONT_SIZE) -> None:
    obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(size))
    buffer = ctypes.create_string_buffer((text + "\x00").encode("utf-16-le"))
    raw.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)))
    raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
    raw.FPDFPage_InsertObject(page.raw, obj)


def render(paragraphs: list[str], width: int = 95, lines_per_page: int = 60, hyphenate: bool = False,
           header: str | None = "Tweede Kamer, vergaderjaar 2019–2020, 35 207, nr. 34",
           footer: str | None = "Tweede Kamer, vergaderjaar 2019–2020, 35 207, nr. 34 {page}",
           sidebar: list[str] = ()) -> bytes:
    """`sidebar`: lines set small in a column right of the text on the first page, as a ministry's letter
    has its sender, address and reference (the Rijkshuisstijl)."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += wrap(paragraph, width, hyphenate) + [""]
    pdf = pdfium.PdfDocument.new()
    for number, start in enumerate(range(0, max(len(lines), 1), lines_per_page), 1):
        page = pdf.new_page(PAGE_W, PAGE_H)
        y = PAGE_H - MARGIN
        if number == 1:
            for i, text in enumerate(sidebar):
                _text(pdf, page, text, PAGE_W - 150, y - 2 * LEADING - i * 0.8 * LEADING, 0.8 * FONT_SIZE)
        if header:
            _text(pdf, page, header.format(page=number), MARGIN, y)
            y -= 2 * LEADING
        for line in lines[start:start + lines_per_page]:
            if line:
                _text(pdf, page, line, MARGIN, y)
            y -= LEADING
        if footer:
            _text(pdf, page, footer.format(page=number), MARGIN, MARGIN / 2)
        raw.FPDFPage_GenerateContent(page.raw)
    out = _Sink()
    pdf.save(out)
    return out.getvalue()


class _Sink:
    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)
