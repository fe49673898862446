"""What changed between two versions of a document, block by block, labelled where the text has labels.

(The first cut: blocks aligned with difflib; issue #5 brings diff-match-patch inside blocks.)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .model import Document

CONTEXT = 60


@dataclass
class BlockChange:
    label: str  # "Antwoord 7", or "alinea 12" where the text has no labels
    old: str
    new: str

    def summary(self) -> str:
        if not self.old:
            return f"{self.label} toegevoegd: {_cut(self.new)}"
        if not self.new:
            return f"{self.label} verwijderd: {_cut(self.old)}"
        return f"{self.label} gewijzigd: {_first_edit(self.old, self.new)}"


def _first_edit(old: str, new: str, context: int = 6) -> str:
    """'…words before «old words» → «new words»…' for the first edit inside a block."""
    a, b = old.split(), new.split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            before = " ".join(b[max(0, j1 - context):j1])
            after = " ".join(b[j2:j2 + context])
            was, now = _cut(" ".join(a[i1:i2]), CONTEXT), _cut(" ".join(b[j1:j2]), CONTEXT)
            edit = f"«{was}» → «{now}»" if was and now else (f"«{now}» toegevoegd" if now else f"«{was}» weg")
            return f"{'…' if j1 > context else ''}{before} {edit} {after}{'…' if j2 + context < len(b) else ''}".strip()
    return _cut(new)


def _cut(text: str, size: int = 2 * CONTEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def diff(old: Document | None, new: Document | None) -> list[BlockChange]:
    old_blocks = old.blocks if old else []
    new_blocks = new.blocks if new else []
    matcher = difflib.SequenceMatcher(a=[b.text for b in old_blocks], b=[b.text for b in new_blocks],
                                      autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        for k in range(max(len(olds), len(news))):
            o = olds[k] if k < len(olds) else None
            n = news[k] if k < len(news) else None
            ref = n or o
            index = (j1 + k if n else i1 + k) + 1
            out.append(BlockChange(ref.label or f"alinea {index}", o.text if o else "", n.text if n else ""))
    return out


def changed_text(changes: list[BlockChange]) -> str:
    """The new side of every change, to tell whether a watchlist hit lies in what changed."""
    return "\n".join(c.new for c in changes if c.new)
