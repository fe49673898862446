"""The diff page: a revision as a self-contained web page a subscriber opens from an alert (sent as an attachment),
the changes listed and marked in the text."""

from __future__ import annotations

import html
import re

from ..model import Document
from ..news.diff import DiffResult, block_label, home_block


CONTEXT = 1  # unchanged blocks shown around a change; the rest is folded
PAGE_STYLE = (
    "body{font:17px/1.55 Georgia,serif;max-width:44em;margin:0 auto;padding:.8em;color:#222;"
    "overflow-wrap:anywhere}"
    "h1{font:bold 1.15em sans-serif;margin:.2em 0}h2{font:bold 1em sans-serif;margin:1.2em 0 .4em}"
    "h3{font:bold .8em sans-serif;color:#555;text-transform:uppercase;margin:1em 0 .2em}"
    ".meta{font:.85em sans-serif;color:#555;margin:0 0 .8em}"
    "del{background:#fdd;color:#900;text-decoration:line-through}"
    "ins{background:#dfd;color:#060;text-decoration:underline;font-weight:bold}"
    "p.changed{border-left:4px solid #c60;padding-left:.6em}"
    "details{margin:.6em 0;color:#555}summary{font:.85em sans-serif;cursor:pointer}"
    "ol.changes{padding-left:1.4em}ol.changes li{margin:.3em 0}a{color:#0645ad}"
)


def render_page(result: DiffResult, new: Document | None, title: str = "", facts: list[str] | None = None) -> str:
    """A self-contained page a subscriber opens on a phone: what it is (`title`, and `facts` such as the
    soort, number, "versie 2 → 3" and the date), the list of changes, each a link to its place, then the
    changed blocks with a little context and the unchanged rest folded. The marks are text as well as
    colour ([−…] and [+…]), so they read on paper and for the colour-blind; no scripts."""
    new = new.body if new else None  # the blocks `result` was made from
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    parts = [
        "<!doctype html>", '<html lang="nl"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title or 'Wijzigingen')}</title>", f"<style>{PAGE_STYLE}</style></head><body>",
        f"<h1>{e(title or 'Wijzigingen')}</h1>",
    ]
    if facts:
        parts.append(f'<p class="meta">{" · ".join(e(f) for f in facts)}</p>')
    blocks = _inline_blocks(result, new) if result.ops and new is not None else []
    anchors = {}  # a change's label -> the first changed block that carries it
    for index, (_, changed) in enumerate(blocks):
        if changed:
            anchors.setdefault(block_label(new, index), f"w{index + 1}")
    if not result.changed:
        parts.append("<p>Geen inhoudelijke wijzigingen.</p>")
    else:
        parts.append(f"<h2>{len(result.changes)} wijziging{'en' if len(result.changes) != 1 else ''}</h2>"
                     '<ol class="changes">')
        for change in result.changes:
            text = e(change.summary())
            target = anchors.get(change.label)
            parts.append(f'<li><a href="#{target}">{text}</a></li>' if target else f"<li>{text}</li>")
        parts.append("</ol><h2>De tekst</h2>")
    parts += _page_body(blocks, new) if blocks else []
    parts.append("</body></html>")
    return "\n".join(parts)


def _page_body(blocks: list[tuple[str, bool]], new: Document) -> list[str]:
    """Changed blocks and CONTEXT blocks around each; every other run of unchanged blocks folded."""
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    shown = set()
    for index, (_, changed) in enumerate(blocks):
        if changed:
            shown.update(range(max(0, index - CONTEXT), min(len(blocks), index + CONTEXT + 1)))
    out, folded, last_label = [], [], None

    def fold():
        if folded:
            out.append(f"<details><summary>{len(folded)} ongewijzigde alinea{'s' if len(folded) != 1 else ''}"
                       f"</summary>{''.join(folded)}</details>")
            folded.clear()

    for index, (words, changed) in enumerate(blocks):
        if not words:
            continue
        block = new.blocks[index]
        label = block.label or ""
        heading = f"<h3>{e(label)}</h3>" if label and label != last_label and block.kind != "heading" else ""
        if index not in shown:
            folded.append(f"{heading}<p>{words}</p>")
            last_label = label or last_label
            continue
        fold()
        css = ' class="changed"' if changed else ""
        anchor = f' id="w{index + 1}"' if changed else ""
        out.append(f"{heading}<p{css}{anchor}>{words}</p>")
        last_label = label or last_label
    fold()
    return out


def _inline_blocks(result: DiffResult, new: Document) -> list[tuple[str, bool]]:
    """Per block of `new`: its words as HTML with the edits marked, and whether it changed."""
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    owner = result.new_owner
    paragraphs: dict[int, list[str]] = {}
    changed: set[int] = set()
    i = j = 0
    for op, old_words, new_words in result.ops:
        if op == 0:
            for word in new_words:
                paragraphs.setdefault(owner[j], []).append(e(word))
                j += 1
            i += len(old_words)
        elif op < 0:
            at = home_block(i, j, result.old_owner, owner)
            at = 0 if at is None else at
            paragraphs.setdefault(at, []).append(f"<del>[−{e(' '.join(old_words))}]</del>")
            changed.add(at)
            i += len(old_words)
        else:
            groups: dict[int, list[str]] = {}
            for word in new_words:
                groups.setdefault(owner[j], []).append(e(word))
                j += 1
            for at, words in groups.items():  # one mark per paragraph, so the HTML nests
                paragraphs.setdefault(at, []).append(f"<ins>[+{' '.join(words)}]</ins>")
                changed.add(at)
    return [(" ".join(paragraphs.get(index, [])), index in changed) for index in range(len(new.blocks))]


def page_path(document: str, old_hash: str, new_hash: str) -> str:
    """Where `watcher serve` serves the diff of two stored texts of a document (and `--write` puts it),
    relative to its address: the same for every subscriber, and not to be guessed (two content hashes)."""
    if not (old_hash and new_hash) or not re.fullmatch(r"[\w.-]{1,200}", document):
        return ""
    return f"diff/{document}/{old_hash}-{new_hash}.html"
