"""Parsing XML that may be hostile: no entity expansion, no DTDs, no network, bounded size."""

from __future__ import annotations

import functools
import re

from ._errors import ExtractError

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


def parse(data: bytes):
    """The root element (lxml's); lxml is imported here, where a file is read, not by every verb."""
    from lxml import etree

    start = data.find(b"<?xml")
    if start > 0:
        data = data[start:]  # junk or a mis-decoded BOM before the declaration (seen in KOOP copies)
    if data.find(b"<!", 0, 65536) >= 0 and _ENTITY_DECL.search(data[:65536]):  # most files declare nothing
        raise ExtractError("the XML declares entities (a billion-laughs or external-entity risk): refused")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True, recover=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise ExtractError(f"the XML is not well-formed ({e})") from None


def local(tag) -> str:
    return _local(tag) if isinstance(tag, str) else ""


@functools.lru_cache(maxsize=4096)  # a file names a few dozen elements, thousands of times each
def _local(tag: str) -> str:
    return tag.rpartition("}")[2].lower()  # lxml writes a tag as "{namespace}name", or "name"
