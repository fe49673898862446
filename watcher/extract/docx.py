"""DOCX: the paragraphs of word/document.xml, read with a size cap so a zip bomb costs nothing."""

from __future__ import annotations

import io
import zipfile

from ..model import Document
from . import _text, _xmlsafe
from ._errors import ExtractError

MAX_UNCOMPRESSED = 100 * 1024 * 1024
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_member(data: bytes, member: str) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo(member)
    except (zipfile.BadZipFile, KeyError) as e:
        raise ExtractError(f"not a readable DOCX ({e})") from None
    if info.file_size > MAX_UNCOMPRESSED:
        raise ExtractError(f"{member} would unpack to {info.file_size:,} bytes: refused as a zip bomb")
    with archive.open(info) as f:
        content = f.read(MAX_UNCOMPRESSED + 1)  # file_size can lie; the read cannot
    if len(content) > MAX_UNCOMPRESSED:
        raise ExtractError(f"{member} unpacks to more than {MAX_UNCOMPRESSED:,} bytes: refused as a zip bomb")
    return content


def extract_docx(data: bytes) -> Document:
    root = _xmlsafe.parse(read_member(data, "word/document.xml"))
    paras = []
    for p in root.iter(f"{W}p"):
        parts = []
        for node in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
            parts.append(node.text or "" if node.tag == f"{W}t" else " ")
        paras.append("".join(parts).strip())
    return _text.from_paragraphs(paras)
