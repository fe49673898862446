"""Extraction: a file's bytes -> Document (clean text as ordered blocks, plus what the text states).

One module per format; each returns paragraphs of raw text, and `_text.py` turns those into
normalised blocks, so every format is cleaned the same way.
"""

from __future__ import annotations

import asyncio

from ..model import Document
from ._detect import detect
from ._errors import ExtractError

MAX_BYTES = 50 * 1024 * 1024


def extract(data: bytes, content_type: str = "", name: str = "") -> Document:
    """Clean text and blocks of one file. Raises ExtractError with a message fit for a log line."""
    if len(data) > MAX_BYTES:
        raise ExtractError(f"file of {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")
    fmt = detect(data, content_type, name)
    if fmt == "pdf":
        from .pdf import extract_pdf as run
    elif fmt == "docx":
        from .docx import extract_docx as run
    elif fmt == "doc":
        from .doc import extract_doc as run
    elif fmt == "rtf":
        from .rtf import extract_rtf as run
    elif fmt == "html":
        from .html import extract_html as run
    elif fmt == "xml":
        from .xml import extract_xml as run
    elif fmt == "text":
        from .text import extract_text as run
    else:
        raise ExtractError(f"cannot extract text from {content_type or name or 'this file'} ({fmt})")
    doc = run(data)
    doc.metadata.setdefault("format", fmt)
    return doc


class Extractor:
    """Runs extraction off the event loop, so a slow PDF never stalls the bot or other downloads."""

    async def __call__(self, data: bytes, content_type: str = "", name: str = "") -> Document:
        return await asyncio.to_thread(extract, data, content_type, name)


__all__ = ["ExtractError", "Extractor", "extract"]
