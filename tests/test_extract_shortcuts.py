"""The extraction's shortcuts give what its full patterns give (tests/cases/text_shortcuts.yaml): a cheap first
test may only rule out what the slow pattern would not have found, so no document reads differently for them.
(The real documents' cases show the same on whole files; these are the edges a real file may lack.)"""

import hashlib
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from watcher.extract import _facts
from watcher.extract._facts import askers, facts, iso_date
from watcher.model import Block, Document
from watcher.extract._text import (_BROKEN, _COMPOUND, _KEEP_HYPHEN_BACKWARDS, _LAST_WORD_BACKWARDS, _URL_END,
                                   _URL_TAIL, LABEL, SPEAKER, _bare, _broken, _compounds_in, _in_url, _is_label,
                                   _starts_block, clean, clean_fully)
from watcher.extract import _layout
from watcher.extract.pdf import _digit_runs, page_texts, read_pages

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "text_shortcuts.yaml").read_text())
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("line", CASES["block_starts"])
def test_a_line_that_begins_a_block_is_seen_to(line):
    assert _starts_block(line)


@pytest.mark.parametrize("line", CASES["not_block_starts"])
def test_a_line_that_only_looks_like_a_label_goes_on(line):
    assert not _starts_block(line)


@pytest.mark.parametrize("case", CASES["askers"], ids=lambda c: c["text"][:30])
def test_askers_are_found_whatever_letters_the_pattern_takes_for_i_and_s(case):
    assert [a["name"] for a in askers(case["text"])] == case["names"]


@pytest.mark.parametrize("line", CASES["block_starts"] + CASES["not_block_starts"])
def test_a_label_or_speaker_is_seen_whatever_letter_it_begins_with(line):
    line = clean(line)
    assert _is_label(line) == ((len(line) <= 60 and bool(LABEL.match(_bare(line)))) or bool(SPEAKER.match(line)))


def test_the_cleaning_of_plain_lines_is_the_full_cleaning():
    lines = list(CASES["clean"])
    for path in sorted(FIXTURES.glob("realdocs*/*.pdf")):
        lines += [line for text in page_texts(path.read_bytes()) for line in re.split("[\n\r\ufffe]", text)]
    for path in sorted(FIXTURES.glob("seeds/*.txt")):
        lines += path.read_text().splitlines()
    assert len(lines) > 2000
    assert [clean(line) for line in lines] == [clean_fully(line) for line in lines]


def test_a_paragraph_a_format_gives_is_one_clean_line_whether_it_was_one_already_or_not():
    from watcher.extract._text import from_paragraphs

    paras = CASES["given_paragraphs"]
    expected = [clean(" ".join(p.split())) for p in paras]
    assert [b.text for b in from_paragraphs(paras, structured=True).blocks] == expected
    assert expected[1] == "Aan het eind een spatie"


def test_every_white_space_but_the_space_is_unprintable():
    # from_paragraphs splits no paragraph that is printable and holds no double space and none at its ends: its
    # words could only be split where white space stands, and the only printable white space is the space.
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]


@pytest.mark.parametrize("case", CASES["labelled_paragraphs"], ids=lambda c: c["paras"][0])
def test_a_label_is_read_behind_its_bullets_and_marks(case):
    from watcher.extract._text import label

    assert [b.label for b in label(case["paras"])] == case["labels"]


def _clean_every_step(text: str) -> str:
    """clean_fully as first written: each step looked for on its own."""
    from watcher.extract import _text

    if _text._ANY_ACCENT.search(text):
        text = _text._SPACING_ACCENT.sub(_text._accent, _text._TREMA.sub("\\1\u0308", text))
    text = unicodedata.normalize("NFC", text)
    if _text._ODD.search(text):
        text = text.translate(_text._INVISIBLE).translate(_text._SPACES)
    return (_text._WS.sub(" ", text) if "  " in text else text).strip()


def test_the_full_cleaning_looks_for_marks_and_odd_spaces_in_one_scan_and_finds_each():
    lines = list(CASES["clean"]) + _fixture_texts()
    for path in sorted(FIXTURES.glob("realdocs*/*.pdf")):
        lines += [line for text in page_texts(path.read_bytes()) for line in re.split("[\n\r\ufffe]", text)]
    assert sum(not line.isascii() for line in lines) > 500
    for line in lines:
        assert clean_fully(line) == _clean_every_step(line), line


def test_no_character_becomes_an_odd_space_or_mark_in_nfc():
    # clean_fully looks for odd spaces and invisible marks before NFC only, where the line has no accent either:
    # NFC must make none of what was none. (A composition is a letter with a decomposition; these have none.)
    from watcher.extract._text import _ODD

    made = [c for c in map(chr, range(0x110000)) if not 0xD800 <= ord(c) < 0xE000 and not _ODD.search(c)
            and _ODD.search(unicodedata.normalize("NFC", c))]
    assert made == []


@pytest.mark.parametrize("case", CASES["dates"], ids=lambda c: c["text"])
def test_a_date_is_read_whatever_case_its_month_is_written_in(case):
    assert iso_date(case["text"]) == case["date"]


@pytest.mark.parametrize("case", CASES["document_dates"], ids=lambda c: " | ".join(c.get("texts", [c.get("text")])))
def test_a_document_dated_in_passing_has_that_date(case):
    assert facts([Block(text) for text in case.get("texts", [case.get("text")])]).get("datum", "") == case["date"]


@pytest.mark.parametrize("case", CASES["document_ministers"], ids=lambda c: c["text"][:40])
def test_who_answers_is_found_whatever_letters_the_patterns_take_for_i_and_s(case):
    assert facts([Block(case["text"])]).get("minister", "") == case["minister"]


@pytest.mark.parametrize("case", CASES["document_numbers"], ids=lambda c: c["text"][:30])
def test_a_document_number_is_found_where_the_text_states_it(case):
    assert facts([Block(case["text"])]).get("nummer", "") == case["number"]


def test_the_date_of_texts_read_as_one_is_that_of_the_first_that_has_one():
    # facts reads a head's date from its texts joined with "\x00": the same as asking each text in turn.
    def text_by_text(texts):
        return next((d for text in texts if (d := _facts.iso_date(text))), "")

    texts = _fixture_texts()
    groups = list(CASES["joined_dates"]) + [texts[start:start + 20] for start in range(0, len(texts), 7)]
    dated = 0
    for group in groups:
        assert _facts._first_date("\x00".join(group)) == text_by_text(group), group
        dated += bool(text_by_text(group))
    assert dated > 100


def _fixture_texts() -> list[str]:
    """Every block of every real document in the fixtures, and the cases' texts."""
    from watcher.extract import extract

    texts = list(CASES["found_where_they_begin"]) + [case["text"] for case in CASES["askers"]]
    for path in sorted(FIXTURES.glob("realdocs*/*")) + sorted(FIXTURES.glob("ob/real_*")):
        if path.suffix in (".pdf", ".xml", ".html", ".docx") and not path.name.startswith("vlos"):
            texts += [b.text for b in extract(path.read_bytes(), name=path.name).blocks]
    for path in sorted(FIXTURES.glob("seeds/*.txt")):
        texts += path.read_text().split("\n\n")
    return texts


def _spans(matches) -> list[tuple]:
    return [(m.start(), m.end(), m.groups()) for m in matches]


def test_a_pattern_tried_only_where_it_can_begin_finds_what_it_finds_everywhere():
    texts = _fixture_texts()
    assert len(texts) > 1000
    for text in texts:
        assert _spans(_facts._found_at(_facts._ASKERS, text, _facts._ASKERS_WORDS)) == \
            _spans(_facts._ASKERS.finditer(text)), text
        assert _spans(_facts._numbers(_facts._ZAAK, text, "Z")) == _spans(_facts._ZAAK.finditer(text)), text
        assert _spans(_facts._numbers(_facts._DOCUMENT, text, "D")) == _spans(_facts._DOCUMENT.finditer(text)), text
        assert _spans(_facts._numbers(_facts._ISO_DATE, text, "-")) == _spans(_facts._ISO_DATE.finditer(text)), text
        assert _spans(_facts._DUTCH_DATE.finditer(text)) == _spans(DUTCH_DATE.finditer(text)), text
        assert _facts._motion_ends(text) == bool(_facts._MOTION_END.search(text)), text


def test_the_texts_that_may_hold_a_word_are_each_texts_own_answer():
    # Asked of a document's texts at once: every text that _may_hold says may hold a word, in order, and no other
    # (but one that a space joins a word across: these words have no space). A letter _case_odd looks for in one
    # text makes every text one to search, as each on its own is.
    texts = _fixture_texts()
    words = [("minister", "staatssecretaris"), ("vragen", "motie", "amendement", "indiener"), tuple(_facts.MONTHS),
             ("-",), ("(ontvangen",), ("i",), ("k",)]
    found = 0
    for start in range(0, len(texts), 40):
        # (A lone surrogate, which no reader makes but a text could hold, is no error: it is only not a word.)
        for group in (texts[start:start + 40], texts[start:start + 40] + ["Mınister", "\u212aamer İndiener"],
                      ["Motie \ud800 van de minister"] + texts[start:start + 40]):
            holds = _facts._Holds(group)
            for each in words:
                slow = [t for t in group if _facts._may_hold(t, *each)]
                assert holds.which(*each) == slow, each
                found += len(slow)
    assert found > 1000


def test_a_pattern_tried_where_it_can_begin_never_finds_a_match_inside_the_one_before():
    # finditer goes on after a match: a start that stands inside it is passed by ("aa" in "aaaa" twice, not three
    # times). The askers' words cannot stand inside one of its matches, so only a pattern of its own shows it.
    pattern = re.compile(r"aa", re.I)
    for text in ("aaaa", "aaa aa", "AaAaA"):
        assert _spans(_facts._found_at(pattern, text, ("aa",))) == _spans(pattern.finditer(text)), text


def test_the_dossiers_a_text_states_are_found_whatever_it_begins_with():
    texts = _fixture_texts()
    slow = []
    for text in texts:  # the three patterns tried on every text, as before the first letter was looked at
        slow += [m.group("nr") for m in _facts._KAMERSTUK.finditer(text)]
        if m := _facts._STUK_HEAD.match(text):
            slow += _facts._DOSSIER_NR.findall(m.group("nrs"))
        if m := _facts._NUMBERED.match(text.strip()):
            slow.append(m.group("nr"))
    expected = list(dict.fromkeys(re.sub(r"\s+", "", n) for n in slow))
    assert len(expected) > 10
    assert _facts._dossiers(texts) == expected


def test_footnote_markers_are_made_where_the_patterns_with_a_look_behind_make_them():
    from watcher.extract import _text

    numbers = {str(n) for n in range(1, 31)}
    texts = list(CASES["footnote_markers"]) + _fixture_texts()
    made = 0
    for text in texts:
        slow = _text._AFTER_MARK.sub(_text._markers, text)
        assert _text._after_mark(text) == slow, text
        expected = _text._AFTER_WORD.sub(lambda m: f" [{m.group(1)}]" if m.group(1) in numbers else m.group(1), text)
        assert _text._after_word(text, numbers) == expected, text
        made += expected != text
    assert made > 20


@pytest.mark.parametrize("case", CASES["structured_paragraphs"], ids=lambda c: c["lines"][0])
def test_marked_paragraphs_stay_apart_but_for_a_footnote_that_stood_inside_one(case):
    from watcher.extract._text import paragraphs

    assert paragraphs(case["lines"], structured=True) == case["paragraphs"]


def test_who_answers_is_searched_for_only_where_it_can_begin_and_found_as_everywhere():
    texts = _fixture_texts() + list(CASES["who_answers"])
    found = 0
    for text in texts:
        for pattern, words in _facts._MINISTER:
            slow = pattern.search(text)
            assert _spans([m for m in [_facts._search_at(pattern, text, words)] if m]) == \
                _spans([slow] if slow else []), text
            found += slow is not None
        slow = _facts._ANSWERS_OF.search(text)
        assert _spans([m for m in [_facts._search_at(_facts._ANSWERS_OF, text, ("antwoord",))] if m]) == \
            _spans([slow] if slow else []), text
    assert found > 10


def test_only_short_texts_are_kept_lowered():
    """A long block's lowered copy is not held on to: a watcher runs for months."""
    _facts._lowered.cache_clear()
    before = _facts._lowered.cache_info().currsize
    long = "Vragen van het lid Ceder " * 1000
    assert _facts._lower(long) == long.lower()
    assert _facts._lowered.cache_info().currsize == before
    assert _facts._lower("Een kort stuk tekst dat nog niet gelezen is") == "een kort stuk tekst dat nog niet gelezen is"
    assert _facts._lowered.cache_info().currsize == before + 1


@pytest.mark.parametrize("texts", CASES["content_hash_blocks"])
def test_a_versions_hash_is_its_words_one_space_apart_whatever_white_space_its_blocks_hold(texts):
    doc = Document(blocks=[Block(t) for t in texts] + [Block("briefhoofd  met\tspaties", kind="letterhead")])
    words = " ".join(" ".join(texts).split())
    assert doc.content_hash() == hashlib.sha256(words.encode("utf-8")).hexdigest()


def test_a_versions_hash_stays_what_it_was_for_stored_texts_named_by_it():
    doc = Document(blocks=[Block("Vraag 1", kind="heading", label="Vraag 1"), Block("Kent u het  bericht?\n")])
    assert doc.content_hash() == "834ad9bfce2bbf6209dc8e706469ab02bdab3e5f16cea55b052288699423a3cc"


@pytest.mark.parametrize("end", CASES["line_ends"])
def test_how_a_paragraph_ends_is_what_the_patterns_say(end):
    assert clean(end) == end  # what a paragraph is made of
    assert _broken(end) == bool(_BROKEN.search(end))
    assert _in_url(end) == bool(_URL_TAIL.search(end) and _URL_END.search(end))


# A Dutch date as first written: the one that begins with a digit must find the same.
DUTCH_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(_facts.MONTHS) + r")\s+(\d{4})\b", re.I)

# The patterns as a line's end is written, forwards: what the backwards ones must find.
KEEP_HYPHEN = re.compile(r"(?:\b[A-Z]{2,}|\d)-$")
LAST_WORD = re.compile(r"[^\W\d_]+-$")


def test_a_lines_end_read_backwards_is_read_as_the_forward_patterns_read_it():
    ends = list(CASES["hyphen_ends"]) + [text[-79:] + "-" for text in _fixture_texts()]
    own = 0
    for end in ends:
        assert bool(_KEEP_HYPHEN_BACKWARDS.match(end[::-1])) == bool(KEEP_HYPHEN.search(end)), end
        backwards, forwards = _LAST_WORD_BACKWARDS.match(end[::-1]), LAST_WORD.search(end)
        assert (backwards.group(1)[::-1] + "-" if backwards else None) == (forwards and forwards.group(0)), end
        own += bool(KEEP_HYPHEN.search(end))
    assert own > 5


def test_the_compounds_of_a_line_are_found_around_its_hyphens_as_everywhere():
    lines = list(CASES["compound_lines"]) + _fixture_texts()
    found = 0
    for line in lines:
        assert _compounds_in(line) == _COMPOUND.findall(line), line
        found += len(_COMPOUND.findall(line))
    assert found > 20


def test_the_digits_of_a_line_are_the_runs_a_digits_pattern_finds():
    lines = list(CASES["digit_runs"])
    for path in sorted(FIXTURES.glob("realdocs*/*.pdf")):
        lines += [line for text in page_texts(path.read_bytes()) for line in re.split("[\n\r\ufffe]", text)]
    assert len(lines) > 2000
    for line in lines:
        assert [m.span() for m in _digit_runs(line)] == [m.span() for m in re.finditer(r"\d+", line)], line


def _body_size_line_by_line(pages) -> float:
    """The body size as first written: each line's size rounded, the characters summed by it."""
    from collections import Counter

    sizes: Counter = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def test_the_body_size_is_the_size_most_characters_are_set_in_rounded_as_line_by_line():
    # A tie goes to the size the document has first, whichever of its measured sizes rounds to it.
    tie = [_layout.Page([_layout.Line("abcde", 0, 0, 12.0), _layout.Line("abcde", 0, 0, 10.04),
                         _layout.Line("abcde", 0, 0, 9.96), _layout.Line("abcde", 0, 0, 11.96)], 800.0)]
    assert _layout.body_size(tie) == _body_size_line_by_line(tie) == 12.0
    measured = [read_pages(path.read_bytes())[1] for path in sorted(FIXTURES.glob("realdocs*/*.pdf"))]
    assert len(measured) > 5
    for pages in [p for p in measured if p] + [tie[:0]]:
        assert _layout.body_size(pages) == _body_size_line_by_line(pages)


@pytest.mark.parametrize("case", CASES["wrapped_numbers"], ids=lambda c: c["lines"][0])
def test_a_number_on_a_line_of_its_own_goes_on_with_the_line_after_it(case):
    from watcher.extract._text import paragraphs

    assert paragraphs(case["lines"]) == [case["paragraph"]]
