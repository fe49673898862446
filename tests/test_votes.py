"""Votes: a motie followed from its document to its vote, over the loopback Gegevensmagazijn.

The Besluit and the first Stemming row are recorded (tests/fixtures/tk/odata/stemming__*.json); the other
positions are built in the recorded row's shape (tests/fakes/tk.py `position`)."""

import copy
import random
from collections import Counter
from datetime import datetime

import pytest

from tests.fakes.tk import (ODATA, RECORDED_MEETING, FakeTK, PUBLICATIONS, activity, mirrored, motion_2025D06779, position,
                            recorded_vote, vote_state)
from tests.killing import outputs_killed_at_each_step
from watcher.sources.tweedekamer import assemble
from watcher.sources.tweedekamer.kind import EVENTS, categories
from watcher.news.votes import decide, own_votes, tally


def headlines(out):
    return sorted(line for line in out.splitlines() if line.startswith("["))


def _motie_document(tk, besluit):
    """The recorded motie 2025D06779 with its recorded text, filed under the recorded vote's zaak."""
    row = motion_2025D06779()
    # One zaak, one set of actors: the SyncFeed has each zaak once, whichever document or vote names it.
    zaak = besluit["Zaak"][0]
    row["Zaak"][0].update(Id=zaak["Id"], Nummer=zaak["Nummer"], Soort="Motie", ZaakActor=zaak["ZaakActor"])
    publication = row["HuidigeDocumentVersie"]["DocumentPublicatie"][0]
    xml = (PUBLICATIONS / "kst-19637-3384__DocumentPublicatie_dfd9c46a__resource.xml").read_bytes()
    publication["ContentLength"] = len(xml)
    tk.publications[publication["Id"]] = xml
    return row


def _setup(tk, write_config, watcher_cli, **source):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, **source}],
                          [{"name": "asiel", "keywords": ["Westerwolde"]},  # the motie's words
                           {"name": "sgp", "parties": ["SGP"]},  # a medeindiener's party
                           # the document's dossier (not the zaak's): hears of the vote as who heard of the motie
                           {"name": "dossier", "dossiers": ["19637"]},
                           {"name": "ander", "keywords": ["stikstof"]}])  # nothing to do with it
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    return config


def test_a_motie_is_followed_to_its_vote_result_first_then_positions_then_a_vergissing(tk, write_config,
                                                                                       watcher_cli):
    besluit, template = recorded_vote()
    config = _setup(tk, write_config, watcher_cli)
    tk.add(_motie_document(tk, besluit))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[asiel] nieuw: Motie (gewijzigd/nader) 2025D06779",
                              "[dossier] nieuw: Motie (gewijzigd/nader) 2025D06779",
                              "[sgp] nieuw: Motie (gewijzigd/nader) 2025D06779"]  # Stoffer (SGP) co-signed
    # The result, before any position (as it arrives from the API).
    tk.put("Besluit", besluit)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[asiel] aangenomen: Motie (gewijzigd/nader) 2025D06779",
                              "[dossier] aangenomen: Motie (gewijzigd/nader) 2025D06779",
                              "[sgp] aangenomen: Motie (gewijzigd/nader) 2025D06779"]
    assert "u kreeg een melding over deze motie" in out.split("[dossier]")[1]  # why `dossier` hears of it
    # The positions, a cycle later, all at once: one alert, not one per row.
    rows = [dict(template, Besluit_Id=besluit["Id"]), position(template, "PVV", "Voor", 37),
            position(template, "SGP", "Voor", 3), position(template, "VVD", "Tegen", 24),
            position(template, "D66", "Tegen", 9)]
    for row in rows:
        tk.put("Stemming", dict(row, Besluit_Id=besluit["Id"]))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == [
        "[asiel] aangenomen: stemverhouding bekend, 65 voor – 33 tegen: Motie (gewijzigd/nader) 2025D06779",
        "[dossier] aangenomen: stemverhouding bekend, 65 voor – 33 tegen: Motie (gewijzigd/nader) 2025D06779",
        "[sgp] aangenomen: stemverhouding bekend, 65 voor – 33 tegen: Motie (gewijzigd/nader) 2025D06779"]
    sgp_alert = out.split("[sgp]")[1]
    assert sgp_alert.split("\n  ~ ")[1] == "SGP: voor"  # what `sgp` follows, first
    assert "~ voor: PVV, GroenLinks-PvdA, SGP" in out and "~ tegen: VVD, D66" in out
    # SGP says it voted wrongly: one more alert, noting it.
    sgp = next(r for r in rows if r["ActorFractie"] == "SGP")
    tk.put("Stemming", dict(sgp, Besluit_Id=besluit["Id"], Vergissing=True))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[asiel] aangenomen: vergissing gemeld door SGP: Motie (gewijzigd/nader) 2025D06779",
                              "[dossier] aangenomen: vergissing gemeld door SGP: Motie (gewijzigd/nader) 2025D06779",
                              "[sgp] aangenomen: vergissing gemeld door SGP: Motie (gewijzigd/nader) 2025D06779"]
    assert "vergissing gemeld: SGP (voor)" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # each told once


def test_the_subscribers_own_party_is_read_first(tmp_path):
    besluit, template = recorded_vote()
    state = vote_state(tmp_path / "a", besluit, position(template, "PVV", "Voor", 37), position(template, "SGP", "Tegen", 3))
    assert own_votes(tally(state), ("SGP",), ("Bromet",), state["zaken"][0]["actors"]) == ["SGP: tegen"]
    state = vote_state(tmp_path / "b", besluit, position(template, "GroenLinks-PvdA", "Voor", 25))
    assert own_votes(tally(state), (), ("Bromet",), state["zaken"][0]["actors"]) == [
        "L. Bromet (GroenLinks-PvdA): voor"]  # a member by the fractie they put the motie forward for


def test_a_hoofdelijke_stemming_names_the_members(tmp_path):
    besluit, template = recorded_vote()
    state = vote_state(tmp_path, besluit, *[position(template, fractie, soort, 30, member=name) for name, fractie, soort in (
        ("Strolenberg, M.F.", "VVD", "Tegen"), ("Bromet, L.", "GroenLinks-PvdA", "Voor"), ("Stoffer, C.", "SGP", "Voor"))])
    state, event = decide(state)
    assert event.headline == "aangenomen, 2 voor – 1 tegen"  # one vote a member, not the fractie's seats
    assert event.lines == ["voor (2): Bromet, L., Stoffer, C.", "tegen (1): Strolenberg, M.F."]
    assert own_votes(tally(state), ("SGP",), ("Strolenberg",), []) == ["SGP: voor", "Strolenberg, M.F.: tegen"]


@pytest.mark.parametrize("soort,headline", [
    ("Stemmen - zonder stemming aannemen", "aangenomen zonder stemming (hamerstuk)"),
    ("Stemmen - verworpen", "verworpen"),
    ("Stemmen - uitstellen", "stemming uitgesteld"),
])
def test_each_result_reads_as_what_happened(soort, headline, tmp_path):
    besluit, _ = recorded_vote()
    state, event = decide(vote_state(tmp_path, dict(besluit, BesluitSoort=soort)))
    assert event.headline == headline
    assert decide(state)[1] is None  # told once


def test_a_vote_postponed_then_held_is_told_again(tk, write_config, watcher_cli):
    besluit, _ = recorded_vote()
    config = _setup(tk, write_config, watcher_cli)
    tk.add(_motie_document(tk, besluit))
    watcher_cli("-c", config, "run", "--once")
    tk.put("Besluit", dict(besluit, BesluitSoort="Stemmen - uitstellen"))
    assert [h.split(":")[0] for h in headlines(watcher_cli("-c", config, "run", "--once")[1])] == [
        "[asiel] stemming uitgesteld", "[dossier] stemming uitgesteld", "[sgp] stemming uitgesteld"]
    tk.put("Besluit", besluit)
    assert [h.split(":")[0] for h in headlines(watcher_cli("-c", config, "run", "--once")[1])] == [
        "[asiel] aangenomen", "[dossier] aangenomen", "[sgp] aangenomen"]


def test_positions_split_over_pages_make_one_alert(tk, write_config, watcher_cli):
    besluit, template = recorded_vote()
    config = _setup(tk, write_config, watcher_cli)
    tk.add(_motie_document(tk, besluit))
    tk.put("Besluit", besluit)
    watcher_cli("-c", config, "run", "--once")
    tk.page_size = 2  # five rows: three pages of the Stemming category
    for fractie, soort, seats in (("PVV", "Voor", 37), ("SGP", "Voor", 3), ("VVD", "Tegen", 24), ("D66", "Tegen", 9),
                                  ("CDA", "Voor", 5)):
        tk.put("Stemming", position(template, fractie, soort, seats) | {"Besluit_Id": besluit["Id"]})
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert tk.requests["Stemming"] >= 3
    assert [h.split(": Motie")[0] for h in headlines(out)] == [
        "[asiel] aangenomen: stemverhouding bekend, 45 voor – 33 tegen",
        "[dossier] aangenomen: stemverhouding bekend, 45 voor – 33 tegen",
        "[sgp] aangenomen: stemverhouding bekend, 45 voor – 33 tegen"]


def test_votes_before_the_first_run_and_procedural_decisions_are_not_news(tk, write_config, watcher_cli):
    besluit, template = recorded_vote()
    tk.add(_motie_document(tk, besluit))
    tk.put("Besluit", besluit)  # there before watcher
    config = _setup(tk, write_config, watcher_cli)
    tk.put("Stemming", dict(template, Besluit_Id=besluit["Id"]))  # a position of a vote we did not see
    procedural = dict(copy.deepcopy(besluit), Id="0b5e0000-0000-4000-8000-000000000001",
                      BesluitSoort="Vrijgeven voor plenaire behandeling")
    tk.put("Besluit", procedural)
    # Re-sent by a data fix, never seen before: voted in the meeting of 2 October 2025 (the recorded agendapunt's).
    tk.put("Activiteit", activity(RECORDED_MEETING, datetime(2025, 10, 2, 14, 0), soort="Stemmingen"))
    old = dict(copy.deepcopy(besluit), Id="0b5e0000-0000-4000-8000-000000000002")
    tk.put("Besluit", old)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0 and headlines(out) == [], (out, err)


def test_an_idle_cycle_asks_each_category_once_and_documents_only_fewer(tk, write_config, watcher_cli, tmp_path):
    config = _setup(tk, write_config, watcher_cli)
    tk.requests.clear()
    watcher_cli("-c", config, "run", "--once")
    assert tk.requests == dict.fromkeys(categories(EVENTS), 1)
    assert tk.entity_requests == 0 and tk.file_requests == 0
    status = watcher_cli("-c", config, "status")[1]
    assert f"  feed:         {len(tk.requests)} categories read to their head" in status, status
    only = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "events": ["documents"]}],
                        [{"name": "x", "keywords": ["x"]}], state_dir=str(tmp_path / "documents-only"))
    watcher_cli("-c", only, "run", "--once")
    tk.requests.clear()
    watcher_cli("-c", only, "run", "--once")
    assert tk.requests == dict.fromkeys(categories(("documents",)), 1)
    assert not {"Besluit", "Stemming", "Activiteit"} & set(tk.requests)


def test_a_sigkill_between_the_steps_of_a_vote_neither_loses_nor_repeats_its_alerts(tk, write_config, spawn,
                                                                                      tmp_path):
    rng = random.Random(20261202)
    besluit, template = recorded_vote()
    for trial in range(5):
        config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                              [{"name": "sgp", "parties": ["SGP"]}], state_dir=str(tmp_path / f"state{trial}"))
        proc = spawn("-c", config, "run", "--once")
        assert proc.wait(timeout=60) == 0
        vote = dict(copy.deepcopy(besluit), Id=f"0b5e0000-0000-4000-8000-0000000002{trial:02d}")
        steps = [lambda: tk.put("Besluit", vote),
                 lambda: [tk.put("Stemming", position(template, f, side, n) | {"Besluit_Id": vote["Id"]})
                          for f, side, n in (("PVV", "Voor", 37), ("SGP", "Voor", 3), ("VVD", "Tegen", 24))]]
        outputs = outputs_killed_at_each_step(spawn, config, steps, rng, longest=1.5)
        told = Counter(line.split(": Motie")[0] for out in outputs for line in out.splitlines()
                       if line.startswith("[sgp]"))
        # Each event printed once; a kill between printing and marking may print one twice (never lose it).
        assert set(told) == {"[sgp] aangenomen", "[sgp] aangenomen: stemverhouding bekend, 40 voor – 24 tegen"}, told
        assert all(n <= 2 for n in told.values()), (trial, told)


def test_a_withdrawn_position_is_not_counted(tmp_path):
    besluit, template = recorded_vote()
    pvv = position(template, "PVV", "Voor", 37)
    fake = FakeTK()
    fake.put("Besluit", besluit)
    for row in (pvv, position(template, "SGP", "Tegen", 3)):
        fake.put("Stemming", dict(row, Besluit_Id=besluit["Id"]))
    fake.remove("Stemming", pvv["Id"])  # the Kamer takes the PVV's row back
    state = assemble.vote_state(assemble.gather_vote(mirrored(fake, tmp_path), besluit["Id"]))
    assert decide({**state, "told": {}})[1].headline == "aangenomen, 0 voor – 3 tegen"


def test_a_deleted_besluit_tells_no_result(tmp_path):
    besluit, template = recorded_vote()
    fake = FakeTK()
    fake.put("Besluit", besluit)
    fake.put("Stemming", dict(position(template, "PVV", "Voor", 37), Besluit_Id=besluit["Id"]))
    fake.remove("Besluit", besluit["Id"])
    state = assemble.vote_state(assemble.gather_vote(mirrored(fake, tmp_path), besluit["Id"]))
    assert decide({**state, "told": {}})[1] is None


def test_a_kill_between_two_pages_of_vote_rows_loses_no_vote(tk, write_config, spawn, tmp_path):
    import signal
    import threading
    import time
    besluit, template = recorded_vote()
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "sgp", "parties": ["SGP"]}])
    tk.add(_motie_document(tk, besluit))
    tk.put("Besluit", besluit)
    assert spawn("-c", config, "run", "--once").wait(timeout=60) == 0
    tk.page_size = 2
    sides = (("PVV", "Voor", 37), ("SGP", "Voor", 3), ("VVD", "Tegen", 24), ("D66", "Tegen", 9), ("CDA", "Voor", 5),
             ("SP", "Tegen", 5))
    for fractie, soort, seats in sides:
        tk.put("Stemming", position(template, fractie, soort, seats) | {"Besluit_Id": besluit["Id"]})
    asked, hold = threading.Event(), threading.Event()
    stemming_pages = []

    def second_page_waits(path, request):
        if request.query.get("category") == "Stemming":
            stemming_pages.append(request.query.get("skiptoken"))
            if len(stemming_pages) == 2:  # the first page is applied (and kept): die before the next
                asked.set()
                hold.wait(30)
        return None

    tk.intercept = second_page_waits
    proc = spawn("-c", config, "run", "--once")
    assert asked.wait(30)
    proc.send_signal(signal.SIGKILL)
    killed = proc.communicate(timeout=30)[0]
    hold.set()
    tk.intercept = None
    time.sleep(0.1)
    out = spawn("-c", config, "run", "--once").communicate(timeout=60)[0]
    told = [line for line in (killed + out).splitlines() if line.startswith("[sgp]")]
    # The vote was there before the first run: first seen now, whole, with all six positions, once.
    assert [t.split(": Motie")[0] for t in told] == ["[sgp] aangenomen, 45 voor – 38 tegen"]


def test_a_fractie_renamed_between_the_vote_and_today_is_still_followed_by_either_name(tk, write_config, watcher_cli):
    # GroenLinks-PvdA is PRO since 2026-06-09 (ODP #186): the same Fractie entity, renamed. The vote and its
    # positions carry the name the fractie had then; a rule on the new name follows it, the alert says the old.
    import json
    fracties = json.loads((ODATA / "fractie__page_value_array.json").read_text())
    glpvda = next(r for r in fracties if r["Afkorting"] == "GroenLinks-PvdA")
    tk.put_entity("Fractie", glpvda["Id"], {"afkorting": glpvda["Afkorting"], "naamNl": glpvda["NaamNL"]})
    besluit, template = recorded_vote()
    for actor in besluit["Zaak"][0]["ZaakActor"]:
        if actor["ActorFractie"] == "GroenLinks-PvdA":
            actor["Fractie_Id"] = glpvda["Id"]
    config = _setup(tk, write_config, watcher_cli)
    tk.add(_motie_document(tk, besluit))
    tk.put("Besluit", besluit)
    tk.put("Stemming", dict(template, Besluit_Id=besluit["Id"]))  # the recorded row: GroenLinks-PvdA, 25, voor
    watcher_cli("-c", config, "run", "--once")
    tk.put_entity("Fractie", glpvda["Id"], {"afkorting": "PRO", "naamNl": "PRO"})  # the rename
    renamed = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                           [{"name": "pro", "parties": ["PRO"]}, {"name": "oud", "parties": ["GroenLinks-PvdA"]}],
                           state_dir=str(config.parent / "state"))
    watcher_cli("-c", renamed, "run", "--once")
    tk.put("Stemming", position(template, "SGP", "Tegen", 3) | {"Besluit_Id": besluit["Id"]})
    out = watcher_cli("-c", renamed, "run", "--once")[1]
    assert [h.split(": Motie")[0] for h in headlines(out)] == [
        "[oud] aangenomen: uitslag gecorrigeerd, nu 25 voor – 3 tegen",
        "[pro] aangenomen: uitslag gecorrigeerd, nu 25 voor – 3 tegen"]
    pro = out.split("[pro]")[1]
    assert "waarom: partij PRO" in pro and "~ GroenLinks-PvdA: voor" in pro  # the name the vote has
    # `watcher check` knows both names now, and the one nobody uses it names with the nearest.
    code, _, err = watcher_cli("-c", write_config(
        [{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
        [{"name": "a", "parties": ["PRO", "GroenLinks-PvdA", "GL-PvdA"]}], state_dir=str(config.parent / "state")),
        "check")
    assert code == 2 and "parties[2]: unknown party 'GL-PvdA' (did you mean 'GroenLinks-PvdA'" in err, err
    assert "parties[0]" not in err and "parties[1]" not in err


def test_no_more_about_a_document_silences_its_vote_too(tk, write_config, watcher_cli):
    """A chat tapped "Niet meer over dit document" under the motie: the other subscribers hear of its vote, that
    chat does not."""
    from pathlib import Path

    from watcher.watchlists import subscribers as subs
    from watcher.store import open_store
    besluit, _ = recorded_vote()
    config = _setup(tk, write_config, watcher_cli)
    state = Path(config).parent / "state"
    with open_store(state) as store:
        subs.save(store, 77, {"started": True, "keywords": ["Westerwolde"]})
        store.flush()
    tk.add(_motie_document(tk, besluit))
    assert "[chat 77] nieuw: Motie (gewijzigd/nader) 2025D06779" in headlines(watcher_cli("-c", config, "run",
                                                                                          "--once")[1])
    with open_store(state) as store:
        subs.save(store, 77, {**subs.state(store, 77), "muted": ["2025D06779"]})
        store.flush()
    tk.put("Besluit", besluit)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == [
        "[asiel] aangenomen: Motie (gewijzigd/nader) 2025D06779",
        "[dossier] aangenomen: Motie (gewijzigd/nader) 2025D06779",
        "[sgp] aangenomen: Motie (gewijzigd/nader) 2025D06779"]
