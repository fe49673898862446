"""Nothing is silently dropped: every word of a file's text is in what extraction gives (the text, its
footnotes, its letterhead, its facts), or left out by a rule with a name. The rules, each a constant of the
module that applies it: a KOOP file's <metadata> (read for its facts), a web page's chrome (html.DROP,
html.CHROME, a menu of links), a DOCX's field codes (not text: "PAGE", "DOCPROPERTY") and page numbers
("Pagina 1 van 2"), markup in a text file.

Words are compared as letters only: a word broken over a line and joined again ("opgeno-" + "men") is still
found, and a footnote marker's digits count for nothing."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from watcher.extract import _xmlsafe, extract, html
from watcher.extract.pdf import page_texts
from watcher.extract.text import decode
from watcher.extract.xml import SKIP, repair_double_utf8

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted([*FIXTURES.glob("realdocs*/*.pdf"), *FIXTURES.glob("realdocs*/*.xml"), *FIXTURES.glob("realdocs*/*.docx"),
                *FIXTURES.glob("seeds/*.txt"), *FIXTURES.glob("ob/real_op_xml_*.xml"),
                *FIXTURES.glob("ob/real_repo_html_*.html")])
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _xml_words(data: bytes) -> str:
    root = _xmlsafe.parse(repair_double_utf8(data))
    for node in list(root.iter()):
        if _xmlsafe.local(node.tag) in SKIP and node.getparent() is not None:
            node.getparent().remove(node)  # rule: metadata
    return " ".join(root.itertext())


def _docx_words(data: bytes) -> str:
    archive = zipfile.ZipFile(io.BytesIO(data))
    parts = [n for n in archive.namelist() if re.fullmatch(r"word/(document|header\d*)\.xml", n)]
    # rule: field codes (w:instrText) are instructions, not text; only w:t is.
    text = " ".join(t.text or "" for n in parts for t in _xmlsafe.parse(archive.read(n)).iter(f"{W}t"))
    return re.sub(r"\bPagina\s*(?:\d+\s*)?van\b", " ", text, flags=re.I)  # rule: page numbers (docx._PAGE)


def _html_words(data: bytes) -> str:
    tree = LexborHTMLParser(decode(data))
    root = html.content(tree)  # rule: around the element a page says its text is in (html.CONTENT), chrome
    scope = root or tree.body or tree.root
    for node in scope.css(html.DROP + ", head"):
        if node.tag != "form" or not html._wraps_page(node, scope):  # rule: a form that is not the page
            node.decompose()
    if root is None:  # rule: chrome
        for node in tree.css(html.CHROME):
            if node.tag not in ("html", "body"):
                node.decompose()
        for node in tree.css("ul, ol"):
            if html._menu(node):
                node.decompose()
    return scope.text(separator=" ")


def source_words(path: Path) -> list[str]:
    data = path.read_bytes()
    text = {".pdf": lambda: "\n".join(page_texts(data)).replace("\ufffe", ""), ".xml": lambda: _xml_words(data),
            ".docx": lambda: _docx_words(data), ".html": lambda: _html_words(data),
            ".txt": lambda: re.sub(r"<[^>]{1,40}>", " ", decode(data))}[path.suffix]()  # rule: markup
    return list(dict.fromkeys(re.findall(r"[^\W\d_]{3,}", text.lower())))


def _letters(text: str) -> str:
    return re.sub(r"[\W\d_]", "", text.lower())


def extracted(doc) -> str:
    return _letters(" ".join(b.text for b in doc.blocks) + " " + repr(doc.metadata))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_every_word_of_a_real_file_is_in_what_extraction_gives(path):
    doc = extract(path.read_bytes(), name=path.name)
    stream = extracted(doc)
    missing = [w for w in source_words(path) if _letters(w) not in stream]
    assert missing == [], missing[:20]


# ------------------------------------------------------------------ generated XML


def _nested(rng: random.Random, depth: int, words) -> str:
    """KOOP-shaped XML with elements in places the schema does not promise: a paragraph inside a footnote
    inside a paragraph, a list inside a paragraph, an element no version of the schema has."""
    out = [next(words)]
    for _ in range(rng.randint(0, 3) if depth < 4 else 0):
        kind = rng.choice(["al", "noot", "lijst", "onbekend", "nadruk", "al-groep"])
        if kind == "noot":
            inner = _nested(rng, depth + 1, words)
            child = f"<noot><noot.nr>{rng.randint(1, 9)}</noot.nr><noot.al>{inner}</noot.al></noot>"
        elif kind == "lijst":
            child = "<lijst>" + "".join(f"<li><al>{_nested(rng, depth + 1, words)}</al></li>"
                                        for _ in range(rng.randint(1, 3))) + "</lijst>"
        else:
            child = f"<{kind}>{_nested(rng, depth + 1, words)}</{kind}>"
        out += [child, next(words)]
    return " ".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_no_element_in_an_unexpected_place_swallows_the_text_around_it(seed):
    rng = random.Random(seed)
    counter = iter(f"woord{chr(97 + i // 26 % 26)}{chr(97 + i % 26)}x" for i in range(10_000))
    body = "".join(f"<al>{_nested(rng, 1, counter)}</al>" for _ in range(rng.randint(1, 4)))
    data = (f'<?xml version="1.0" encoding="UTF-8"?><officiele-publicatie><kamerstuk><stuk><titel>MOTIE</titel>'
            f"<algemeen><vrije-tekst><tekst>{body}</tekst></vrije-tekst></algemeen></stuk></kamerstuk>"
            f"</officiele-publicatie>").encode()
    doc = extract(data, name="generated.xml")
    written = re.findall(r"woord[a-z]{2}x", data.decode())
    found = re.findall(r"woord[a-z]{2}x", " ".join(b.text for b in doc.blocks))
    assert sorted(set(written) - set(found)) == []
    assert len(found) == len(written), "a word told twice"
