"""HTML with selectolax (Lexbor): the text of block elements, in order, without the page chrome."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from ..model import Document
from . import _text
from .text import decode

DROP = "script, style, noscript, nav, header, footer, form, button, svg, iframe"
# Page chrome that older sites mark by name or role only (tweedekamer.nl before 2020 had no <nav>).
CHROME = ", ".join(f"[{attr}*={word}]" for attr in ("class", "id") for word in
                   ("menu", "navigat", "breadcrumb", "cookie", "skiplink", "sitemap", "toolbar", "footer", "header")) + \
    ", [role=navigation], [role=banner], [role=contentinfo], [role=search]"
MENU_ITEMS = 3  # a list of at least this many items that are each a short link alone is a menu
MENU_WORDS = 4
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "blockquote", "dt", "dd",
          "caption", "figcaption", "address"}
_BLOCKS = ", ".join(sorted(BLOCKS))  # found by Lexbor, in the page's order: walking every node in Python cost more
# Where a page says its text is, the most precise first: the publication's own container on the pages of
# zoek.officielebekendmakingen.nl (the older ones wrap the whole page, chrome and text, in one ASP.NET form; a
# page's <main> may hold its breadcrumbs and contents beside it), then HTML5's elements.
CONTENT = ("#broodtekst", "main", "article")


def _menu(node) -> bool:
    """A list whose every item is one short link and nothing else: a menu, not text."""
    items = node.css("li")
    if len(items) < MENU_ITEMS:
        return False
    for item in items:
        text = item.text(separator=" ", strip=True)
        links = " ".join(a.text(separator=" ", strip=True) for a in item.css("a"))
        if not text or text != links or len(text.split()) > MENU_WORDS:
            return False
    return True


def _wraps_page(form, scope) -> bool:
    """A form that holds most of the page's text is the page (ASP.NET's WebForms wrap every page in one), not
    a search box or a login."""
    return 2 * len(form.text(strip=True)) > len(scope.text(strip=True))


def content(tree):
    """The element a page says its text is in, or None."""
    for selector in CONTENT:
        if (node := tree.css_first(selector)) is not None:
            return node
    return None


def _markup(data: bytes) -> bytes | str:
    """What Lexbor is given: a page in UTF-8 (with a BOM or not) as its bytes (Lexbor reads UTF-8; a str handed
    to it is encoded again first, a tenth of the parse), any other page decoded (Windows-1252)."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return decode(data)


def extract_html(data: bytes) -> Document:
    tree = LexborHTMLParser(_markup(data))
    root = content(tree)
    for node in (root or tree).css(DROP):
        if node.tag == "form" and _wraps_page(node, root or tree.body or tree.root):
            continue
        node.decompose()
    if root is None:  # no element says where the content is: take away what looks like the site's
        for node in tree.css(CHROME):
            if node.tag not in ("html", "body"):
                node.decompose()
        for node in tree.css("ul, ol"):
            if _menu(node):
                node.decompose()
        root = tree.body or tree.root
    paras = []
    if root is None:
        return _text.from_paragraphs([])
    root_id = root.mem_id
    for node in root.css(_BLOCKS):
        # A block inside another block (p in li, p in td) is taken with its parent.
        parent, nested = node.parent, False
        # Lexbor gives a new node object at each step: the same node has the same mem_id (comparing nodes with
        # == compares their HTML).
        while parent is not None and parent.mem_id != root_id:
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
    return _text.from_paragraphs(paras, structured=True)
