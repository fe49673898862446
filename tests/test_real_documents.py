"""Real files as the ministries, the Kamer and KOOP serve them: the facts and the structure extraction must
read from each (the cases are in tests/cases/real_documents.yaml)."""

from pathlib import Path

import io
import html
import re

import pytest
import yaml

from watcher.settings import Subscriber
from watcher.news.diff import diff
from watcher.extract import extract
from watcher.watchlists.match import Matcher
from watcher.model import Block, Document, Meta
from tests.fakes.tk import edit_docx
from tests.pdfgen import render
from watcher.extract._text import label_numbers

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "realdocs"
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "real_documents.yaml").read_text())
BODY = ("question", "answer", "paragraph", "heading", "speech")


def _id(case: dict) -> str:
    what = case.get("file") or case.get("text", case.get("html", ""))[:40]
    if "cause" not in case:
        return what
    facts = [k for k in case if k not in ("file", "text", "cause")]
    return f"{what}: {case['cause']} ({', '.join(facts)})"


def _person(asker: dict) -> str:
    return f"{asker['name']} ({asker['party']})" if asker.get("party") else asker["name"]


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_a_real_document_reads_as_the_letter_says(case):
    if "file" in case:
        path = FIXTURES / case["file"] if "/" in case["file"] else REAL / case["file"]
        doc = extract(path.read_bytes(), name=path.name)
    elif "html" in case:
        doc = extract(case["html"].encode(), "text/html")
    else:
        doc = extract(case["text"].encode(), name="letter.txt")
    meta = doc.metadata
    if "askers" in case:
        assert [_person(a) for a in meta.get("askers", [])] == case["askers"]
    for key in ("zaken", "dossiers", "datum", "minister", "ingezonden"):
        if key in case:
            assert meta.get(key) == case[key], key
    labels = {b.label for b in doc.blocks}
    questions = {n for b in doc.blocks if b.label.startswith("Vraag ") for n in label_numbers(b.label)}
    if "questions" in case:
        assert questions == set(range(1, case["questions"] + 1))
        answered = {n for b in doc.blocks if b.label.startswith("Antwoord ") for n in label_numbers(b.label)}
        assert questions <= answered, f"no answer to {sorted(questions - answered)}"
    for label in case.get("answer_labels", []) + case.get("footnotes", []) + case.get("labels", []):
        assert label in labels, (label, sorted(labels))
    for label in case.get("footnotes", []):
        assert any(b.label == label and b.kind == "footnote" for b in doc.blocks), label
    side = [b.text for b in doc.blocks if b.kind == "letterhead"]
    for text in case.get("letterhead", []):
        assert any(text in t for t in side), (text, side)
        assert text not in doc.body.text, text  # never diffed
    for a, b in case.get("apart", []):
        assert not any(a in block.text and b in block.text for block in doc.blocks), (a, b)
    for text in case.get("contains", []):
        assert text in doc.text, text
    for text in case.get("absent", []):
        assert text not in doc.text, text
    for speaker in case.get("speakers", []):
        assert speaker in labels, (speaker, sorted(labels)[:20])
    if "speeches" in case:
        assert sum(1 for b in doc.blocks if b.kind == "heading" and b.label == b.text) == case["speeches"]
    if "datum" in case and case["datum"] is None:
        assert "datum" not in meta
    body = [b.text for b in doc.blocks if b.kind in BODY]
    notes = {b.label: b.text for b in doc.blocks if b.kind == "footnote"}
    if "footnote_count" in case:
        assert sorted(notes) == sorted(f"Voetnoot {n}" for n in range(1, case["footnote_count"] + 1)), sorted(notes)
    if "footnote" in case:
        nr, text = case["footnote"]
        assert text in notes.get(f"Voetnoot {nr}", ""), (nr, notes)
        assert not any(text in t for t in body), text
    for text in case.get("body_absent", []):
        assert not any(text in t for t in body), text
    for text in case.get("joined", []):
        assert any(text in t for t in body), text
    for number in case.get("not_dossiers", []):
        assert number not in meta.get("dossiers", []), meta.get("dossiers")
    if case.get("no_answers"):
        assert not any(b.kind == "answer" for b in doc.blocks), [b.text for b in doc.blocks if b.kind == "answer"]


def test_handelingen_as_koop_serves_them_read_as_the_reserialised_copy():
    # KOOP's own files are UTF-8 once and not indented: made here from the copy by undoing both.
    copy = (REAL / "h-tk-20172018-70-3.xml").read_bytes()
    own = copy[copy.index(b"<?xml"):].decode("utf-8").encode("latin-1")  # it was read as Latin-1
    # The indentation between two tags was none; where it meets text it stood for a space.
    own = re.sub(rb"\s*\n\s*", b" ", re.sub(rb">\s*\n\s*<", b"><", own))
    assert b"  " not in own[:2000] and "cliënten".encode() in own
    a, b = extract(copy, name="copy.xml"), extract(own, name="own.xml")
    assert [x.label for x in a.blocks] == [x.label for x in b.blocks]
    assert diff(a, b).changes == []


def test_a_member_who_spoke_in_a_debate_is_found_by_a_member_rule():
    doc = extract((REAL / "h-tk-20172018-70-3.xml").read_bytes(), name="h.xml")
    matcher = Matcher([Subscriber(name="zorg", members=("Hijink",)), Subscriber(name="other", members=("Omtzigt",))])
    hits = matcher.match(doc.text, Meta(), doc.metadata.get("askers", []) + doc.metadata["sprekers"])
    assert [(h.subscriber, h.reasons) for h in hits] == [("zorg", ["member Hijink (Hijink)"])]


COMPOUNDS = ("Bedrijven volgen de OESO-Richtlijnen en de IMVO-convenanten; het overleg is van 10.00-11.00 uur "
             "in de EU-landen, met de Noord-Hollandse en Zuid-Hollandse gemeenten en de ggz-cliënten.")


@pytest.mark.parametrize("width", [38, 41, 47, 53, 61, 70, 95])
def test_a_real_letter_rendered_as_pdf_at_any_width_reads_as_the_docx(width):
    # The same letter as a PDF: whatever the line width, no word changes (a real hyphen at a line end is
    # kept, "OESO-" + "Richtlijnen"), no heading is lost or moved, the labels are the letter's.
    letter = extract((REAL / "kv-answer-2.docx").read_bytes(), name="a.docx").body
    paragraphs = [b.text for b in letter.blocks if b.kind != "footnote"] + [COMPOUNDS]
    # Our PDF writer has the standard fonts only (Latin-1): "Yeşilgöz" is written as "Yesilgöz" in both.
    paragraphs = [p.replace("ş", "s") for p in paragraphs]
    source = extract("\n\n".join(paragraphs).encode(), name="a.txt")
    rendered = extract(render(paragraphs, width=width, lines_per_page=40, hyphenate=True))
    assert diff(source, rendered).changes == []
    assert COMPOUNDS in rendered.text
    headings = [(b.label, b.text) for b in source.blocks if b.kind == "heading"]
    assert [(b.label, b.text) for b in rendered.blocks if b.kind == "heading"] == headings
    assert ("Antwoord 4, 5, 6 en 7", "Antwoord op vragen 4, 5, 6 en 7") in headings


@pytest.mark.parametrize("old,new,revised", [
    ("070 426 64 26", "070 426 99 99", False),  # a new phone number in the sidebar
    ("Turfmarkt 147", "Turfmarkt 149", False),  # a move of the department
    ("weerbarstig", "lastig", True),  # a word of the answer itself
])
def test_the_letterhead_is_never_a_revision_and_still_counts_for_matching(old, new, revised):
    before = (REAL / "kv-answer-4.docx").read_bytes()
    a, b = extract(before, name="a.docx"), extract(edit_docx(before, old, new), name="b.docx")
    assert (a.content_hash() != b.content_hash()) is revised
    assert bool(diff(a, b).changes) is revised
    matcher = Matcher([Subscriber(name="adres", keywords=("Turfmarkt",))])
    assert [h.subscriber for h in matcher.match(b.text, Meta())] == ["adres"]


def test_handelingen_as_a_pdf_read_as_their_koop_xml():
    # The printed Handelingen put each speaker on a line of their own, "De heer Hijink (SP):".
    xml = extract((REAL / "h-tk-20172018-70-3.xml").read_bytes(), name="h.xml")
    # Our PDF writer has the standard fonts only: what Latin-1 lacks ("—") is left out of both.
    texts = [b.text.encode("latin-1", "ignore").decode("latin-1") for b in xml.body.blocks]
    paragraphs = [f"{t}:" if b.kind == "heading" and b.label == b.text else t for t, b in zip(texts, xml.body.blocks)]
    pdf = extract(render(paragraphs, width=80, lines_per_page=40, header="Tweede Kamer", footer="{page}"))
    assert diff(Document(blocks=[Block(text=t) for t in texts]), pdf).changes == []
    assert [b.label for b in pdf.body.blocks if b.kind == "heading"] == \
           [b.label for b in xml.body.blocks if b.kind == "heading"]
    assert pdf.metadata["sprekers"] == xml.metadata["sprekers"]


def test_a_real_letter_as_html_reads_as_the_docx():
    # officielebekendmakingen.nl serves the same answer as an HTML page: headings and paragraphs.
    letter = extract((REAL / "kv-answer-1.docx").read_bytes(), name="a.docx")
    body = "".join(f"<h3>{html.escape(b.text)}</h3>" if b.kind == "heading" else f"<p>{html.escape(b.text)}</p>"
                   for b in letter.body.blocks)
    page = extract(f"<html><body><div id='broodtekst'>{body}</div></body></html>".encode(), "text/html")
    assert diff(letter, page).changes == []
    assert [b.label for b in page.blocks if b.kind == "heading"] == \
           [b.label for b in letter.blocks if b.kind == "heading"]
    for key in ("askers", "zaken", "minister"):
        assert page.metadata.get(key) == letter.metadata.get(key), key


SIDEBAR = ["Directoraat-Generaal Politie en Veiligheidsregio’s", "Turfmarkt 147", "2511 DP Den Haag", "Postbus 20301",
           "www.rijksoverheid.nl/jenv", "T 070 426 64 26", "Ons kenmerk 5401166"]


def test_a_real_letter_as_a_pdf_keeps_its_sidebar_apart_as_the_docx_does():
    # A ministry's letter as a PDF has its sender, address and reference in a column of small type right of
    # the text: letterhead, as in the DOCX, never glued to a paragraph, never diffed, still matched.
    letter = extract((REAL / "kv-answer-2.docx").read_bytes(), name="a.docx")
    paragraphs = [b.text.replace("ş", "s") for b in letter.body.blocks if b.kind != "footnote"]
    pdf = extract(render(paragraphs, width=70, lines_per_page=40, header=None, footer="{page}", sidebar=SIDEBAR))
    side = [b.text for b in pdf.blocks if b.kind == "letterhead"]
    for text in SIDEBAR:
        assert text in side, (text, side)
        assert text not in pdf.body.text, text
    source = extract("\n\n".join(paragraphs).encode(), name="a.txt")
    assert diff(source, pdf).changes == []
    matcher = Matcher([Subscriber(name="adres", keywords=("Turfmarkt",))])
    assert [h.subscriber for h in matcher.match(pdf.text, Meta())] == ["adres"]


@pytest.mark.parametrize("wrapped,whole", [
    # The plain text: only where a compound breaks differs; a capital after the hyphen keeps it.
    ("Bedrijven volgen de OESO-\nRichtlijnen voor multinationale ondernemingen.",
     "Bedrijven volgen de\nOESO-Richtlijnen voor multinationale ondernemingen."),
    # A lower-case compound keeps its hyphen where the document writes it with one elsewhere.
    ("De drone-exploitanten melden zich. Voor drone-\nexploitanten geldt een register.",
     "De drone-exploitanten melden zich. Voor\ndrone-exploitanten geldt een register."),
    # ... and a word broken at a line end with no such twin loses it.
    ("De surveillance-\ntechnologie wordt gebruikt.", "De surveillancetechnologie\nwordt gebruikt."),
])
def test_a_rewrapped_text_whose_only_change_is_a_broken_compound_is_no_change(wrapped, whole):
    a, b = extract(wrapped.encode(), name="a.txt"), extract(whole.encode(), name="b.txt")
    assert a.text == b.text
    assert diff(a, b).changes == []


def _docx(paragraphs: list[tuple[str, str]]) -> bytes:
    """A DOCX of (style, text) paragraphs: style "b" bold, "i" italic, "" plain (as a ministry's letter sets
    its questions apart by type when no "Vraag" and "Antwoord" head them)."""
    import zipfile

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r>{'<w:rPr><w:' + style + '/></w:rPr>' if style else ''}<w:t>{html.escape(text)}</w:t></w:r></w:p>"
                   for style, text in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
    return out.getvalue()


# A paragraph as a file may write it: a soft hyphen, a no-break space, a zero-width space, an e with its trema
# as a second character, a thin space and a tab.
UNCLEAN = "De cyber\u00adsurveillance in dossier 35\u00a0207, Xin\u200bjiang en de idee\u0065\u0308n over\u200910\u2009000\tcamera's."
CLEAN = "De cybersurveillance in dossier 35 207, Xinjiang en de ideeën over 10 000 camera's."
MARKED = {
    "xml": lambda text: f'<?xml version="1.0"?><kamerstuk><al>{html.escape(text)}</al></kamerstuk>'.encode(),
    "html": lambda text: f"<html><body><main><p>{html.escape(text)}</p></main></body></html>".encode(),
    "docx": lambda text: _docx([("", text)]),
}


@pytest.mark.parametrize("fmt", sorted(MARKED))
def test_a_format_that_marks_its_paragraphs_cleans_them_as_a_text_files_lines(fmt):
    doc = extract(MARKED[fmt](UNCLEAN))
    assert doc.metadata["format"] == fmt
    assert [b.text for b in doc.blocks if b.kind != "letterhead"] == [CLEAN]
    assert extract(UNCLEAN.encode(), name="a.txt").blocks[0].text == CLEAN


@pytest.mark.parametrize("style", ["b", "i"])
def test_questions_set_apart_by_their_type_are_questions_and_what_follows_their_answers(style):
    doc = extract(_docx([(style, "Inleiding"), ("", "Hierbij de antwoorden."),
                         (style, "1. Bent u bekend met het bericht over de stikstofregels?"), ("", "Ja."),
                         (style, "Wat vindt u daarvan?"), (style, "Kunt u dat toelichten?"),
                         ("", "Het kabinet vindt dat zorgelijk."), ("", "Een tweede alinea van het antwoord.")]),
                  name="a.docx")
    assert [(b.kind, b.label, b.text) for b in doc.blocks] == [
        ("paragraph", "", "Inleiding"), ("paragraph", "", "Hierbij de antwoorden."),
        ("question", "Vraag 1", "1. Bent u bekend met het bericht over de stikstofregels?"),
        ("answer", "Antwoord 1", "Ja."),
        ("question", "Vraag 2", "Wat vindt u daarvan?"), ("question", "Vraag 2", "Kunt u dat toelichten?"),
        ("answer", "Antwoord 2", "Het kabinet vindt dat zorgelijk."),
        ("answer", "Antwoord 2", "Een tweede alinea van het antwoord.")]


def test_one_bold_question_is_emphasis_and_a_mededeling_answers_nothing():
    doc = extract(_docx([("", "Mededeling van de Minister van Financiën (ontvangen 3 mei 2024)."),
                         ("b", "Kunnen de vragen binnen drie weken worden beantwoord?"),
                         ("", "De vragen kunnen niet binnen de gebruikelijke termijn worden beantwoord.")]), name="a.docx")
    assert not any(b.kind in ("question", "answer") for b in doc.blocks)


def test_watcher_match_fires_dossier_and_member_rules_on_a_real_motie_file(tmp_path, watcher_cli):
    # A source that has only the file (or `watcher match`) knows the dossier and the signers from the file.
    import json

    config = tmp_path / "sources.yaml"
    config.write_text("subscribers:\n  - {name: ienw, dossiers: [36410]}\n  - {name: xii, dossiers: [36410-XII]}\n"
                      "  - {name: pvdd, members: [Kostić]}\n  - {name: other, dossiers: [35207]}\n")
    motie = FIXTURES / "realdocs2" / "kst-36410-XII-61.xml"
    code, out, err = watcher_cli("-c", config, "match", "--json", motie)
    assert code == 0, err
    assert [(x["subscriber"], x["reasons"]) for x in map(json.loads, out.splitlines())] == [
        ("ienw", ["dossier 36410"]), ("xii", ["dossier 36410-XII"]), ("pvdd", ["member Kostić (Kostić)"])]
