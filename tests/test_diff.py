"""Diffs: layout noise compares equal; an edit shows exactly itself, under the right label."""

import re
from pathlib import Path

import pytest
import yaml

from tests.pdfgen import render
from tests.variants import VARIANTS
from watcher.alerts.diffpage import render_page
from watcher.news.diff import diff
from watcher.extract import extract
from watcher.model import Block, Document

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "diff_variants.yaml").read_text())


def seed(number: str) -> str:
    [path] = SEEDS.glob(f"{number}_*.txt")
    return path.read_text()


def case_id(case):
    return f"{case['seed']}-{case.get('variant', 'as-is')}" + ("-edit" if "edit" in case else "")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_variants_of_the_seeds(case):
    original = seed(case["seed"])
    changed = original
    if "edit" in case:
        assert case["edit"]["old"] in changed
        changed = changed.replace(case["edit"]["old"], case["edit"]["new"], 1)
    if "variant" in case:
        changed = VARIANTS[case["variant"]](changed)
    old, new = extract(original.encode()), extract(changed.encode())
    result = diff(old, new)
    if case["expect"] == "unchanged":
        assert result.changes == [], result.summary()
        assert old.content_hash() == new.content_hash()
    else:
        got = [{"label": c.label, "old": c.old, "new": c.new} for c in result.changes]
        assert got == case["expect"]
        assert old.content_hash() != new.content_hash()


def test_a_pdf_rendering_with_footers_and_hyphens_equals_the_text_it_came_from():
    source = extract(seed("003").encode())
    paragraphs = [b.text for b in source.body.blocks]
    narrow = extract(render(paragraphs, width=70, lines_per_page=45, hyphenate=True))
    wide = extract(render(paragraphs, width=95, lines_per_page=60))
    assert narrow.metadata["pages"] != wide.metadata["pages"]
    assert diff(wide, narrow).changes == []
    assert narrow.content_hash() == wide.content_hash() == source.content_hash()
    assert "nr. 34" not in narrow.body.text  # no running footer left in what is diffed ...
    assert any("nr. 34" in b.text for b in narrow.blocks if b.kind == "letterhead")  # ... but one copy to match


def test_one_changed_number_in_a_pdf_is_found_with_its_label():
    paragraphs = [b.text for b in extract(seed("003").encode()).blocks]
    edited = [p.replace("tussen 2014 en 2016", "tussen 2014 en 2017") for p in paragraphs]
    result = diff(extract(render(paragraphs)), extract(render(edited, width=70, hyphenate=True)))
    assert [(c.label, c.old, c.new) for c in result.changes] == [("Vraag 9", "2016", "2017")]
    assert result.summary() == ["Vraag 9: …in Nood dat tussen 2014 en «2016» → «2017» alleen al in de provincie "
                                "Zhejiang…"]


def test_a_diff_that_runs_out_of_time_reports_whole_blocks_not_everything():
    old = Document([Block(f"alinea {i} " + "woord " * 200, label=f"Antwoord {i}") for i in range(40)])
    new = Document([Block(b.text.replace("woord", "term", 3) if i == 7 else b.text, label=b.label)
                    for i, b in enumerate(old.blocks)])
    result = diff(old, new, timeout=0.0000001)
    assert not result.complete
    assert [c.label for c in result.changes] == ["Antwoord 7", "Antwoord 7"]  # the old block out, the new in


def test_the_html_page_is_self_contained_and_readable_without_colour():
    old = extract(seed("000").encode())
    new = extract(seed("000").replace("op 14\u00a0juni namens 47", "op 15\u00a0juni namens 48").encode())
    page = render_page(diff(old, new), new, title="2022D27850 <versie 3>")
    assert page.startswith("<!doctype html>")
    assert "2022D27850 &lt;versie 3&gt;" in page
    assert "<del>[−14]</del> <ins>[+15]</ins> juni namens <del>[−47]</del> <ins>[+48]</ins>" in page
    assert ('<li><a href="#w' in page and
            "Antwoord 3: …mensenrechtensituatie in China die Nederland op «14 juni namens 47» → «15 juni namens 48»" in page)
    assert "http" not in page.split("<body>")[0]  # no external stylesheet or script
    assert "<script" not in page and "<link" not in page


def test_the_html_page_opens_on_a_phone_at_the_change_with_the_rest_folded():
    old = extract(seed("003").encode())
    new = extract(seed("003").replace("tussen 2014 en 2016", "tussen 2014 en 2017").encode())
    page = render_page(diff(old, new), new, title="2020D26116: Mensenrechten in China",
                       facts=["Schriftelijke vragen", "2020D26116", "versie 2 → 3", "17 juni 2020"])
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    head, body = page.split("<h2>De tekst</h2>")
    assert '<p class="meta">Schriftelijke vragen · 2020D26116 · versie 2 → 3 · 17 juni 2020</p>' in head
    # The list of changes comes first, each a link to the changed block below.
    [target] = re.findall(r'<li><a href="#(w\d+)">', head)
    assert f'id="{target}"' in body and "<ins>[+2017]</ins>" in body.split(f'id="{target}"', 1)[1].split("</p>")[0]
    # A few blocks of context; the unchanged rest folded away, all of it still there.
    shown = body.split("<details>")[0].count("<p") + sum(part.split("</details>")[1].count("<p")
                                                        for part in body.split("<details>")[1:])
    assert shown <= 1 + 2 * 1 + 2  # the change, its context, and a heading or two
    assert body.count("<details><summary>") >= 1 and "ongewijzigde alinea" in body
    assert body.count("<p") == sum(1 for b in new.body.blocks if b.text.split())  # nothing left out
    assert "<h3>Antwoord" in body or "<h3>Vraag" in body  # labels as headings


def test_watcher_diff_exit_codes(tmp_path, watcher_cli):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(seed("000"))
    b.write_text(VARIANTS["everything"](seed("000")))
    code, out, _ = watcher_cli("diff", a, b)
    assert (code, out.strip()) == (0, "geen inhoudelijke wijzigingen")
    b.write_text(seed("000").replace("drieslag", "vierslag"))
    code, out, _ = watcher_cli("diff", a, b, "--html", tmp_path / "d.html")
    assert code == 1 and out.startswith("Antwoord 9: ") and "«drieslag.» → «vierslag.»" in out
    assert "<ins>[+vierslag.]</ins>" in (tmp_path / "d.html").read_text()
    code, out, err = watcher_cli("diff", a, tmp_path / "missing.pdf")
    assert code == 2 and "missing.pdf" in err


def _many_edits(words: int, seed: int = 1):
    import random
    from watcher.model import Block, Document
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    a = [rng.choice(vocab) for _ in range(words)]
    b = [w if rng.random() > 0.05 else rng.choice(vocab) for w in a]  # one word in twenty

    def doc(ws):
        return Document(blocks=[Block(" ".join(ws[i:i + 100])) for i in range(0, len(ws), 100)])
    return doc(a), doc(b)


def test_the_diffs_time_limit_counts_its_own_cpu_not_a_busy_machines_wall_clock(monkeypatch):
    # A busy machine: three competing threads take the interpreter most of the time, and every clock but the
    # thread's own CPU runs ten thousand times as fast (injected: the threads alone slowed the wall clock four to
    # fourteen times, too unevenly to tell a limit read from it). With a limit of four times its CPU alone (the
    # competitors made that CPU up to 1.6x here, and more once in a full run), the diff completes with the same
    # changes; a limit read from the wall clock or the process's CPU runs out, and diff-match-patch's own
    # deadline, read from `time.time()` unless watcher gives it the thread's CPU, cuts its diffs short.
    import threading
    import time
    from watcher.news.diff import diff
    old, new = _many_edits(20_000)
    started = time.thread_time()
    alone = diff(old, new)
    assert alone.complete
    cpu = time.thread_time() - started
    done = threading.Event()

    def busy():
        while not done.is_set():
            sum(range(10_000))

    def fast(clock):
        start = clock()
        return lambda: start + (clock() - start) * 10_000

    competitors = [threading.Thread(target=busy) for _ in range(3)]
    for competitor in competitors:
        competitor.start()
    try:
        wall = time.perf_counter()
        for name in ("time", "perf_counter", "monotonic", "process_time"):
            monkeypatch.setattr(time, name, fast(getattr(time, name)))
        result = diff(old, new, timeout=cpu * 4 + 0.05)
        monkeypatch.undo()
        wall = time.perf_counter() - wall
    finally:
        monkeypatch.undo()
        done.set()
        for competitor in competitors:
            competitor.join()
    assert result.complete, f"fell back to whole blocks (cpu {cpu:.2f}s, wall {wall:.2f}s)"
    assert result.changes == alone.changes  # not a coarser diff either


def test_a_diff_over_its_cpu_limit_falls_back_to_whole_blocks():
    from watcher.news.diff import diff
    old, new = _many_edits(20_000)
    result = diff(old, new, timeout=0.001)
    assert not result.complete and result.changes  # which blocks changed, still told


HYPHENS = yaml.safe_load((Path(__file__).parent / "cases" / "line_end_hyphens.yaml").read_text())


@pytest.mark.parametrize("case", HYPHENS, ids=[c["name"] for c in HYPHENS])
def test_a_hyphen_at_a_line_end_goes_only_when_it_broke_a_word(case):
    from watcher.extract._text import paragraphs
    assert paragraphs(case["lines"]) == [case["paragraph"]]


def test_a_sentence_taken_from_the_end_of_an_answer_is_marked_in_that_answer_on_the_page():
    original = seed("000")
    cut = " Recente berichtgeving3 over Chinese demonstranten waarvan de gezondheidsapp op rood werd gezet wijst erop dat misbruik in de praktijk voorkomt."
    old, new = extract(original.encode()), extract(original.replace(cut, "").encode())
    result = diff(old, new)
    [change] = result.changes
    page = render_page(result, new)
    answer, question = page.index(">Ja, die risico’s zijn er zeker."), page.index(">Vraag 3<")
    assert answer < page.index("<del>[−Recente berichtgeving") < question
    [anchor] = re.findall(r'<p class="changed" id="(w\d+)">', page)
    assert f'<a href="#{anchor}">' in page and page.index(f'id="{anchor}"') < question  # the list links to it
    assert change.summary().startswith("Antwoord 2: …")


def _segments_of(rng, shape):
    """Segments as diff() hands them to the word comparison: runs of equal words, and changed runs between."""
    vocab = [f"w{i}" for i in range(shape["vocab"])]
    segments = []
    for kind in shape["runs"]:
        if isinstance(kind, list):  # equal words given as they are: a run that repeats the edit before it
            segments.append((list(kind), list(kind)))
        elif kind == "then 0":  # a changed run whose last word, a 0, was put in
            old = [rng.choice(vocab) for _ in range(rng.randint(*shape["changed"]))]
            segments.append((old, old + ["0"]))
        elif kind == "equal":
            words = [rng.choice(vocab) for _ in range(rng.randint(*shape["equal"]))]
            segments.append((words, list(words)))
        else:
            old = [rng.choice(vocab) for _ in range(rng.randint(*shape["changed"]))]
            new = [w if rng.random() > shape["edits"] else rng.choice(vocab) for w in old]
            new[rng.randrange(len(new)):rng.randrange(len(new))] = [rng.choice(vocab)
                                                                    for _ in range(rng.randint(0, 3))]
            segments.append((old, new if new != old else new + ["extra"]))
    return segments


SHAPES = {
    # a document that changed in a few places: long equal runs, the case the short hand-over is for
    "few edits": {"vocab": 400, "equal": (150, 900), "changed": (20, 120), "edits": 0.03,
                  "runs": ["equal", "changed", "equal", "changed", "equal", "changed", "equal"]},
    # a small vocabulary: words repeat, so edits shift along equal runs as far as they repeat them
    "repetitive": {"vocab": 3, "equal": (100, 400), "changed": (5, 30), "edits": 0.2,
                   "runs": ["changed", "equal", "changed", "equal", "changed", "equal"]},
    # short equal runs between long rewrites: merged into the edits around them
    "rewrites": {"vocab": 50, "equal": (1, 40), "changed": (30, 90), "edits": 0.7,
                 "runs": ["changed", "equal", "changed", "equal", "changed", "equal", "equal", "changed"]},
    # long equal runs between heavy rewrites: the edits around a run grow as the short equalities between
    # them are merged in, until the run itself may be
    "rewrites around runs": {"vocab": 20, "equal": (70, 200), "changed": (100, 250), "edits": 0.6,
                             "runs": ["changed", "equal", "changed", "equal", "changed"]},
    # an inserted word, and a run after it that repeats that word hundreds of times (a table of zeros)
    "a run of zeros": {"vocab": 30, "equal": (200, 400), "changed": (10, 20), "edits": 0.1,
                       "runs": ["equal", "then 0", ["0"] * 300 + ["w1"] * 100, "changed", "equal"]},
}


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_equal_runs_handed_over_short_give_the_ops_of_the_whole_words(shape):
    # The comparison hands a long run of equal words to diff-match-patch as its ends around a filler; the
    # semantic clean-up must come out exactly as it does on every word (the edits' characters, the equalities'
    # lengths), whatever shifts along or merges into the runs.
    import random
    import time

    from diff_match_patch import diff_match_patch
    from watcher.news.diff import FILLER, _word_ops

    rng, short = random.Random(36), 0
    for _ in range(60):
        segments = _segments_of(rng, SHAPES[shape])
        whole = _word_ops(diff_match_patch(), segments, 60.0, time.thread_time(), elide=False)
        handed = _word_ops(diff_match_patch(), segments, 60.0, time.thread_time())
        assert [(op, text if op else len(text)) for op, text in handed] == \
               [(op, text if op else len(text)) for op, text in whole]
        short += any(FILLER in text for op, text in handed)
    assert short > 0 or shape.startswith("rewrites"), "no run was handed over short: the case tests nothing"


def test_more_distinct_words_than_letters_are_coded_from_every_character(monkeypatch):
    # Past the 104,000 letters the words are coded from every character there is, whole (nothing handed over
    # short): the same changes as with letters enough. Here the letters are cut to 40 to get there.
    from watcher.news import diff as module

    words = [f"woord{i}" for i in range(300)]
    old = Document(blocks=[Block(" ".join(words[i:i + 30])) for i in range(0, 300, 30)])
    new = Document(blocks=[Block(" ".join(words[i:i + 30]).replace("woord44", "nieuw").replace("woord250", ""))
                           for i in range(0, 300, 30)])
    enough = diff(old, new)
    letters = module._letters()
    module._characters.cache_clear()
    monkeypatch.setattr(module, "_letters", lambda: letters[:40])
    try:
        cut = diff(old, new)
    finally:
        module._characters.cache_clear()
    assert [c.summary() for c in cut.changes] == [c.summary() for c in enough.changes] and len(cut.changes) == 2
    assert [(op, len(a), len(b)) for op, a, b in cut.ops] == [(op, len(a), len(b)) for op, a, b in enough.ops]


def test_more_distinct_words_than_characters_are_reported_as_whole_blocks(monkeypatch):
    # Past every character there is (a million distinct words; here cut to 40 and 60), the words cannot be
    # coded one a character: the changed blocks are reported whole, as when the time runs out, not a traceback.
    from watcher.news import diff as module

    words = [f"woord{i}" for i in range(300)]
    old = Document(blocks=[Block(" ".join(words[i:i + 30])) for i in range(0, 300, 30)])
    new = Document(blocks=[Block(" ".join(words[i:i + 30]).replace("woord44", "nieuw")) for i in range(0, 300, 30)])
    letters = module._letters()
    monkeypatch.setattr(module, "_letters", lambda: letters[:40])
    monkeypatch.setattr(module, "_characters", lambda: letters[:60])
    result = diff(old, new)
    assert not result.complete and [c.label for c in result.changes] == ["alinea 2", "alinea 2"]
