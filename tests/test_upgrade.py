"""An install of the OData days upgrades: what it stored and told is kept, nobody hears anything twice.

The states in tests/fixtures/upgrade were written by watcher as it was before the SyncFeed source (commit
50ab5c9), after alerting on a motie, an answer to written questions, a vote and a debate
(make_odata_era_state.py says how). The SyncFeed here has the same entities, from before the upgrade."""

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from tests.fakes.tk import (PUBLICATIONS, activity, answer_with_askers_on_the_zaak, motion_2025D06779, position,
                            recorded_vote)
from watcher.store import open_store

FIXTURE = Path(__file__).parent / "fixtures" / "upgrade"
SUBSCRIBERS = [{"name": "asiel", "keywords": ["Westerwolde"]}, {"name": "ceder", "members": ["Ceder"]},
               {"name": "sgp", "parties": ["SGP"]}, {"name": "dossier", "dossiers": ["30950"]}]
MEETING = "ac7e0000-0000-4000-8000-00000000a0d0"  # the debate the old state announced
SGP_POSITION = "5e000000-0000-4000-8000-0000000005e0"  # as make_odata_era_state.py made it
# The debate at the time the old state was told of it (two weeks after the day the states were made): taken
# from today's date, the Kamer would seem to have moved it.
MEETING_START = datetime(2026, 12, 20, 10, 0)
XML = (PUBLICATIONS / "kst-19637-3384__DocumentPublicatie_dfd9c46a__resource.xml").read_bytes()


def headlines(out):
    return sorted(line for line in out.splitlines() if line.startswith("["))


def _published_before(tk):
    """What the OData API had, as the SyncFeed has it: before the upgrade, so before the head."""
    motion = motion_2025D06779()
    publication = motion["HuidigeDocumentVersie"]["DocumentPublicatie"][0]
    tk.publications[publication["Id"]] = XML
    tk.add(motion)
    tk.add(answer_with_askers_on_the_zaak())
    besluit, template = recorded_vote()
    tk.put("Besluit", besluit)
    tk.put("Stemming", dict(template, Besluit_Id=besluit["Id"]))
    tk.put("Stemming", position(template, "SGP", "Voor", 3) | {"Besluit_Id": besluit["Id"], "Id": SGP_POSITION})
    tk.put("Activiteit", activity(MEETING, MEETING_START))
    return motion, besluit, template


@pytest.mark.parametrize("kind", ["sqlite", "tinydb"])
def test_a_state_of_the_odata_days_upgrades_with_nothing_lost_or_told_twice(kind, tk, write_config, watcher_cli,
                                                                            tmp_path):
    shutil.copytree(FIXTURE / f"odata_era_{kind}", tmp_path / "state")
    motion, besluit, template = _published_before(tk)
    # `later` subscribed after the upgrade: the old documents are not news to them either.
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": "2020-01-01"}],
                          SUBSCRIBERS + [{"name": "later", "keywords": ["Westerwolde"]}], store=kind)
    # The first run after the upgrade starts at the head, whatever `since:` says, and tells nothing.
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == [], out
    with open_store(tmp_path / "state", readonly=True, kind=kind) as store:
        assert store.count_documents("tk") == 2
        assert store.document("2025D06779").alerted == ["asiel"]
        assert store.question("2025Z17001") is not None
        assert store.event_state("vote", besluit["Id"])["told"]["result"] == "Stemmen - aangenomen"
        assert store.event_state("agenda", MEETING)["told"]["events"] == 1
        assert store.event_state("agenda", MEETING)["aanvang"] == MEETING_START.strftime("%Y-%m-%dT%H:%M:00+01:00")
    assert "of 1 the store knows" in watcher_cli("-c", config, "questions")[1]  # answered then, known now
    # Everything sent again, and so read into the mirror for the first time: the metadata it gives an old
    # document differs from the OData source's (file links, the zaak's dossier), which is no news: nothing
    # told, nothing fetched.
    for category, ident in list(tk.entities):
        tk.touch(category, ident)
    fetched = tk.file_requests
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert (code, headlines(out)) == (0, []), err
    assert tk.file_requests == fetched
    # What changes now is told once, to whoever heard of it then: a revision of the motie ...
    tk.revise(motion["Id"], version=4, publication=XML.replace(b"binnen zes weken", b"binnen vier weken"))
    # ... and a position the old vote gains (the two it had are not in the mirror: kept from the state).
    tk.put("Stemming", position(template, "VVD", "Tegen", 24) | {"Besluit_Id": besluit["Id"]})
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == [
        "[asiel] gewijzigd, versie 3 → 4: Motie (gewijzigd/nader) 2025D06779",
        "[dossier] aangenomen: uitslag gecorrigeerd, nu 28 voor – 24 tegen: Motie 2025Z17647",
        "[later] gewijzigd, versie 3 → 4: Motie (gewijzigd/nader) 2025D06779",
        "[sgp] aangenomen: uitslag gecorrigeerd, nu 28 voor – 24 tegen: Motie 2025Z17647"], out
    assert "«zes» → «vier»" in out
    assert "door: A. Podt (D66)" in out  # the indiener, as stored then: the mirror never had her
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []
