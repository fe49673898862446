"""KOOP "officiele-publicatie" XML and other XML: paragraphs (al), titles, questions and answers, in order.

Kamervragen carry their structure: <vraag><nr>Vraag 1</nr><al>…</al></vraag>, <antwoord>…</antwoord>,
footnotes as <noot><noot.nr>1</noot.nr><noot.al>…</noot.al></noot> inside the text. The numbers become
labels, a footnote becomes a " [1]" marker in the text and a block of its own at the end.

Handelingen carry their speakers: <spreekbeurt><spreker>…</spreker><tekst>…</tekst></spreekbeurt>. Each
speaker ("Mevrouw Ellemeet (GroenLinks)", "Minister De Jonge") labels the speech that follows, so the
text says who speaks. Each <al> is a paragraph of its own (a motie's "constaterende dat …" stays apart).
"""

from __future__ import annotations

import re

from ..model import Document
from . import _text, _xmlsafe

PARAGRAPHS = {"al", "p", "para", "tekst", "tekstregel", "alineaitem"}  # alineaitem: a verslag's (VLOS)
HEADINGS = {"titel", "subtitel", "kop", "tussenkop", "title", "kamervraagomschrijving", "stuknr", "datumtekst"}
# Never text: metadata (read for its facts, the dossiers), and a list item's bullet or number ("•", "1.", "a."),
# which is layout.
SKIP = {"metadata", "meta", "li.nr"}
SIDE = {"kamerstukkop", "kamervraagkop", "dossiernummer"}  # the printed head (vergaderjaar, kamer, dossier):
# letterhead, matched but not diffed
LABELLED = {"vraag": "Vraag", "antwoord": "Antwoord"}
CONTAINED = {"al", "al-groep", "motie", "spreker", "lijst", "tussenkop", "alinea"}  # what makes a <tekst> a container


def repair_double_utf8(data: bytes) -> bytes:
    """A file whose UTF-8 was read as Windows-1252 and written as UTF-8 again ("cliÃ«nten"), repaired
    when the whole file decodes back: a file that is only partly so is left as it is."""
    if b"\xc3\x82" not in data and b"\xc3\x83" not in data:
        return data  # no "Â" or "Ã" at all (nearly every file): nothing to repair
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    if not re.search("[ÂÃ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152-\u0178]", text):
        return data
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8").encode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return data


_OPENED = re.compile(r"\(\s+")
_CLOSED = re.compile(r"\s+\)")
_COLON_END = re.compile(r"\s*:\s*$")


def _speaker(node) -> str:
    """<spreker> as it reads: "Mevrouw Ellemeet (GroenLinks)", "De voorzitter", "Minister De Jonge"."""
    # Its parts are elements (voorvoegsels, naam, politiek): KOOP writes them with no space between.
    text = " ".join(t for t in map(str.strip, node.itertext()) if t)
    text = _OPENED.sub("(", _CLOSED.sub(")", text))
    return _COLON_END.sub("", text).strip()


class _Survey:
    """One pass over a file's elements: each one's name, the elements that hold an element of CONTAINED
    somewhere below them, and the elements that state a dossier. (Asking an element its name costs a call;
    a walk that asked again at every turn took twice the time.)"""

    def __init__(self, root):
        self.names: dict = {}
        self.containers: set = set()
        self.stating: list = []
        for node in root.iter():
            name = self.names[node] = _xmlsafe.local(node.tag)
            if name in CONTAINED:
                for above in node.iterancestors():
                    if above in self.containers:
                        break  # and so is everything above it
                    self.containers.add(above)
            elif name == "dossiernummer" or (name == "meta" and node.get("name") == "OVERHEIDop.dossiernummer"):
                self.stating.append(node)


def dossiers(survey: _Survey) -> list[str]:
    """The dossiers a KOOP file states of itself: <dossiernummer><dossiernr>36 410</dossiernr>
    <begrotingshoofdstuk>XII</begrotingshoofdstuk></dossiernummer> is 36410-XII; in the full shape also
    <meta name="OVERHEIDop.dossiernummer" content="28325"/> (a begroting's chapter is not in it)."""
    found = []
    for node in survey.stating:
        if survey.names[node] == "dossiernummer":
            parts = {survey.names[c]: "".join(c.itertext()).strip() for c in node if isinstance(c.tag, str)}
            number = re.sub(r"\s+", "", parts.get("dossiernr", "") or (node.text or ""))
            chapter = re.sub(r"\s+", "", parts.get("begrotingshoofdstuk", ""))
            if re.fullmatch(r"\d{4,6}", number):
                found.append(f"{number}-{chapter}" if chapter else number)
        else:
            for number in re.split(r"[;,]\s*", node.get("content") or ""):
                if re.fullmatch(r"\d{4,6}(?:-[A-Z0-9]+)?", number.strip()):
                    found.append(number.strip())
    # "36410" from the metadata is the same dossier as "36410-XII" from the text: keep the fuller one.
    return [n for n in dict.fromkeys(found) if not any(o != n and o.startswith(n + "-") for o in found)]


def extract_xml(data: bytes) -> Document:
    root = _xmlsafe.parse(repair_double_utf8(data))
    paras: list[str] = []
    notes: list[str] = []
    side: list[str] = []

    survey = _Survey(root)
    names, containers = survey.names, survey.containers

    def text_of(node) -> str:
        if not len(node):
            return node.text or ""  # most paragraphs: their text, nothing inside
        parts = [node.text or ""]
        for child in node:
            name = names[child]
            if name == "noot":
                nr = "".join(n.text or "" for n in child.iter() if names[n] == "noot.nr").strip()
                body = " ".join("".join(n.itertext()) for n in child if names[n] != "noot.nr")
                notes.append(f"[{nr or len(notes) + 1}] {' '.join(body.split())} ↩")
                parts.append(f" [{nr}]" if nr else "")
            else:
                parts.append(text_of(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def walk(node):
        name = names[node]
        if name in SKIP:
            return
        if name in SIDE:
            side.extend(t for t in (" ".join(n.split()) for n in node.itertext()) if t)
            return
        if name == "spreker":
            who = _speaker(node)
            if who:
                paras.append(f"{who}:")  # a speaker line, as the printed Handelingen have it
            return
        if name in LABELLED:
            nr = next((" ".join("".join(n.itertext()).split()) for n in node if names[n] == "nr"), "")
            if nr:
                paras.append(nr if not nr.isdigit() else f"{LABELLED[name]} {nr}")
            for child in node:
                if names[child] != "nr":
                    walk(child)
            return
        # Read part by part, as any other element: a <tekst> of Handelingen that holds paragraphs, moties,
        # speakers (each their own; what it says itself between them, an <al> inside an <al>, stays in its
        # place), and a head of heads, <kop><titel>GEMEENTEBLAD</titel><subtitel>Officiële uitgave …</subtitel>
        # </kop> (each its own line: KOOP writes them with nothing between).
        apart = (name in PARAGRAPHS and node in containers) or \
            (name in HEADINGS and any(names[child] in HEADINGS for child in node))
        if not apart and (name in PARAGRAPHS or name in HEADINGS or not len(node)):
            text = " ".join(text_of(node).split())
            if text:
                paras.append(text)  # an element the schema's newer than us: its text is still text
            return
        # What stands between the elements of a container is a paragraph of its own, never lost. (Asked here,
        # not by a call: it is asked at every element, and is white space nearly always.)
        text = node.text
        if text and not text.isspace():
            paras.append(" ".join(text.split()))
        for child in node:
            walk(child)
            text = child.tail
            if text and not text.isspace():
                paras.append(" ".join(text.split()))

    walk(root)
    if not paras:
        text = " ".join("".join(root.itertext()).split())
        paras = [text] if text else []
    stated = dossiers(survey)
    return _text.from_paragraphs(paras + notes, {"dossiers": stated} if stated else None, letterhead=side,
                                 structured=True)
