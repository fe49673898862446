"""KOOP "officiele-publicatie" XML and other XML: paragraphs (al), titles, questions and answers, in order.

Kamervragen carry their structure: <vraag><nr>Vraag 1</nr><al>…</al></vraag>, <antwoord>…</antwoord>,
footnotes as <noot><noot.nr>1</noot.nr><noot.al>…</noot.al></noot> inside the text. The numbers become
labels, a footnote becomes a " [1]" marker in the text and a block of its own at the end.
"""

from __future__ import annotations

from ..model import Document
from . import _text, _xmlsafe

PARAGRAPHS = {"al", "p", "para", "tekst", "tekstregel"}
HEADINGS = {"titel", "kop", "tussenkop", "title", "kamervraagomschrijving", "stuknr", "datumtekst"}
SKIP = {"metadata", "meta", "kamerstukkop", "kamervraagkop"}
LABELLED = {"vraag": "Vraag", "antwoord": "Antwoord"}


def extract_xml(data: bytes) -> Document:
    root = _xmlsafe.parse(data)
    paras: list[str] = []
    notes: list[str] = []

    def text_of(node) -> str:
        parts = [node.text or ""]
        for child in node:
            name = _xmlsafe.local(child.tag)
            if name == "noot":
                nr = "".join(n.text or "" for n in child.iter() if _xmlsafe.local(n.tag) == "noot.nr").strip()
                body = " ".join("".join(n.itertext()) for n in child if _xmlsafe.local(n.tag) != "noot.nr")
                notes.append(f"[{nr or len(notes) + 1}] {' '.join(body.split())} ↩")
                parts.append(f" [{nr}]" if nr else "")
            else:
                parts.append(text_of(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def walk(node):
        name = _xmlsafe.local(node.tag)
        if name in SKIP:
            return
        if name in LABELLED:
            nr = next((" ".join("".join(n.itertext()).split()) for n in node if _xmlsafe.local(n.tag) == "nr"), "")
            if nr:
                paras.append(nr if not nr.isdigit() else f"{LABELLED[name]} {nr}")
            for child in node:
                if _xmlsafe.local(child.tag) != "nr":
                    walk(child)
            return
        if name in PARAGRAPHS or name in HEADINGS:
            text = " ".join(text_of(node).split())
            if text:
                paras.append(text)
            return
        for child in node:
            walk(child)

    walk(root)
    if not paras:
        text = " ".join("".join(root.itertext()).split())
        paras = [text] if text else []
    return _text.from_paragraphs(paras + notes)
