"""PDF text with pypdfium2 (2-3 ms a page here, against ~25 for pypdf and ~94 for pdfminer.six).

Running headers and footers ("Tweede Kamer, vergaderjaar 2019–2020, 35 207, nr. 34 16") are lines
that repeat at the top or bottom of most pages once digits are ignored: they are dropped.
"""

from __future__ import annotations

import re
from collections import Counter

from ..model import Document
from . import _text
from ._errors import ExtractError

_DIGITS = re.compile(r"\d+")
EDGE_LINES = 3


def _shape(line: str) -> str:
    return _DIGITS.sub("#", _text.clean(line)).lower()


def page_texts(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        message = str(e)
        if "password" in message.lower():
            raise ExtractError("the PDF is encrypted with a password") from None
        raise ExtractError(f"the PDF cannot be read ({message})") from None
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
    # pdfium joins a line that ends in a hyphen to the next one and marks the spot with U+FFFE, even when
    # the next line is the page footer: undo that, so the footer is a line of its own again.
    pages = [p.replace("\ufffe", "-\n").replace("\r\n", "\n").replace("\r", "\n").split("\n")
             for p in page_texts(data)]
    lines: list[str] = []
    dropped: list[str] = []
    for page in drop_running_lines(pages, dropped):
        lines += page + [""]  # a page break reads as a blank line: the text may go on after it
    return _text.document(lines, {"pages": len(pages)}, letterhead=dropped)
