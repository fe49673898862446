"""The agenda: a debate about a followed dossier scheduled, moved and cancelled, over the loopback
Gegevensmagazijn (the Activiteit rows are built from the recorded $metadata, their Agendapunt and Zaak
are recorded: tests/fakes/tk.py `activity`)."""

from datetime import date, datetime, timedelta

import pytest

from tests.fakes.tk import activity
from watcher import agenda

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
    want = agenda.when({"aanvang": activity(A, first)["Aanvangstijd"], "eind": activity(A, first)["Eindtijd"]})
    assert headlines(out) == [f"[dossier] gepland: commissiedebat {want}: Commissiedebat {activity(A, first)['Nummer']}"]
    assert "waar: Thorbeckezaal" in out and "commissie: vaste commissie voor Binnenlandse Zaken" in out
    assert "details?id=" in out  # where it is shown live
    moved = [("Activiteit", activity(A, first, status="Verplaatst", VervangenDoor=[{"Id": B}])),
             ("Activiteit", activity(B, then, VervangenVanuit=[{"Id": A}]))]
    for entity, row in (reversed(moved) if new_first else moved):
        tk.put(entity, row)
    out = watcher_cli("-c", config, "run", "--once")[1]
    new_when = agenda.when({"aanvang": activity(B, then)["Aanvangstijd"], "eind": activity(B, then)["Eindtijd"]})
    assert [h.split(": Commissiedebat")[0] for h in headlines(out)] == [
        f"[dossier] verplaatst: commissiedebat van {want} naar {new_when}"]
    tk.put("Activiteit", activity(B, then, status="Geannuleerd", VervangenVanuit=[{"Id": A}]))
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(": Commissiedebat")[0] for h in headlines(out)] == [
        f"[dossier] geannuleerd: commissiedebat van {new_when}"]
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # each told once


def test_a_new_time_for_the_same_activiteit_is_a_move():
    start = datetime(2026, 12, 8, 10, 0)
    state, event = agenda.decide(agenda.fold(None, activity(A, start)), None, date(2026, 12, 1))
    assert event.headline == "gepland: commissiedebat dinsdag 8 december 2026, 10:00–12:00"
    state, event = agenda.decide(agenda.fold(state, activity(A, start.replace(hour=13))), None, date(2026, 12, 1))
    assert event.headline == ("verplaatst: commissiedebat van dinsdag 8 december 2026, 10:00–12:00 naar "
                              "dinsdag 8 december 2026, 13:00–15:00")
    assert agenda.decide(state, None, date(2026, 12, 1))[1] is None


def test_past_and_already_cancelled_meetings_are_not_announced():
    start = datetime(2026, 11, 20, 10, 0)
    assert agenda.decide(agenda.fold(None, activity(A, start)), None, date(2026, 12, 1))[1] is None
    future = datetime(2026, 12, 20, 10, 0)
    assert agenda.decide(agenda.fold(None, activity(A, future, status="Geannuleerd")), None, date(2026, 12, 1))[1] is None
