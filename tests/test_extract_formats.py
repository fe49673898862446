"""Each format the sources deliver gives clean text: the recorded TK files, KOOP XML, RTF."""

from pathlib import Path

import pytest

from watcher.extract import ExtractError, extract

FIXTURES = Path(__file__).parent / "fixtures"
RESOURCES = FIXTURES / "tk" / "resources"


@pytest.mark.parametrize("name,fmt,phrase", [
    ("motie__d7a5dc6c-3636-4acd-8630-96c14e97dcce.pdf", "pdf", "MOTIE VAN HET LID CEDER"),
    ("motie__09b97518-8d7c-4a90-a090-28e45bc44920.docx", "docx", "GEWIJZIGDE MOTIE VAN HET LID CLAASSEN"),
    ("motie__0787ced2-629a-4d32-ab8f-4b97a7680248.docx", "docx", "Rikkers-Oosterkamp"),
    ("motie__ca71487f-866a-43aa-a9d5-ec3e2c3a236c.doc", "doc", "MOTIE VAN HET LID VERDONK"),
])
def test_recorded_tk_files(name, fmt, phrase):
    doc = extract((RESOURCES / name).read_bytes())
    assert doc.metadata["format"] == fmt
    assert phrase in doc.text
    assert "gehoord de beraadslaging" in doc.text


def test_koop_xml_publication():
    data = (FIXTURES / "tk" / "publications" / "kst-19637-3384__DocumentPublicatie_dfd9c46a__resource.xml").read_bytes()
    doc = extract(data, "application/xml")
    assert "GEWIJZIGDE MOTIE VAN HET LID PODT C.S." in doc.text
    assert "schaderegeling gemeente Westerwolde" in doc.text


def test_an_html_page_gives_its_blocks_in_the_order_it_shows_them():
    page = (b"<html><body><main><h2>Aaa</h2><p>Bbb.</p><ul><li>Ccc</li></ul><h3>Ddd</h3><table><tr><th>Eee</th>"
            b"<td>Fff</td></tr></table><dl><dt>Ggg</dt><dd>Hhh</dd></dl><blockquote>Iii.</blockquote><pre>Jjj</pre>"
            b"<address>Kkk</address><figure><figcaption>Lll</figcaption></figure><ul><li><p>Mmm</p></li></ul>"
            b"<h1>Nnn</h1><h4>Ooo</h4><h5>Ppp</h5><h6>Qqq</h6></main></body></html>")
    texts = [b.text for b in extract(page).blocks]
    assert texts == ["Aaa", "Bbb.", "Ccc", "Ddd", "Eee", "Fff", "Ggg", "Hhh", "Iii.", "Jjj", "Kkk", "Lll", "Mmm",
                     "Nnn", "Ooo", "Ppp", "Qqq"]  # a p inside an li is taken with the li, once


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_an_html_page_reads_the_same_in_each_encoding_it_comes_in(encoding):
    page = "<html><body><main><h1>Curaçao</h1><p>Het “plan” kost € 5 – zegt de minister.</p></main></body></html>"
    assert [b.text for b in extract(page.encode(encoding), "text/html").blocks] == [
        "Curaçao", "Het “plan” kost € 5 – zegt de minister."]


def test_rtf_best_effort():
    rtf = (rb"{\rtf1\ansi{\fonttbl{\f0 Times;}}{\*\generator Word;}\pard Motie van het lid Ceder\par "
           rb"Verzoekt de regering te \'e9valueren\line en \u8220?te\u8221? rapporteren.\par}")
    doc = extract(rtf)
    assert doc.metadata["format"] == "rtf"
    assert [b.text for b in doc.blocks] == ["Motie van het lid Ceder",
                                            "Verzoekt de regering te évalueren en “te” rapporteren."]


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.7\n garbage", "the PDF cannot be read"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "declares entities"),
    (b"<?xml version='1.0'?><x><y></x>", "not well-formed"),
])
def test_bad_input_is_a_clear_error(data, message):
    with pytest.raises(ExtractError, match=message):
        extract(data)


def test_random_bytes_are_no_document(tmp_path, watcher_cli):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(256)) * 8)
    code, out, err = watcher_cli("extract", path)
    assert code == 2 and out == ""
    assert "not a format watcher reads" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["extract", "diff"])
def test_the_commands_on_files_offer_no_config_and_say_their_exit_codes(command, capsys):
    from watcher.cli import main
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split()).lower()
    assert "--config" not in text and "exit 0" in text
