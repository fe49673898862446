"""Renderings of one text that differ only in layout (and one that differs in a word), for diff tests.

Each takes the text of a seed and returns another text. Named in tests/cases/diff_variants.yaml.
"""

from __future__ import annotations

import random

from tests.pdfgen import wrap

FOOTER = "Tweede Kamer, vergaderjaar 2019–2020, 35 207, nr. 34 {page}"


def _rewrap(text: str, width: int, hyphenate: bool) -> str:
    out = []
    for line in text.splitlines():
        # A Markdown footnote line ("<sup>2</sup> <https://...>") is markup, and a page footer is one line
        # on every page: neither is text another rendering would reflow.
        if len(line) > width and not line.lstrip().startswith("<sup>") and not line.startswith("Tweede Kamer, verg"):
            out += wrap(line.strip(), width, hyphenate)
        else:
            out.append(line)
    return "\n".join(out)


def reflow(text: str, width: int = 48) -> str:
    """Every long line broken at another width, as another PDF-to-text run would."""
    return _rewrap(text, width, hyphenate=False)


def rehyphenate(text: str, width: int = 44) -> str:
    """Lines broken at another width with long words split by a hyphen at the line end."""
    return _rewrap(text, width, hyphenate=True)


def page_headers(text: str, every: int = 23) -> str:
    """A running footer and page number between lines, wherever a page happens to end, even mid-sentence."""
    lines = reflow(text).splitlines()
    out = []
    for i, line in enumerate(lines, 1):
        out.append(line)
        if i % every == 0:
            out += ["", FOOTER.format(page=i // every), ""]
    return "\n".join(out)


def whitespace(text: str) -> str:
    """Spacing noise: double spaces, non-breaking spaces, tabs, trailing blanks, doubled blank lines."""
    rng = random.Random(7)
    out = []
    for line in text.splitlines():
        words = line.split(" ")
        line = "".join(w + rng.choice([" ", " ", "  ", "\u00a0", "\t"]) for w in words).rstrip(" \t\u00a0")
        out.append(line + rng.choice(["", " ", "  "]))
        if not line.strip() and rng.random() < 0.5:
            out.append("")
    return "\n".join(out)


def everything(text: str) -> str:
    """All layout noise at once."""
    return whitespace(page_headers(rehyphenate(text)))


VARIANTS = {f.__name__: f for f in (reflow, rehyphenate, page_headers, whitespace, everything)}
