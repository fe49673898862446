"""DOCX: the paragraphs of word/document.xml, read with a size cap so a zip bomb costs nothing.

A ministry's letter is made from the Rijkshuisstijl template: the letterhead and the sidebar (return
address, addressee, "Datum" and "Onderwerp", the sender's department, address and phone numbers, "Ons
kenmerk") are paragraphs in the template's own styles, in tables, text frames and the page headers.
They are kept apart as letterhead: never glued to the subject or the body, never part of the diff, still
read for matching and for the facts ("Datum 24 maart 2024").
"""

from __future__ import annotations

import io
import re
import zipfile

from ..model import Document
from . import _text, _xmlsafe
from ._errors import ExtractError

MAX_UNCOMPRESSED = 100 * 1024 * 1024
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

# The Rijkshuisstijl's styles for what is letterhead, lower-cased (the templates differ in case).
LETTERHEAD_STYLES = {
    "huisstijl-retouradres", "huisstijl-rubricering", "huisstijl-afzendgegevens", "huisstijl-referentiegegevens",
    "adres", "afzendgegevens", "afzendgegevens-bold", "afzendkopje", "referentiegegevens", "referentiekopjes",
    "clausule", "kixcode", "datumonderwerp",
}
# Captions of the sidebar and the date block, joined to the value that follows them: "Datum 24 maart 2024".
CAPTIONS = re.compile(r"^(?:Datum|Onderwerp|Ons kenmerk|Uw kenmerk|Uw brief(?: van)?|Onze referentie|Contactpersoon|"
                      r"Projectnaam|Bijlage\(n\)|Bijlagen?|Kopie aan|Rubricering|Inlichtingen)$", re.I)
_PAGE = re.compile(r"^Pagina \d+ van \d+$", re.I)


def read_member(data: bytes, member: str, missing_ok: bool = False) -> bytes | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo(member)
    except KeyError:
        if missing_ok:
            return None
        raise ExtractError(f"not a readable DOCX (no {member})") from None
    except zipfile.BadZipFile as e:
        raise ExtractError(f"not a readable DOCX ({e})") from None
    if info.file_size > MAX_UNCOMPRESSED:
        raise ExtractError(f"{member} would unpack to {info.file_size:,} bytes: refused as a zip bomb")
    with archive.open(info) as f:
        content = f.read(MAX_UNCOMPRESSED + 1)  # file_size can lie; the read cannot
    if len(content) > MAX_UNCOMPRESSED:
        raise ExtractError(f"{member} unpacks to more than {MAX_UNCOMPRESSED:,} bytes: refused as a zip bomb")
    return content


def _members(data: bytes, prefix: str) -> list[str]:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile as e:
        raise ExtractError(f"not a readable DOCX ({e})") from None
    return sorted(n for n in names if re.fullmatch(rf"word/{prefix}\d*\.xml", n))


def _style(p) -> str:
    style = p.find(f"{W}pPr/{W}pStyle")
    return (style.get(f"{W}val") or "").lower() if style is not None else ""


def _own_text(p) -> str:
    """The text of paragraph `p` itself: not of a text frame anchored in it (its paragraphs come on their
    own), nor of a frame's fallback copy for old readers (mc:Fallback repeats the frame)."""
    parts = []
    for node in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
        owner = next(a for a in node.iterancestors() if a.tag in (f"{W}p", f"{MC}Fallback"))
        if owner is p:
            parts.append(node.text or "" if node.tag == f"{W}t" else " ")
    return " ".join("".join(parts).split())


def _emphasized(p) -> bool:
    """Is every run of text in the paragraph bold or italic (a question set apart by its type)?"""
    runs = [r for r in p.iter(f"{W}r") if any((t.text or "").strip() for t in r.iter(f"{W}t"))]
    if not runs:
        return False
    for run in runs:
        props = run.find(f"{W}rPr")
        marks = [] if props is None else [props.find(f"{W}b"), props.find(f"{W}i")]
        if not any(m is not None and m.get(f"{W}val", "true").lower() not in ("0", "false", "off") for m in marks):
            return False
    return True


def _paragraphs(root):
    """(element, text, is letterhead) of each paragraph, in order. Letterhead: a paragraph in one of the
    template's letterhead styles or in a text frame, and an unstyled one in the same table cell as a
    letterhead paragraph (the addressee lines above the "adres" line)."""
    # Elements, not ids: lxml makes a new proxy each time, so an id may be reused by another element.
    styled_cells = {p.getparent() for p in root.iter(f"{W}p")
                    if _style(p) in LETTERHEAD_STYLES and p.getparent().tag == f"{W}tc"}
    for p in root.iter(f"{W}p"):
        ancestors = [a.tag for a in p.iterancestors()]
        if f"{MC}Fallback" in ancestors:
            continue
        style = _style(p)
        side = (style in LETTERHEAD_STYLES or f"{W}txbxContent" in ancestors
                or (not style and p.getparent() in styled_cells))
        yield p, _own_text(p), side


def _letterhead(texts: list[str]) -> list[str]:
    """Letterhead paragraphs with each caption joined to its value, page numbers dropped, repeats once."""
    out: list[str] = []
    caption = ""
    for text in texts:
        if not text or _PAGE.match(text) or (text.isdigit() and not caption):
            continue  # page numbers
        if CAPTIONS.match(text):
            if caption:
                out.append(caption)
            caption = text
            continue
        out.append(f"{caption} {text}" if caption else text)
        caption = ""
    if caption:
        out.append(caption)
    return list(dict.fromkeys(out))


def extract_docx(data: bytes) -> Document:
    root = _xmlsafe.parse(read_member(data, "word/document.xml"))
    body, side, apart = [], [], []
    for p, text, is_side in _paragraphs(root):
        (side if is_side else body).append(text)
        if text and not is_side and _emphasized(p):
            apart.append(text)
    # The page headers hold the letterhead of the first page (and "Datum" and "Pagina 2 van 3" of the
    # others): letterhead too, whatever their style.
    for member in _members(data, "header"):
        side += [text for _, text, _ in _paragraphs(_xmlsafe.parse(read_member(data, member)))]
    return _text.from_paragraphs([p for p in body if p], letterhead=_letterhead(side), set_apart=apart)
