"""KOOP "officiele-publicatie" XML and other XML: paragraphs (al), titles and headings, in order."""

from __future__ import annotations

from ..model import Document
from . import _text, _xmlsafe

PARAGRAPHS = {"al", "p", "para", "tekst"}
HEADINGS = {"titel", "kop", "tussenkop", "title"}
SKIP = {"metadata", "meta"}


def extract_xml(data: bytes) -> Document:
    root = _xmlsafe.parse(data)
    paras, kinds = [], []

    def walk(node):
        name = _xmlsafe.local(node.tag)
        if name in SKIP:
            return
        if name in PARAGRAPHS or name in HEADINGS:
            text = " ".join("".join(node.itertext()).split())
            if text:
                paras.append(text)
                kinds.append("heading" if name in HEADINGS else "paragraph")
            return
        for child in node:
            walk(child)

    walk(root)
    if not paras:
        text = " ".join("".join(root.itertext()).split())
        paras, kinds = ([text], ["paragraph"]) if text else ([], [])
    return _text.document(paras, kinds)
