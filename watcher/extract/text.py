"""Plain text and Markdown (the seeds are such renderings)."""

from __future__ import annotations

import re

from ..model import Document
from . import _text

_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
# Emphasis may run over a line break once the text is reflowed.
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.{1,400}?)(?<=\S)\1", re.S)
_MD_ITALIC = re.compile(r"(\*)(?=[^\s*])([^*]{1,300}?)(?<=[^\s*])\1", re.S)
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
    text = _MD_BOLD.sub(r"\2", text)
    text = _MD_ITALIC.sub(r"\2", text)
    return text.replace("\\_", "_").replace("\\*", "*")


def extract_text(data: bytes) -> Document:
    return _text.from_text(strip_markdown(decode(data)))
