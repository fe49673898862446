"""Diff and extraction speed on seed 003 (80 KB, 91 questions), and a 200-page text with one word in twenty
changed (CPU seconds: the diff's limit counts CPU), each against raw diff-match-patch on the same words.

Prints ms per diff of seed 003 against a copy with 5 edits (watcher's diff, and difflib's unified diff of
the same pair as the baseline in the same run), and extraction ms per page of a PDF rendering of it with
pypdfium2 (what watcher uses) and pypdf (the baseline).

    python bench/bench_diff.py
"""

import difflib
import io

from _common import median_ms, paired_cpu_ms, seed

from tests.pdfgen import render
from watcher.news.diff import diff
from watcher.extract import extract
from watcher.extract.pdf import page_texts

EDITS = [("tussen 2014 en 2016", "tussen 2014 en 2017"), ("Het kabinet is bekend met het onderzoek.",
         "Het kabinet kent het onderzoek niet."), ("403 pagina’s", "430 pagina’s"),
         ("Hoeveel Tibetaanse politieke gevangenen", "Hoeveel Oeigoerse politieke gevangenen"),
         ("Minister Blok", "Minister Hoekstra")]


def main() -> None:
    original = seed("003")
    edited = original
    for old, new in EDITS:
        assert old in edited, old
        edited = edited.replace(old, new, 1)
    a, b = extract(original.encode()), extract(edited.encode())
    result = diff(a, b)
    ours = median_ms(lambda: diff(a, b))
    baseline = median_ms(lambda: list(difflib.unified_diff(original.splitlines(), edited.splitlines(), lineterm="")))
    extract_ms = median_ms(lambda: extract(edited.encode()), repeat=5)
    print(f"seed 003: {len(original.encode()):,} bytes, {len(a.blocks)} blocks; {len(EDITS)} edits -> "
          f"{len(result.changes)} changes found: {', '.join(c.label for c in result.changes)}")
    ours_cpu, raw, ratio = paired_cpu_ms(lambda: diff(a, b), raw_word_diff(a, b), 41)
    print(f"diff (watcher, word-level dmp):  {ours_cpu:8.2f} ms CPU")
    print(f"raw diff-match-patch, same words:{raw:8.2f} ms CPU   ratio watcher/raw = {ratio:.2f} "
          f"(the median of 41 pairs run in turns; goal <= 2)")
    print(f"difflib.unified_diff (lines):    {baseline:8.2f} ms   ratio watcher/difflib = {ours / baseline:.2f}")
    print(f"extract text of seed 003:        {extract_ms:8.2f} ms")

    pdf = render([blk.text for blk in a.blocks], hyphenate=True)
    pages = len(page_texts(pdf))
    pdfium_ms = median_ms(lambda: page_texts(pdf), repeat=5) / pages
    whole_ms = median_ms(lambda: extract(pdf), repeat=5) / pages
    try:
        from pypdf import PdfReader

        pypdf_ms = median_ms(lambda: [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages], repeat=3) / pages
        versus = f"   ratio pypdfium2/pypdf = {pdfium_ms / pypdf_ms:.2f}"
        pypdf_line = f"pypdf text, per page:            {pypdf_ms:8.2f} ms"
    except ImportError:
        versus, pypdf_line = "", "pypdf not installed (pip install -e '.[test]'): no baseline"
    print(f"PDF rendering: {len(pdf):,} bytes, {pages} pages")
    print(f"pypdfium2 text, per page:        {pdfium_ms:8.2f} ms{versus}")
    print(pypdf_line)
    print(f"whole extraction, per page:      {whole_ms:8.2f} ms  (text, headers, paragraphs, labels, facts)")
    big_diff()


def raw_word_diff(a, b):
    """The floor: diff-match-patch on the two versions' words, each word one character (as watcher encodes
    them), the whole text at once; the words encoded beforehand, so only the diff is timed."""
    from diff_match_patch import diff_match_patch

    codes: dict[str, str] = {}

    def encode(doc):
        return "".join(codes.setdefault(w, chr(0x100 + len(codes))) for block in doc.body.blocks for w in block.text.split())
    engine = diff_match_patch()
    engine.Diff_Timeout = 0
    old, new = encode(a), encode(b)
    return lambda: engine.diff_main(old, new, False)


def big_diff(words: int = 100_000) -> None:
    """200 pages of 500 words, one word in twenty replaced: every paragraph has edits."""
    import random
    import time

    from diff_match_patch import diff_match_patch

    from watcher.model import Block, Document
    rng = random.Random(1)
    vocab = [f"w{i}" for i in range(3000)]
    a = [rng.choice(vocab) for _ in range(words)]
    b = [w if rng.random() > 0.05 else rng.choice(vocab) for w in a]

    def doc(ws):
        return Document(blocks=[Block(" ".join(ws[i:i + 100])) for i in range(0, len(ws), 100)])
    started = time.thread_time()
    result = diff(doc(a), doc(b))
    ours = time.thread_time() - started
    codes: dict[str, str] = {}

    def encode(ws):
        return "".join(codes.setdefault(w, chr(0x100 + len(codes))) for w in ws)
    engine = diff_match_patch()
    engine.Diff_Timeout = 0  # the floor: one word diff of the whole pair, however long it takes
    started = time.thread_time()
    engine.diff_main(encode(a), encode(b), False)
    raw = time.thread_time() - started
    print(f"200 pages ({words:,} words), 1 word in 20 changed: watcher {ours:.2f} s CPU, word diff "
          f"{'complete' if result.complete else 'FELL BACK to blocks'} ({len(result.changes)} changes; goal < 2 s); "
          f"raw diff-match-patch on the whole pair {raw:.2f} s CPU, ratio {ours / raw:.2f}")


if __name__ == "__main__":
    main()
