"""extract/vlos.py: who spoke in a real verslag, and what they said (tests/cases/vlos_files.yaml); the VLOS
schema names every element the reader relies on."""

import re
from pathlib import Path

import pytest
import yaml
from lxml import etree

from watcher.extract import ExtractError
from watcher.extract.vlos import read_verslag

FIXTURES = Path(__file__).parent / "fixtures"
LABEL = re.compile(r"^(De heer|Mevrouw|De voorzitter|Minister|Staatssecretaris)\b[^.]{0,80}:$")
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "vlos_files.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_who_spoke_in_a_real_verslag(case):
    verslag = read_verslag((FIXTURES / "realdocs2" / case["file"]).read_bytes())
    assert (verslag.status, verslag.vergadering["closed"], len(verslag.debates)) == \
        (case["status"], case["closed"], case["debates"])
    assert sum(1 for d in verslag.debates for z in d.zaken if z["soort"] == "Motie") == case["moties"]
    speakers = {s.speaker.id: s.speaker for s in verslag.speeches()}
    assert sorted(s.name for s in speakers.values() if s.member) == sorted(case["members"])
    assert sorted([s.name, s.soort] for s in speakers.values() if not s.member) == sorted(case["others"])
    named = {s.name for s in speakers.values()}
    assert [n for n in case["not_spoke"] if n in named] == []
    # Their words, not the label that names them ("De heer Ceder (ChristenUnie):").
    assert [s.text for s in verslag.speeches() if not s.text or LABEL.match(s.text.split("\n")[0])] == []


def test_two_people_of_one_name_stay_two_and_only_the_one_who_spoke_did():
    # 2014: Arno Rutte (Kamerlid, present) and Mark Rutte (minister-president, who spoke) are both "Rutte".
    verslag = read_verslag((FIXTURES / "realdocs2" / "vlos-plenair-2014-10-15-14e-vergadering.xml").read_bytes())
    ruttes = {s.speaker.id: s.speaker for s in verslag.speeches() if s.speaker.name == "Rutte"}
    assert [(s.soort, s.voornaam) for s in ruttes.values()] == [("Minister", "Mark")]


def test_a_speech_is_the_speakers_words_without_the_label_and_without_the_interruptions():
    verslag = read_verslag((FIXTURES / "realdocs2" / "vlos-plenair-2025-07-03-104e-vergadering.xml").read_bytes())
    ceder = [s for s in verslag.speeches() if s.speaker.name == "Ceder"]
    assert ceder and all("(ChristenUnie):" not in s.text.split("\n")[0] for s in ceder)
    turns = [s for s in verslag.speeches() if not s.interruption]
    interruptions = [s for s in verslag.speeches() if s.interruption]
    assert turns and interruptions
    assert not any(i.text in t.text for t in turns for i in interruptions if len(i.text) > 40)


def test_what_is_no_verslag_is_said_so():
    with pytest.raises(ExtractError, match="not a VLOS verslag"):
        read_verslag(b"<?xml version='1.0'?><kamerstuk/>")


def test_the_vlos_schema_has_every_element_the_reader_relies_on():
    schema = etree.parse(str(FIXTURES / "tk" / "xsd" / "vlos" / "VLOS2.0.xsd"))
    declared = {e.get("name") for e in schema.iter("{http://www.w3.org/2001/XMLSchema}element")}
    # The real files' root is vlosCoreDocument where the schema says vlosdocument (the data runs ahead of its
    # schemas): the reader takes both.
    assert {"vlosdocument"} <= declared
    used = {"vergadering", "activiteit", "woordvoerder", "interrumpant", "isvoorzitter", "spreker",
            "tekst", "alineaitem", "verslagnaam", "weergavenaam", "voornaam", "achternaam", "fractie", "functie",
            "parlisid", "sluiting", "vergaderingnummer", "zaak", "dossiernummer", "stuknummer", "titel", "onderwerp",
            "markeertijdbegin"}
    assert sorted(used - declared) == []
