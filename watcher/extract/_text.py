"""Normalisation shared by every format: what makes two renderings of the same text compare equal."""

from __future__ import annotations

import re
import unicodedata

from ..model import Block, Document

# Characters that render as nothing or as a plain space.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000\t\r\f\v"), " ")
_WS = re.compile(r"[ ]{2,}")
# "cybersurveillance-" + "technologie": a word broken over a line. "Noord-" + "Holland" is a real
# hyphen (capital after it) and stays.
_BROKEN = re.compile(r"(\w)-$")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_SPACES)
    return _WS.sub(" ", text).strip()


def join_lines(lines: list[str]) -> str:
    out = ""
    for raw in lines:
        line = clean(raw)
        if not line:
            continue
        if not out:
            out = line
        elif _BROKEN.search(out) and line[:1].islower():
            out = out[:-1] + line
        else:
            out += " " + line
    return out


def paragraphs(text: str) -> list[str]:
    """Split plain text on blank lines and reflow each paragraph into one line."""
    out, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            out.append(join_lines(current))
            current = []
    if current:
        out.append(join_lines(current))
    return [p for p in out if p]


def document(paras: list[str], kinds: list[str] | None = None, metadata: dict | None = None) -> Document:
    blocks = []
    for i, para in enumerate(paras):
        text = clean(para)
        if text:
            blocks.append(Block(text=text, kind=(kinds[i] if kinds else "paragraph")))
    return Document(blocks=blocks, metadata=metadata or {})
