"""RTF, best effort: the text with control words, hidden destinations and font tables dropped."""

from __future__ import annotations

import re

from ..model import Document
from . import _text
from ._errors import ExtractError

_TOKEN = re.compile(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|([^\\{}]+)", re.S)
# Groups whose text is not document text.
_SKIP = {b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"header", b"footer", b"headerl", b"headerr",
         b"footerl", b"footerr", b"listtable", b"listoverridetable", b"rsidtbl", b"generator", b"xmlnstbl"}
_BREAKS = {b"par": "\n\n", b"line": "\n", b"tab": " ", b"cell": " ", b"row": "\n\n", b"page": "\n\n"}


def extract_rtf(data: bytes) -> Document:
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ExtractError("not an RTF file")
    out: list[str] = []
    stack: list[bool] = []
    skipping = False
    pending_skip_check = False
    fallback = 0  # characters after \uN that stand in for it in old readers (\uc1: one)
    for word, arg, hexa, symbol, brace, text in (m.groups() for m in _TOKEN.finditer(data)):
        if brace == b"{":
            stack.append(skipping)
            pending_skip_check = True
            continue
        if brace == b"}":
            skipping = stack.pop() if stack else False
            continue
        first_in_group, pending_skip_check = pending_skip_check, False
        if symbol == b"*" and first_in_group:
            skipping = True  # {\*\destination ...}: ignorable
            continue
        if skipping:
            continue
        if word:
            if first_in_group and word in _SKIP:
                skipping = True
            elif word in _BREAKS:
                out.append(_BREAKS[word])
            elif word == b"u" and arg:
                out.append(chr(int(arg) % 65536))
                fallback = 1
        elif hexa and fallback:
            fallback = 0
        elif hexa:
            out.append(bytes([int(hexa, 16)]).decode("cp1252", errors="replace"))
        elif symbol in (b"\\", b"{", b"}"):
            out.append(symbol.decode())
        elif symbol == b"~":
            out.append("\u00a0")
        elif text:
            text = text.replace(b"\r", b"").replace(b"\n", b"")
            text, fallback = text[fallback:], 0
            out.append(text.decode("cp1252", errors="replace"))
    doc = _text.from_text("".join(out))
    if not doc.blocks:
        raise ExtractError("no text found in this RTF file")
    return doc
