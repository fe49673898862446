"""Plain text and Markdown (the seeds are such renderings)."""

from __future__ import annotations

import re

from ..model import Document
from . import _text

_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.M)
_SUP_AT_START = re.compile(r"^\s*<sup>(\d+)</sup>\s*", re.M)
_SUP = re.compile(r"\s*<sup>(\d+)</sup>")


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def strip_markdown(text: str) -> str:
    text = _MD_RULE.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = _SUP_AT_START.sub(r"[\1] ", text)  # a footnote at the foot of a page
    text = _SUP.sub(r" [\1]", text)  # its marker in the text
    text = _MD_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return text.replace("\\_", "_").replace("\\*", "*")


def extract_text(data: bytes) -> Document:
    return _text.from_text(strip_markdown(decode(data)))
