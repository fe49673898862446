"""The agenda: a debate about a followed dossier scheduled, moved and cancelled, over the loopback
Gegevensmagazijn (the Activiteit rows are built from the recorded $metadata, their Agendapunt and Zaak
are recorded: tests/fakes/tk.py `activity`)."""

import copy
import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from tests.fakes.tk import activity, meeting_state
from tests.killing import outputs_killed_at_each_step
from watcher.news import agenda
from watcher.news.agenda import AMSTERDAM

A = "ac7e0000-0000-4000-8000-00000000a001"
B = "ac7e0000-0000-4000-8000-00000000b002"


def headlines(out):
    return sorted(line for line in out.splitlines() if line.startswith("["))


def _config(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "dossier", "dossiers": ["30950"]}, {"name": "ander", "dossiers": ["36600"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    return config


@pytest.mark.parametrize("new_first", [False, True])  # the moved debate's two rows, in either order
def test_a_debate_is_scheduled_moved_and_cancelled_one_alert_each(new_first, tk, write_config, watcher_cli):
    config = _config(tk, write_config, watcher_cli)
    first = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
    then = first + timedelta(days=7, hours=3)
    tk.put("Activiteit", activity(A, first))
    out = watcher_cli("-c", config, "run", "--once")[1]
    want = _when(activity(A, first))
    assert headlines(out) == [f"[dossier] gepland: commissiedebat {want}: Commissiedebat {activity(A, first)['Nummer']}"]
    assert "waar: Thorbeckezaal" in out and "commissie: vaste commissie voor Binnenlandse Zaken" in out
    assert "details?id=" in out  # where it is shown live
    moved = [("Activiteit", activity(A, first, status="Verplaatst", VervangenDoor=[{"Id": B}])),
             ("Activiteit", activity(B, then, VervangenVanuit=[{"Id": A}]))]
    for entity, row in (reversed(moved) if new_first else moved):
        tk.put(entity, row)
    out = watcher_cli("-c", config, "run", "--once")[1]
    new_when = _when(activity(B, then))
    assert [h.split(": Commissiedebat")[0] for h in headlines(out)] == [
        f"[dossier] verplaatst: commissiedebat van {want} naar {new_when}"]
    tk.put("Activiteit", activity(B, then, status="Geannuleerd", VervangenVanuit=[{"Id": A}]))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(": Commissiedebat")[0] for h in headlines(out)] == [
        f"[dossier] geannuleerd: commissiedebat van {new_when}"]
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # each told once


def test_a_new_time_for_the_same_activiteit_is_a_move(tmp_path):
    start = datetime(2026, 12, 8, 10, 0)
    state, event = agenda.decide(meeting_state(tmp_path / "a", activity(A, start)), None, date(2026, 12, 1))
    assert event.headline == "gepland: commissiedebat dinsdag 8 december 2026, 10:00–12:00"
    later = meeting_state(tmp_path / "b", activity(A, start.replace(hour=13)), told=state["told"])
    state, event = agenda.decide(later, None, date(2026, 12, 1))
    assert event.headline == ("verplaatst: commissiedebat van dinsdag 8 december 2026, 10:00–12:00 naar "
                              "dinsdag 8 december 2026, 13:00–15:00")
    assert agenda.decide(state, None, date(2026, 12, 1))[1] is None


def test_past_and_already_cancelled_meetings_are_not_announced(tmp_path):
    start = datetime(2026, 11, 20, 10, 0)
    assert agenda.decide(meeting_state(tmp_path / "a", activity(A, start)), None, date(2026, 12, 1))[1] is None
    future = datetime(2026, 12, 20, 10, 0)
    cancelled = meeting_state(tmp_path / "b", activity(A, future, status="Geannuleerd"))
    assert agenda.decide(cancelled, None, date(2026, 12, 1))[1] is None


def test_who_asked_for_it_is_reminded_the_day_before_once(tk, write_config, watcher_cli, monkeypatch):
    import watcher.engine.cycle
    now = [datetime.now(timezone.utc)]
    monkeypatch.setattr(watcher.engine.cycle, "utcnow", lambda: now[0])
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "herinner", "dossiers": ["30950"], "agenda": "reminder"},
                           {"name": "zonder", "dossiers": ["30950"]}])
    watcher_cli("-c", config, "run", "--once")
    start = (now[0].astimezone(AMSTERDAM) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0,
                                                                      tzinfo=None)
    tk.put("Activiteit", activity(A, start))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(":")[0] for h in headlines(out)] == ["[herinner] gepland", "[zonder] gepland"]
    now[0] += timedelta(days=1)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # two days before: not yet
    now[0] += timedelta(days=1)
    out = watcher_cli("-c", config, "run", "--once")[1]  # a cycle that polls nothing new
    assert [h.split(": Commissiedebat")[0] for h in headlines(out)] == [
        f"[herinner] morgen: commissiedebat {_when(activity(A, start))}"]
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # once


def test_an_unknown_agenda_setting_is_named_with_its_place(write_config, watcher_cli):
    config = write_config([], [{"name": "x", "dossiers": ["30950"], "agenda": "herinnering"}])
    code, out, err = watcher_cli("-c", config, "check")
    assert code != 0 and "subscribers[0].agenda" in err and "expected reminder" in err, err


def test_a_sigkill_between_the_steps_of_a_debate_neither_loses_nor_repeats_its_alerts(tk, write_config, spawn,
                                                                                        tmp_path):
    rng = random.Random(20261203)
    first = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
    for trial in range(4):
        a, b = f"ac7e0000-0000-4000-8000-0000000a{trial:04d}", f"ac7e0000-0000-4000-8000-0000000b{trial:04d}"
        config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                              [{"name": "dossier", "dossiers": ["30950"]}], state_dir=str(tmp_path / f"state{trial}"))
        assert spawn("-c", config, "run", "--once").wait(timeout=60) == 0
        steps = [lambda: tk.put("Activiteit", activity(a, first)),
                 lambda: (tk.put("Activiteit", activity(a, first, status="Verplaatst", VervangenDoor=[{"Id": b}])),
                          tk.put("Activiteit", activity(b, first + timedelta(days=1), VervangenVanuit=[{"Id": a}]))),
                 lambda: tk.put("Activiteit", activity(b, first + timedelta(days=1), status="Geannuleerd",
                                                       VervangenVanuit=[{"Id": a}]))]
        outputs = outputs_killed_at_each_step(spawn, config, steps, rng, longest=1.0)
        told = Counter(line.split(":")[0] for out in outputs for line in out.splitlines() if line.startswith("["))
        assert set(told) == {"[dossier] gepland", "[dossier] verplaatst", "[dossier] geannuleerd"}, (trial, told)
        assert all(n <= 2 for n in told.values()), (trial, told)


def _when(row: dict) -> str:
    return agenda.when({"aanvang": row["Aanvangstijd"], "eind": row["Eindtijd"]})


def test_a_move_whose_new_meeting_comes_a_cycle_later_is_told_then_with_its_new_date(tk, write_config, watcher_cli):
    # The feed links a move only from the new meeting to the old: until the new one is there, nothing says
    # when, so the move is told at once without its date and once more with it.
    config = _config(tk, write_config, watcher_cli)
    first = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
    then = first + timedelta(days=2)
    tk.put("Activiteit", activity(A, first))
    watcher_cli("-c", config, "run", "--once")
    tk.put("Activiteit", activity(A, first, status="Verplaatst"))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(": Commissiedebat")[0] for h in headlines(out)] == [
        f"[dossier] verplaatst: commissiedebat van {_when(activity(A, first))}, nieuwe datum nog niet bekend"]
    tk.put("Activiteit", activity(B, then, VervangenVanuit=[{"Id": A}]))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(": Commissiedebat")[0] for h in headlines(out)] == [
        f"[dossier] verplaatst: commissiedebat van {_when(activity(A, first))} naar {_when(activity(B, then))}"]
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []


AGENDA_NEWS = yaml.safe_load((Path(__file__).parent / "cases" / "agenda_news.yaml").read_text())


def _meeting(**fields) -> dict:
    return {**copy.deepcopy(AGENDA_NEWS["base"]), **fields}


@pytest.mark.parametrize("case", AGENDA_NEWS["cases"], ids=[c["name"] for c in AGENDA_NEWS["cases"]])
def test_what_a_meeting_tells_as_it_changes(case):
    state = None
    for step in case["steps"]:
        told = state["told"] if state else {}
        state, event = agenda.decide({**_meeting(**step["state"]), "told": copy.deepcopy(told)}, None,
                                     date.fromisoformat(str(step["today"])))
        assert (event.headline if event else "") == step["told"], step


@pytest.mark.parametrize("case", AGENDA_NEWS["reminders"], ids=[c["name"] for c in AGENDA_NEWS["reminders"]])
def test_the_reminder_is_due_the_day_before_by_the_kamers_day(case):
    announced, _ = agenda.decide({**_meeting(**{k: v for k, v in case["state"].items() if k != "status"}), "told": {}},
                                 None, date(2026, 7, 1))
    state = {**announced, **case["state"]}
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    assert agenda.reminder(state, agenda.kamer_day(now)) == case["told"]


def test_a_move_shows_and_links_the_meeting_it_moved_to():
    state, _ = agenda.decide({**_meeting(), "told": {}}, None, date(2026, 12, 1))
    moved = {**state, "status": "Verplaatst", "vervangen_door": ["b"]}
    replacement = _meeting(nummer="2026A05678", aanvang="2026-12-15T10:00:00+01:00", eind="2026-12-15T12:00:00+01:00",
                           datum="2026-12-15T00:00:00+01:00", vervangt=["a"])
    _, event = agenda.decide(moved, replacement, date(2026, 12, 2))
    assert event.headline.endswith("naar dinsdag 15 december 2026, 10:00–12:00")
    assert agenda.link(event.shown).endswith("id=2026A05678")


def test_a_meeting_time_sent_in_utc_is_shown_as_amsterdams():
    state = {"aanvang": "2026-12-08T09:00:00Z", "eind": "2026-12-08T11:00:00+00:00"}
    assert agenda.when(state) == "dinsdag 8 december 2026, 10:00–12:00"
    late = {"aanvang": "2026-12-08T23:30:00Z"}
    assert agenda.when(late).startswith("woensdag 9 december 2026, 00:30")
