"""Which format a file is in: magic bytes first (upstream content types are often wrong or
generic), then the content type, then the name."""

from __future__ import annotations

import io


def detect(data: bytes, content_type: str = "", name: str = "") -> str:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    ctype = (content_type or "").split(";")[0].strip().lower()
    name = (name or "").lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"PK\x03\x04"):
        import zipfile  # here: most files are no zip, and a run that reads none imports nothing for it

        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "unknown"
        if "word/document.xml" in names:
            return "docx"
        if "content.xml" in names:
            return "odt"
        return "zip"
    lowered = head[:300].lower()
    if b"<!doctype html" in lowered or b"<html" in lowered or ctype in ("text/html", "application/xhtml+xml"):
        return "html"
    if head.startswith(b"<?xml") or lowered.startswith(b"<") or ctype.endswith("xml") or name.endswith(".xml"):
        # A file with junk before "<?xml" (seen in KOOP copies) is still XML.
        return "xml" if b"<?xml" in data[:2048] or ctype.endswith("xml") or head.startswith(b"<") else "text"
    if _binary(data):
        return "unknown"  # random bytes, an image, an archive of another kind: not text, whatever the name says
    if ctype.startswith("text/") or name.endswith((".txt", ".md")) or not ctype:
        return "text"
    return "unknown"


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


def _binary(data: bytes) -> bool:
    """Bytes no text has: a NUL, or more than 2 % control characters in the first 4 KB (text in any
    encoding watcher reads has next to none; random bytes have one in eight)."""
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return bool(sample) and controls / len(sample) > 0.02
