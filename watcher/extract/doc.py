"""Legacy Word .doc, best effort: the text runs stored as UTF-16 or cp1252 inside the binary.

No well-kept pure-Python reader exists; antiword/catdoc are not on every machine. Word 97-2003
keeps the main text contiguous in the WordDocument stream, so pulling the longest printable runs
gets the words (enough to match and diff), not the layout.
"""

from __future__ import annotations

import re

from ..model import Document
from . import _text
from ._errors import ExtractError

_UTF16_RUN = re.compile(rb"(?:[\x20-\x7e\xa0-\xff\r\n\t]\x00){20,}")
_CP1252_RUN = re.compile(rb"[\x20-\x7e\x80-\xff\r\n\t]{40,}")


def extract_doc(data: bytes) -> Document:
    runs = [m.group().decode("utf-16-le") for m in _UTF16_RUN.finditer(data)]
    if sum(map(len, runs)) < 40:
        runs = [m.group().decode("cp1252", errors="replace") for m in _CP1252_RUN.finditer(data)]
    text = "\n".join(runs).replace("\r", "\n").replace("\x07", "\n")
    lines = [l for l in text.split("\n") if not l.strip() or sum(c.isalpha() for c in l) > len(l) * 0.5]
    doc = _text.document(lines)
    if not doc.blocks:
        raise ExtractError("no text found in this legacy Word file")
    return doc
