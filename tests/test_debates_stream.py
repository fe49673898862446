"""The debates stream on the loopback SyncFeed: a sitting's verslag arriving Casco, then Ongecorrigeerd with the
real plenary of 3 July 2025 (tests/fixtures/realdocs2/, provenance there), then corrected: each subscriber hears
of each debate once, and of a correction of what their member said once more, across runs."""

from datetime import date
from pathlib import Path

REAL = Path(__file__).parent / "fixtures" / "realdocs2"
PLENARY = (REAL / "vlos-plenair-2025-07-03-104e-vergadering.xml").read_bytes()
CASCO = (REAL / "vlos-procedurevergadering-biza-2025-07-03-casco.xml").read_bytes()
VERSLAG, VERGADERING = "5a0c0000-0000-4000-8000-00000000e001", "5a0c0000-0000-4000-8000-00000000e002"


def headlines(out):
    return sorted(line.split(": ", 1)[0] for line in out.splitlines() if line.startswith("["))


def _publish(tk, data: bytes, soort: str, status: str, today: bool = True) -> None:
    """A version of the sitting's verslag; held today (its date moved from 3 July 2025, else it is old news)."""
    if today:
        data = data.replace(b"<datum>2025-07-03T00:00:00</datum>",
                            date.today().strftime("<datum>%Y-%m-%dT00:00:00</datum>").encode(), 1)
    tk.files[VERSLAG] = (data, "text/xml")
    tk.put_entity("Verslag", VERSLAG, {"soort": soort, "status": status}, {"vergadering": [VERGADERING]},
                  content_type="text/xml", content_length=len(data), force=True)


def test_a_member_who_spoke_is_told_once_per_debate_and_a_correction_once_more(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "ceder", "members": ["Ceder"]}, {"name": "baarle", "members": ["Van Baarle"]},
                           {"name": "woord", "keywords": ["herdenking"]}, {"name": "voorzitter", "members": ["Vermeer"]},
                           {"name": "koekkoek", "members": ["Koekkoek"]}, {"name": "denk", "parties": ["DENK"]},
                           {"name": "dossier", "dossiers": ["28325"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # starts now
    _publish(tk, CASCO, "Voorpublicatie", "Casco")
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # a skeleton: nobody spoke yet
    _publish(tk, PLENARY, "Tussenpublicatie", "Ongecorrigeerd")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    told = headlines(out)
    # Van Baarle spoke in two debates: two alerts; the chair (Vermeer) and a co-indiener who did not speak
    # (Koekkoek) hear nothing.
    assert told.count("[baarle] in het debat sprak Van Baarle (DENK)") == 2
    assert "[ceder] in het debat sprak Ceder (ChristenUnie)" in told
    assert not [h for h in told if h.startswith(("[voorzitter]", "[koekkoek]"))]
    # A party rule on its member's speeches; a dossier rule on the debate about it (moties on 28325 were moved
    # in Bouwregelgeving), with everyone who spoke in it.
    assert told.count("[denk] in het debat sprak Van Baarle (DENK)") == 2
    assert [h for h in told if h.startswith("[dossier]")] == [
        "[dossier] in het debat spraken Welzijn (NSC), Wijen-Nass (BBB), Mooiman (PVV) en 4 anderen"]
    # A word said, with who said it (a member and a minister).
    assert "[woord] in het debat spraken Van Baarle (DENK) en Uitermark" in told and "trefwoord herdenking" not in err
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # told once
    corrected = PLENARY.replace(b'status="Ongecorrigeerd"', b'status="Gecorrigeerd"', 1)
    said = b"Volgens mij hebben we een paar weken geleden"
    assert corrected.count(said) == 1  # Ceder's words, corrected
    _publish(tk, corrected.replace(said, b"Volgens mij hebben wij enkele weken geleden", 1), "Eindpublicatie",
             "Gecorrigeerd")
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[ceder] correctie in het verslag"]
    assert "Volgens mij hebben we een paar weken geleden" in out.split(", nu “")[0]  # what it said first
    assert "Volgens mij hebben wij enkele weken geleden" in out.split(", nu “")[1]  # and what it says now
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # told once more, and no more


def test_a_committees_debate_is_told_to_who_follows_the_committee_with_everyone_who_spoke(tk, write_config,
                                                                                       watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "buza", "committees": ["BuZa"]}, {"name": "biza", "committees": ["BiZa"]},
                           {"name": "roon", "members": ["De Roon"]}, {"name": "minister", "members": ["Veldkamp"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    _publish(tk, (REAL / "vlos-commissiedebat-2025-07-03-eufor-althea.xml").read_bytes(), "Tussenpublicatie",
             "Ongecorrigeerd")
    out = watcher_cli("-c", config, "run", "--once")[1]
    # A member rule does not hear a minister of that name speak: Veldkamp is no Kamerlid.
    assert headlines(out) == ["[buza] in het debat spraken Kahraman (NSC), Dobbe (SP), Nordkamp (GroenLinks-PvdA) en "
                              "6 anderen", "[roon] in het debat sprak De Roon (PVV)"]
    assert "commissie BuZa" in out and "commissievergaderingen/details?id=2025A03874" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []


def test_a_verslag_of_a_sitting_long_ago_is_known_not_news(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "klaver", "members": ["Klaver"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    _publish(tk, (REAL / "vlos-plenair-2014-10-15-14e-vergadering.xml").read_bytes(), "Tussenpublicatie",
             "Ongecorrigeerd", today=False)  # 2014, re-sent now: Klaver spoke in it
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []


def test_the_handelingen_of_a_debate_told_from_the_verslag_alert_nobody_who_heard_of_it(tk, koop, write_config,
                                                                                       watcher_cli):
    from tests.test_officielebekendmakingen import TODAY, ob_source
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}, ob_source(koop)],
                          [{"name": "woord", "keywords": ["herdenking"]},
                           {"name": "later", "keywords": ["testonderwerp"]}])  # a word nobody said that day
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    _publish(tk, PLENARY, "Tussenpublicatie", "Ongecorrigeerd")  # sitting 104 of 2024-2025
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert "[woord] in het debat spraken" in out and "[later]" not in out
    text = (Path(__file__).parent / "fixtures" / "ob" / "SYNTHETIC_op_xml_kst_motie.xml").read_bytes()
    handelingen = text.replace(b"verzoekt de regering", b"spreekt over de herdenking en verzoekt de regering", 1)
    koop.add(2, identifier="h-tk-20242025-104-5", modified=TODAY, title="Slavernijverleden", content=handelingen)
    # Who heard of the debate from the verslag hears nothing of its Handelingen; whom only they concern does.
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == ["[later] nieuw"]
    koop.add(2, identifier="h-tk-20242025-104-6", modified=TODAY, title="Natuur", content=handelingen)
    # Another debate of that sitting, which `woord` did not hear of: news to them.
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == ["[later] nieuw", "[woord] nieuw"]
