"""HTML with selectolax (Lexbor): the text of block elements, in order, without the page chrome."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from ..model import Document
from . import _text
from .text import decode

DROP = "script, style, noscript, nav, header, footer, form, button, svg, iframe"
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "blockquote", "dt", "dd",
          "caption", "figcaption", "address"}


def extract_html(data: bytes) -> Document:
    tree = LexborHTMLParser(decode(data))
    for node in tree.css(DROP):
        node.decompose()
    root = tree.css_first("main") or tree.body or tree.root
    paras = []
    if root is None:
        return _text.from_paragraphs([])
    for node in root.traverse(include_text=False):
        if node.tag not in BLOCKS:
            continue
        # A block inside another block (p in li, p in td) is taken with its parent.
        parent, nested = node.parent, False
        while parent is not None and parent is not root:
            if parent.tag in BLOCKS:
                nested = True
                break
            parent = parent.parent
        if nested:
            continue
        text = node.text(separator=" ", strip=True) if node.tag != "pre" else node.text()
        if text.strip():
            paras.append(text)
    if not paras:  # a page of bare text in divs
        return _text.from_text(root.text(separator="\n"))
    return _text.from_paragraphs(paras)
