"""What changed between two versions of a document, and where ("Antwoord 7"), without layout noise.

Both versions are compared as streams of words: line breaks, paragraph splits, hyphenation and
whitespace are gone before the comparison starts (extraction joined broken words and dropped running
headers). Each word is encoded as one character, so diff-match-patch works on a string as long as the
word count (a few ms for an 80 KB document), with its semantic clean-up. An edit is reported under the
label of the block it falls in, with a little context.

If diff-match-patch runs out of time it returns a coarse diff; then we report which blocks differ,
compared whole, instead of a misleading "everything deleted, everything inserted".
"""

from __future__ import annotations

import array
import bisect
import functools
import importlib
import time
from itertools import chain
from dataclasses import dataclass, field

from diff_match_patch import diff_match_patch

from ..model import Document

CONTEXT_WORDS = 6
MERGE_GAP = 4  # edits this close together in one block read as one change
FRAGMENT = 120
TIMEOUT = 2.0  # seconds of CPU diff-match-patch may take before we fall back to whole blocks


class _ThreadCPU:
    """diff-match-patch reads its deadline from `time.time()`; given this instead, the limit counts this
    thread's CPU work, so a busy machine (other processes, other threads) does not change the result."""
    time = staticmethod(time.thread_time)


# The module, not the attribute: the package's __init__ imports the class under the module's own name, so
# `import diff_match_patch.diff_match_patch as m` gives the class, and setting `time` there changed nothing.
importlib.import_module("diff_match_patch.diff_match_patch").time = _ThreadCPU


@dataclass
class BlockChange:
    """One change in one block, with the words around it."""

    label: str  # "Antwoord 7", or "alinea 12" where the text has no labels
    old: str  # the words taken out ("" for an insertion)
    new: str  # the words put in ("" for a deletion)
    before: str = ""  # context
    after: str = ""

    def summary(self) -> str:
        if self.old and self.new:
            edit = f"«{_cut(self.old)}» → «{_cut(self.new)}»"
        elif self.new:
            edit = f"«{_cut(self.new)}» toegevoegd"
        else:
            edit = f"«{_cut(self.old)}» weg"
        before = f"…{self.before} " if self.before else ""
        after = f" {self.after}…" if self.after else ""
        return f"{self.label}: {before}{edit}{after}"


@dataclass
class DiffResult:
    """What changed between two versions: the changes to tell, and the ops to render the whole."""

    changes: list[BlockChange] = field(default_factory=list)
    complete: bool = True  # False: the time limit was hit and only whole blocks are reported
    ops: list = field(default_factory=list, repr=False)  # (op, old words, new words) for rendering
    new_owner: list[int] = field(default_factory=list, repr=False)
    old_owner: list[int] = field(default_factory=list, repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def summary(self, limit: int = 10) -> list[str]:
        lines = [c.summary() for c in self.changes[:limit]]
        if len(self.changes) > limit:
            lines.append(f"… en nog {len(self.changes) - limit} wijzigingen")
        return lines

    def changed_text(self) -> str:
        """The new side of every change with its context: to tell whether a watchlist hit lies in it."""
        return "\n".join(" ".join(x for x in (c.before, c.new, c.after) if x) for c in self.changes)


def _cut(text: str, size: int = FRAGMENT) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _words(blocks: list[list[str]]) -> tuple[list[str], list[int]]:
    """Every word of the blocks (each block's words), and the block each stands in."""
    words: list[str] = []
    owner: list[int] = []
    for index, parts in enumerate(blocks):
        words += parts
        owner += [index] * len(parts)
    return words, owner


def _split(text: str, words_of: dict[str, list[str]]) -> list[str]:
    words = words_of.get(text)
    if words is None:
        words = words_of[text] = text.split()
    return words


def _codes(items) -> dict:
    """A character for each distinct item, in the order they come: what diff-match-patch compares."""
    distinct = dict.fromkeys(items)
    return dict(zip(distinct, map(chr, range(0x100, 0x100 + len(distinct)))))


def block_label(doc: Document | None, index: int | None) -> str:
    if doc is None or index is None or not doc.blocks:
        return "tekst"
    index = min(max(index, 0), len(doc.blocks) - 1)
    return doc.blocks[index].label or f"alinea {index + 1}"


def diff(old: Document | None, new: Document | None, timeout: float = TIMEOUT) -> DiffResult:
    old, new = (old.body if old else None), (new.body if new else None)  # letterhead is never a change
    # A block's words are split once for both versions: most blocks did not change, and the same word objects on
    # both sides are hashed once and compared by identity (splitting and hashing were most of a diff's time).
    words_of: dict[str, list[str]] = {}
    split_a = [_split(block.text, words_of) for block in (old.blocks if old else [])]
    split_b = [_split(block.text, words_of) for block in (new.blocks if new else [])]
    a, a_owner = _words(split_a)
    b, b_owner = _words(split_b)
    if a == b:
        return DiffResult(new_owner=b_owner, ops=[(0, a, b)])
    engine = diff_match_patch()
    engine.Diff_Timeout = timeout
    started = time.thread_time()
    # Blocks first, then words within the blocks that changed: word by word over a whole 200-page text
    # costs tens of seconds when every paragraph has an edit; block by block it is a fraction of one.
    segments = [(a[slice(*_span(a_owner, a_range))], b[slice(*_span(b_owner, b_range))])
                for a_range, b_range in _segments(engine, split_a, split_b)]
    ops = _word_ops(engine, segments, timeout, started)
    if ops is None:
        return _by_block(old, new)

    result = DiffResult(new_owner=b_owner, old_owner=a_owner)
    i = j = 0
    pending: list[tuple[int, int, int, int]] = []  # (i1, i2, j1, j2) of one edit
    for op, chars in ops:
        n = len(chars)
        if op == 0:
            result.ops.append((0, a[i:i + n], b[j:j + n]))
            i, j = i + n, j + n
            continue
        if op < 0:
            result.ops.append((-1, a[i:i + n], []))
            _grow(pending, i, i + n, j, j)
            i += n
        else:
            result.ops.append((1, [], b[j:j + n]))
            _grow(pending, i, i, j, j + n)
            j += n
    result.changes = _describe(pending, a, b, a_owner, b_owner, old, new)
    return result


def _word_ops(engine, segments: list[tuple[list[str], list[str]]], timeout: float, started: float,
              elide: bool = True, letters: str = "") -> list[tuple[int, str]] | None:
    """The segments' words compared, one character a word, as diff-match-patch's ops after its semantic
    clean-up (only their lengths are read after); None when the time ran out, or the characters (past a
    million distinct words).

    The blocks that changed are compared first. A long run of equal blocks is then handed over as its first
    words and a filler after them, the same length: coding every word of a document that changed
    in five places was most of a diff's time. The clean-up reads an equality's middle only where an edit
    could reach it, and a run is kept whole where one could (`_elided`), so the ops are the ones the whole
    words give (tests/test_diff.py compares both)."""
    codes: dict[str, str] = {}
    letters = letters or _letters()

    def code(words) -> None:
        new = [w for w in dict.fromkeys(words) if w not in codes] if codes else dict.fromkeys(words)
        if len(codes) + len(new) > len(letters):
            raise _TooManyWords
        codes.update(zip(new, letters[len(codes):]))

    def encode(words: list[str]) -> str:
        return "".join(map(codes.__getitem__, words))

    compared: dict[int, list[tuple[int, str]]] = {}
    try:
        code(chain.from_iterable(a + b for a, b in segments if a != b))
        for i, (words_a, words_b) in enumerate(segments):
            if words_a != words_b:
                engine.Diff_Timeout = max(timeout - (time.thread_time() - started), 0.001)
                compared[i] = engine.diff_main(encode(words_a), encode(words_b), False)
                if time.thread_time() - started >= timeout:
                    return None
        keep = _elided(segments, compared) if elide else {}
        code(chain.from_iterable(a[:keep[i]] if i in keep else a for i, (a, b) in enumerate(segments) if a == b))
    except _TooManyWords:  # over 100,000 distinct words: every character there is, every word in full
        if len(letters) > len(_letters()):
            return None  # over a million: whole blocks, as when the time runs out
        return _word_ops(engine, segments, timeout, started, elide=False, letters=_characters())
    ops: list[tuple[int, str]] = []
    for i, (words_a, words_b) in enumerate(segments):
        if i in compared:
            _extend(ops, compared[i])
        elif i in keep:
            _extend(ops, [(0, encode(words_a[:keep[i]]) + FILLER * (len(words_a) - keep[i]))])
        elif words_a:
            _extend(ops, [(0, encode(words_a))])
    engine.Diff_Timeout = timeout
    engine.diff_cleanupSemantic(ops)
    return ops


def _extend(ops: list[tuple[int, str]], more: list[tuple[int, str]]) -> None:
    """`ops` and then `more`, an equality that meets another joined to it, as diff-match-patch has its ops:
    its semantic clean-up would take an equality between two others for an edit and shift it."""
    if ops and more and ops[-1][0] == 0 == more[0][0]:
        ops[-1] = (0, ops[-1][1] + more[0][1])
        more = more[1:]
    ops += more


class _TooManyWords(Exception):
    pass


# The characters words are coded as, all letters: diff-match-patch's semantic clean-up scores the characters at an
# edit's edges (a letter, a space, a line end), and with every word a letter, none is preferred for where in
# Unicode its code happens to lie. The CJK ideographs and Hangul syllables: 104,000 letters in a row, read once.
_LETTER_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFB), (0xAC00, 0xD7A3), (0x20000, 0x2A6DD), (0x2A700, 0x2B734),
                  (0x2B740, 0x2B81D), (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x30000, 0x3134A))
FILLER = "\u3007"  # a letter (the ideographic zero) outside those: the middle of an equality handed over short
MARGIN = 64  # a run of equal words is handed over short only when that leaves out more than this many


@functools.cache
def _letters() -> str:
    letters = "".join(_run(lo, hi + 1) for lo, hi in _LETTER_RANGES)
    # All letters since Unicode 13 (Python 3.10); the whole string is asked in one call, each only if not.
    return letters if letters.isalnum() else "".join(filter(str.isalnum, letters))


@functools.cache
def _characters() -> str:
    """The letters, then every character outside their ranges but the filler (a million): for a text of more
    distinct words than there are letters."""
    edges = [0x100, *chain.from_iterable((lo, hi + 1) for lo, hi in sorted(_LETTER_RANGES)), 0x110000]
    rest = "".join(_run(lo, hi) for lo, hi in zip(edges[::2], edges[1::2]))
    return _letters() + rest.replace(FILLER, "")


def _run(start: int, stop: int) -> str:
    """The characters from `start` up to `stop`, made in C (a chr() each costs 20 ms for the letters)."""
    return array.array("I", range(start, stop)).tobytes().decode("utf-32-le", "surrogatepass")


def _elided(segments: list[tuple[list[str], list[str]]], compared: dict[int, list[tuple[int, str]]]) -> dict[int, int]:
    """The runs of equal words that can be handed over short: index -> how many of its first words are kept.

    No edit the clean-up makes is longer than `bound` words (`_longest_edit`), so an equality longer than
    that is never merged into an edit or found inside one. What it reads of such an equality is where an
    edit before it can be shifted to: right, as far as the equality goes on repeating the edit (`_reach`),
    and it takes the furthest place (words are all letters to it: every place scores alike). Shifting an
    edit left into the end of the equality before it first changes nothing then: the edit comes back."""
    lengths = []
    for i, (a, b) in enumerate(segments):
        lengths += [(op, len(chars)) for op, chars in compared[i]] if i in compared else [(0, len(a))]
    bound = _longest_edit(lengths)
    keep = {}
    for i, (a, b) in enumerate(segments):
        if i not in compared and len(a) > bound + MARGIN:
            head = _reach(a, bound)
            if head + MARGIN < len(a):
                keep[i] = head
    return keep


def _longest_edit(ops: list[tuple[int, int]]) -> int:
    """The longest an insertion or deletion can grow in the semantic clean-up of ops of these lengths: it
    merges an equality into the edits beside it only when it is no longer than they are, so the edits
    between two equalities longer than the bound, with every equality between them, are at most the bound.
    Found from the longest edit up: each bound found keeps more equalities in, until one holds."""
    bound = max((n for op, n in ops if op), default=0)
    while True:
        longest = deleted = inserted = 0
        for op, n in ops:
            if op == 0 and n > bound:
                longest, deleted, inserted = max(longest, deleted, inserted), 0, 0
            else:
                deleted += n if op <= 0 else 0
                inserted += n if op >= 0 else 0
        longest = max(longest, deleted, inserted)
        if longest <= bound:
            return bound
        bound = longest


def _reach(words: list[str], bound: int) -> int:
    """How many of a run's first words the clean-up can read when an edit of at most `bound` words stands
    before it: it shifts the edit right while the run goes on repeating it (from its first word, at a period
    of at most `bound` words), so up to the first word where it stops, and that word."""
    reach, n = bound, len(words)
    first, period = words[0] if words else None, 0
    while True:
        try:
            period = words.index(first, period + 1, min(bound, n - 1) + 1)
        except ValueError:
            return reach + 1
        if words[period:bound + 1] == words[:bound + 1 - period]:  # it repeats past the bound: how far?
            t = min(bound + 1, n)
            while t < n and words[t] == words[t - period]:
                t += 1
            reach = max(reach, t)


def _segments(engine, old: list[list[str]], new: list[list[str]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Ranges of blocks (old, new; each a block's words) to compare word by word: runs of equal blocks, and
    between them the blocks that changed, paired one to one where both sides have as many, else compared as
    one run."""
    # A block is known by its words joined by one space: equal words, equal key, and a string's hash is kept
    # where a tuple's is worked out again at every look-up.
    joined: dict[int, str] = {}  # by the word list's id: a block that did not change is joined once
    old_blocks = [joined.get(id(words)) or joined.setdefault(id(words), " ".join(words)) for words in old]
    new_blocks = [joined.get(id(words)) or joined.setdefault(id(words), " ".join(words)) for words in new]
    codes = _codes(old_blocks + new_blocks)  # one character a block (by its words), equal blocks alike
    chars_a, chars_b = "".join(map(codes.__getitem__, old_blocks)), "".join(map(codes.__getitem__, new_blocks))
    saved, engine.Diff_Timeout = engine.Diff_Timeout, 0  # line mode: one char per block, quick on any input
    block_ops = engine.diff_main(chars_a, chars_b, False)
    engine.Diff_Timeout = saved
    out, i, j = [], 0, 0
    gone = added = 0  # the changed run being gathered
    for op, chars in block_ops + [(0, "")]:
        n = len(chars)
        if op == -1:
            gone += n
            continue
        if op == 1:
            added += n
            continue
        if gone or added:
            if gone == added:
                out += [((i + k, i + k + 1), (j + k, j + k + 1)) for k in range(gone)]
            else:
                out.append(((i, i + gone), (j, j + added)))
            i, j, gone, added = i + gone, j + added, 0, 0
        if n:
            out.append(((i, i + n), (j, j + n)))
            i, j = i + n, j + n
    return out


def _span(owner: list[int], blocks: tuple[int, int]) -> tuple[int, int]:
    """The word positions of a range of blocks (owner: the block of each word, in order)."""
    return bisect.bisect_left(owner, blocks[0]), bisect.bisect_left(owner, blocks[1])


def _grow(pending: list, i1: int, i2: int, j1: int, j2: int) -> None:
    """Add an edit, joining it to the previous one when they touch (a replacement is a delete+insert)."""
    if pending:
        pi1, pi2, pj1, pj2 = pending[-1]
        if i1 - pi2 <= 0 and j1 - pj2 <= 0:
            pending[-1] = (pi1, max(pi2, i2), pj1, max(pj2, j2))
            return
    pending.append((i1, i2, j1, j2))


def home_block(i: int, j: int, a_owner: list[int], b_owner: list[int]) -> int | None:
    """The block of the new text that words taken out at old word `i`, before new word `j`, belong to.
    Where they continued the old block before them (an answer's last sentence), that block's end, not the
    next block's start (the next question's label); where they began a block, the block they stand before."""
    if not b_owner:
        return None
    if j > 0 and (j >= len(b_owner) or (0 < i < len(a_owner) and a_owner[i] == a_owner[i - 1])):
        return b_owner[j - 1]
    return b_owner[j]


def _describe(edits, a, b, a_owner, b_owner, old, new) -> list[BlockChange]:
    merged: list[list[int]] = []
    for i1, i2, j1, j2 in edits:
        block = b_owner[j1] if j1 < len(b_owner) and j2 > j1 else home_block(i1, j1, a_owner, b_owner)
        if merged and merged[-1][4] == block and j1 - merged[-1][3] <= MERGE_GAP and i1 - merged[-1][1] <= MERGE_GAP:
            merged[-1][1], merged[-1][3] = i2, j2
        else:
            merged.append([i1, i2, j1, j2, block])
    changes = []
    for i1, i2, j1, j2, block in merged:
        label = block_label(new, block) if block is not None else block_label(old, a_owner[i1] if i1 < len(a_owner) else None)
        changes.append(BlockChange(
            label=label, old=" ".join(a[i1:i2]), new=" ".join(b[j1:j2]),
            before=" ".join(b[max(0, j1 - CONTEXT_WORDS):j1]), after=" ".join(b[j2:j2 + CONTEXT_WORDS])))
    return changes


def _by_block(old: Document | None, new: Document | None) -> DiffResult:
    """The fallback: which blocks differ, compared whole (line mode is fast on any input)."""
    old_blocks = [" ".join(bl.text.split()) for bl in (old.blocks if old else [])]
    new_blocks = [" ".join(bl.text.split()) for bl in (new.blocks if new else [])]
    engine = diff_match_patch()
    a, b, lines = engine.diff_linesToChars("\n".join(old_blocks) + "\n", "\n".join(new_blocks) + "\n")
    ops = engine.diff_main(a, b, False)
    result = DiffResult(complete=False)
    i = j = 0
    for op, chars in ops:
        n = len(chars)
        if op == 0:
            i, j = i + n, j + n
        elif op < 0:
            for k in range(i, i + n):
                result.changes.append(BlockChange(block_label(old, k), _cut(old_blocks[k]), ""))
            i += n
        else:
            for k in range(j, j + n):
                result.changes.append(BlockChange(block_label(new, k), "", _cut(new_blocks[k])))
            j += n
    return result
