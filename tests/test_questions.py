"""Written questions as the store knows them: which are open, since when, when the answer is due, which are
overdue (`watcher questions`)."""

import copy
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.fakes.tk import answer_with_askers_on_the_zaak
from watcher.news.questions import Question, open_report
from watcher.store import open_store

TODAY = date.today()


def _document(soort: str, zaak: str, days_ago: int, askers=(("I. Kahraman", "NSC"),), onderwerp="over iets"):
    """A Document row in the recorded shape (2025D43150 with its zaak and ZaakActors), as another soort,
    zaak and date: the Soort values are the API's (openkamer/tkapi DocumentSoort)."""
    row = copy.deepcopy(answer_with_askers_on_the_zaak())
    row["Id"] = str(uuid.uuid4())
    row["DocumentNummer"] = f"2026D{abs(hash((soort, zaak))) % 100000:05d}"
    row["Soort"] = soort
    row["Onderwerp"] = onderwerp
    row["Datum"] = (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%dT00:00:00+01:00")
    z = row["Zaak"][0]
    z["Id"], z["Nummer"], z["Soort"], z["Onderwerp"] = str(uuid.uuid4()), zaak, "Schriftelijke vragen", onderwerp
    # Each zaak its own actors: in the SyncFeed an actor is one entity, of one zaak.
    z["ZaakActor"] = [dict(z["ZaakActor"][0], Id=str(uuid.uuid4()), ActorNaam=name, ActorFractie=party,
                           Relatie="Indiener" if i == 0 else "Medeindiener") for i, (name, party) in enumerate(askers)]
    row["DocumentActor"] = [dict(a, Id=str(uuid.uuid4())) for a in row["DocumentActor"]]
    return row


@pytest.mark.parametrize("store", ["sqlite", "tinydb"])
def test_the_open_questions_overdue_first_with_their_due_dates(store, tk, write_config, watcher_cli):
    rows = [
        _document("Schriftelijke vragen", "2026Z00001", 30, onderwerp="Vragen over de AOW"),  # overdue since day 21
        _document("Schriftelijke vragen", "2026Z00002", 10, (("D.G.M. Ceder", "ChristenUnie"),), "Vragen over Syrië"),
        _document("Schriftelijke vragen", "2026Z00003", 30, (("C. Stoffer", "SGP"),), "Vragen over de visserij"),
        _document("Mededeling (uitstel antwoord)", "2026Z00003", 20),  # due at 42 days: not overdue
        _document("Schriftelijke vragen", "2026Z00004", 40, onderwerp="Beantwoorde vragen"),
        _document("Antwoord schriftelijke vragen", "2026Z00004", 5),
        _document("Antwoord schriftelijke vragen", "2026Z00005", 3),  # an answer whose question we never saw
    ]
    for row in rows:
        tk.add(row, fresh=False)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": "2020-01-01"}], store=store)
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # a silent backfill stores them
    code, out, err = watcher_cli("-c", config, "questions")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "3 open written questions (1 overdue), of 5 the store knows"
    assert lines[1].startswith("  2026Z00001 OVERDUE: asked ") and ", 30 days open, due " in lines[1]
    assert lines[2] == "      I. Kahraman (NSC): Vragen over de AOW"
    assert lines[3].startswith("  2026Z00003 open: ") and "1 delay notice" in lines[3]
    assert lines[5].startswith("  2026Z00002 open: ") and ", 10 days open" in lines[5]
    assert "2026Z00004" not in out and "2026Z00005" not in out  # answered
    code, out, _ = watcher_cli("-c", config, "questions", "--member", "Ceder")
    assert out.splitlines()[0] == "1 open written questions of Ceder (0 overdue), of 5 the store knows"
    code, out, _ = watcher_cli("-c", config, "questions", "--party", "SGP")
    assert "2026Z00003" in out and "2026Z00001" not in out
    code, out, _ = watcher_cli("-c", config, "status")
    assert "open written questions: 3 (1 overdue; `watcher questions` lists them)" in out


@pytest.mark.parametrize("asked,delays,today,overdue", [
    (0, 0, 21, False),  # due on day 21: not late yet
    (0, 0, 22, True),
    (0, 1, 42, False),  # a delay notice: three weeks more
    (0, 1, 43, True),
    (0, 2, 63, False),
])
def test_an_answer_is_due_three_weeks_after_the_question_and_three_more_per_delay(asked, delays, today, overdue):
    start = date(2026, 1, 5)
    q = Question("2026Z1", asked_on=start + timedelta(days=asked), delays=[start] * delays)
    assert q.overdue(start + timedelta(days=today)) is overdue
    assert open_report([q], start + timedelta(days=today)) == [q]


def test_an_answered_or_undated_question_is_never_overdue():
    answered = Question("2026Z1", asked_on=date(2026, 1, 1), answers=[("2026D1", date(2026, 3, 1))])
    undated = Question("2026Z2")  # an answer alone: when it was asked is unknown
    future = Question("2026Z3", asked_on=TODAY + timedelta(days=3))  # a date in the future
    assert not answered.overdue(TODAY) and not undated.overdue(TODAY)
    assert open_report([answered, undated, future], TODAY) == []


def headlines(out):
    return [line for line in out.splitlines() if line.startswith("[")]


def test_a_question_asked_delayed_and_answered_is_told_to_who_follows_it(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "aow", "keywords": ["AOW"]}, {"name": "ceder", "members": ["Ceder"]}])
    watcher_cli("-c", config, "run", "--once")  # starts now
    question = _document("Schriftelijke vragen", "2026Z00010", 0, (("D.G.M. Ceder", "ChristenUnie"),),
                         "Vragen over de AOW")
    tk.add(question, fresh=False)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert sorted(h.split(":")[0] for h in headlines(out)) == ["[aow] nieuw", "[ceder] nieuw"]
    # Restarts between the steps: each `run --once` is a new process's worth of state.
    tk.add(_document("Mededeling (uitstel antwoord)", "2026Z00010", 0, onderwerp="Uitstel"), fresh=False)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert "[aow] uitstel: antwoord nu verwacht uiterlijk" in out  # follows the question, not the notice's words
    answer = _document("Antwoord schriftelijke vragen", "2026Z00010", 0, onderwerp="Antwoord over pensioenen")
    answer["Datum"] = question["Datum"]
    tk.add(answer, fresh=False)
    out = watcher_cli("-c", config, "run", "--once")[1]
    told = headlines(out)
    assert sorted(h.split(":")[0] for h in told) == ["[aow] beantwoord na 0 dagen (termijn 42)",
                                                     "[ceder] beantwoord na 0 dagen (termijn 42)"]
    assert "u volgt deze vraag" in out  # why `aow` hears of an answer its rules do not match
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # told once


@pytest.mark.parametrize("store", ["sqlite", "tinydb"])  # the question's state lives on from run to run in both
def test_a_question_past_its_term_is_told_once_by_the_clock_and_then_answered_late(store, tk, write_config,
                                                                                  watcher_cli, monkeypatch):
    import watcher.engine.cycle
    now = [datetime.now(timezone.utc)]
    monkeypatch.setattr(watcher.engine.cycle, "utcnow", lambda: now[0])
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "aow", "keywords": ["AOW"]}],
                          store=store)
    watcher_cli("-c", config, "run", "--once")
    question = _document("Schriftelijke vragen", "2026Z00011", 0, onderwerp="Vragen over de AOW")
    tk.add(question, fresh=False)
    assert len(headlines(watcher_cli("-c", config, "run", "--once")[1])) == 1
    now[0] += timedelta(days=21)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # due today: not late yet
    now[0] += timedelta(days=1)
    out = watcher_cli("-c", config, "run", "--once")[1]  # a cycle that polls nothing new
    assert headlines(out) == ["[aow] termijn verstreken: 22 dagen zonder antwoord (termijn 21): "
                              f"Schriftelijke vragen {question['DocumentNummer']}"]
    now[0] += timedelta(days=5)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # raised once, never twice
    answer = _document("Antwoord schriftelijke vragen", "2026Z00011", 0, onderwerp="Antwoord")
    answer["Datum"] = (datetime.fromisoformat(question["Datum"]) + timedelta(days=27)).isoformat()
    tk.add(answer, fresh=False)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(":")[0] for h in headlines(out)] == ["[aow] alsnog beantwoord na 27 dagen (termijn 21)"]


@pytest.mark.parametrize("rows,expect", [
    # A delay notice, or an answer, for a zaak we never saw: alerted as what they are, no story, no count.
    ([("Mededeling (uitstel antwoord)", 0)], ["[aow] nieuw"]),
    ([("Antwoord schriftelijke vragen", 0)], ["[aow] nieuw"]),
    # Two answers: the second is a further answer.
    ([("Schriftelijke vragen", 0), ("Antwoord schriftelijke vragen", 0), ("Antwoord schriftelijke vragen (nader)", 0)],
     ["[aow] nieuw", "[aow] beantwoord na 0 dagen (termijn 21)", "[aow] nader antwoord"]),
    # An answer dated before its question: no count of days to get wrong.
    ([("Schriftelijke vragen", 0), ("Antwoord schriftelijke vragen", 5)], ["[aow] nieuw", "[aow] beantwoord"]),
    # A question dated in the future (a data error): not overdue, and its answer counts nothing negative.
    ([("Schriftelijke vragen", -30), ("Antwoord schriftelijke vragen", 0)], ["[aow] nieuw", "[aow] beantwoord"]),
])
def test_odd_question_data_is_handled_without_a_false_count(rows, expect, tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "aow", "keywords": ["AOW"]}])
    watcher_cli("-c", config, "run", "--once")
    told = []
    for soort, days_ago in rows:
        tk.add(_document(soort, "2026Z00012", days_ago, onderwerp=f"{soort} over de AOW"), fresh=False)
        code, out, err = watcher_cli("-c", config, "run", "--once")
        assert code == 0 and "Traceback" not in err, err
        told += [h.split(":")[0] for h in headlines(out)]
    assert told == expect


def test_a_sigkilled_cycle_raising_termijn_verstreken_neither_loses_nor_repeats_it(tk, write_config, spawn, tmp_path):
    # Asked 25 days ago and new to us: the one cycle stores it, alerts it, and raises "termijn verstreken".
    import random
    import signal
    import time
    from collections import Counter

    rng = random.Random(20261201)
    question = _document("Schriftelijke vragen", "2026Z00020", 25, onderwerp="Vragen over de AOW")
    tk.add(question, fresh=False)
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for trial in range(6):
        state = tmp_path / f"state{trial}"
        config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since,
                                "backfill_alerts": True}],
                              [{"name": "aow", "keywords": ["AOW"]}], state_dir=str(state))
        outputs = []
        if trial:
            proc = spawn("-c", config, "run", "--once")
            time.sleep(rng.uniform(0.05, 2.0))
            proc.send_signal(signal.SIGKILL)
            outputs.append(proc.communicate(timeout=60)[0])
        for _ in range(2):  # then to the end, and once more
            proc = spawn("-c", config, "run", "--once")
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            outputs.append(out)
        told = Counter(line.split(":")[0] for out in outputs for line in out.splitlines() if line.startswith("[aow]"))
        # Printed once each; a kill between printing and marking may print one twice (never lose it).
        assert set(told) == {"[aow] nieuw", "[aow] termijn verstreken"}, (trial, told)
        assert all(n <= 2 for n in told.values()), (trial, told)
        with open_store(state, readonly=True) as store:
            ids = [a.id for a in store.pending_alerts()]
            assert ids == [] and store.question("2026Z00020")["told"] == ["overdue"]


@pytest.mark.parametrize("text,reason", [
    ("Hierbij deel ik u mee dat de vragen niet binnen de gebruikelijke termijn kunnen worden beantwoord. "
     "De reden van het uitstel is dat afstemming met andere departementen nodig is. Ik streef ernaar ze "
     "zo spoedig mogelijk te beantwoorden.",
     "De reden van het uitstel is dat afstemming met andere departementen nodig is."),
    ("De vragen kunnen niet binnen de termijn worden beantwoord, omdat informatie moet worden opgevraagd bij de "
     "politie.", "De vragen kunnen niet binnen de termijn worden beantwoord, omdat informatie moet worden "
     "opgevraagd bij de politie."),
    ("Ik zal de vragen zo spoedig mogelijk beantwoorden.", ""),
])
def test_a_delay_notice_is_quoted_for_its_reason(text, reason):
    from watcher.news.questions import delay_reason, observe
    assert delay_reason(text) == reason
    state, event = observe({"question": "2026D1", "asked_on": "2026-01-05"}, "2026D2", "Mededeling (uitstel antwoord)",
                           "2026-01-20", text)
    assert event.startswith("uitstel: antwoord nu verwacht uiterlijk 16 februari 2026")
    assert event.endswith(f"“{reason}”") if reason else "“" not in event


def test_an_answer_to_a_question_from_before_watcher_counts_its_days_from_the_zaak(tk, write_config, watcher_cli):
    # The question was put before watcher started: its zaak's GestartOp (in the recorded Zaak rows) says when.
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "aow", "keywords": ["AOW"]}])
    watcher_cli("-c", config, "run", "--once")
    answer = _document("Antwoord schriftelijke vragen", "2026Z00030", 0, onderwerp="Antwoord over de AOW")
    answer["Zaak"][0]["GestartOp"] = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%dT00:00:00+01:00")
    tk.add(answer, fresh=False)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(":")[0] for h in headlines(out)] == ["[aow] alsnog beantwoord na 30 dagen (termijn 21)"]


def test_a_question_read_by_a_silent_backfill_is_known_when_its_answer_comes(tk, write_config, watcher_cli):
    # The engine records a question's life before it leaves a silent backfill's documents untold
    # (engine/documents.py): its answer is told as the answer it is, its days counted from the question. (Here
    # the zaak does not say when it started, so only the question's own date can.)
    question = _document("Schriftelijke vragen", "2026Z00040", 10, onderwerp="Vragen over de AOW")
    answer = _document("Antwoord schriftelijke vragen", "2026Z00040", 0, onderwerp="Antwoord over de AOW")
    for row in (question, answer):
        row["Zaak"][0]["GestartOp"] = None
    tk.add(question, fresh=False)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": "2020-01-01"}],
                          [{"name": "aow", "keywords": ["AOW"]}])
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # stored, not alerted
    tk.add(answer, fresh=False)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(":")[0] for h in headlines(out)] == ["[aow] beantwoord na 10 dagen (termijn 21)"]


def _clocked(monkeypatch):
    import watcher.engine.cycle
    now = [datetime.now(timezone.utc)]
    monkeypatch.setattr(watcher.engine.cycle, "utcnow", lambda: now[0])
    return now


def test_a_withdrawn_question_is_told_once_and_never_falls_due(tk, write_config, watcher_cli, monkeypatch):
    # A withdrawal has no Soort of its own: a "Mededeling" whose Onderwerp says the questions are withdrawn
    # (how OpenTK's open-vragen table closes a question). An ordinary Mededeling on the zaak is no withdrawal.
    now = _clocked(monkeypatch)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "aow", "keywords": ["AOW"]}])
    watcher_cli("-c", config, "run", "--once")
    tk.add(_document("Schriftelijke vragen", "2026Z00040", 0, onderwerp="Vragen over de AOW"), fresh=False)
    assert [h.split(":")[0] for h in headlines(watcher_cli("-c", config, "run", "--once")[1])] == ["[aow] nieuw"]
    tk.add(_document("Mededeling", "2026Z00040", 0, onderwerp="Mededeling over de planning van de commissie"),
           fresh=False)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # not the question's news, nor a match
    tk.add(_document("Mededeling", "2026Z00040", 0,
                     onderwerp="Mededeling van het lid Kahraman over het intrekken van zijn schriftelijke vragen"),
           fresh=False)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(":")[0] for h in headlines(out)] == ["[aow] ingetrokken"]
    assert "u volgt deze vraag" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # told once
    now[0] += timedelta(days=30)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # closed: never "termijn verstreken"
    report = watcher_cli("-c", config, "questions")[1]
    assert report.startswith("0 open written questions (0 overdue), of 1 the store knows"), report


def test_a_question_known_only_from_its_delay_notice_still_falls_due(tk, write_config, watcher_cli, monkeypatch):
    # The question came before watcher: its zaak's GestartOp dates it, and its delay notice (the one
    # document of it we have) is what the overdue alert is about.
    now = _clocked(monkeypatch)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "aow", "keywords": ["AOW"]}])
    watcher_cli("-c", config, "run", "--once")
    notice = _document("Mededeling (uitstel antwoord)", "2026Z00050", 0, onderwerp="Uitstel vragen over de AOW")
    started = now[0] - timedelta(days=25)
    notice["Zaak"][0]["GestartOp"] = started.strftime("%Y-%m-%dT00:00:00+01:00")
    tk.add(notice, fresh=False)
    from watcher.alerts.alert import dutch_date
    due = dutch_date((started.date() + timedelta(days=42)).isoformat())
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(":")[0] for h in headlines(out)] == ["[aow] uitstel"]
    assert f"antwoord nu verwacht uiterlijk {due}" in out
    now[0] += timedelta(days=18)  # 43 days after the start, past the 42 a delay gives
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[aow] termijn verstreken: 43 dagen zonder antwoord (termijn 42): "
                              f"Mededeling (uitstel antwoord) {notice['DocumentNummer']}"]
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []


@pytest.mark.parametrize("first,then,late", [
    ("Schriftelijke vragen", "Mondelinge vragen", False),  # corrected away: no question to be late with
    ("Brief regering", "Schriftelijke vragen", True),  # corrected to one: from then on a question
])
def test_a_zaak_that_changes_soort_is_late_only_while_it_is_a_written_question(first, then, late, tk, write_config,
                                                                               watcher_cli, monkeypatch):
    # A Zaak's change reaches us with its documents (the listing is of Documents, the Zaak expanded): the
    # question row is sent again with the zaak's new Soort, as a data fix re-sends it.
    now = _clocked(monkeypatch)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "aow", "keywords": ["AOW"]}])
    watcher_cli("-c", config, "run", "--once")
    question = _document("Schriftelijke vragen", "2026Z00060", 0, onderwerp="Vragen over de AOW")
    question["Zaak"][0]["Soort"] = first
    tk.add(question, fresh=False)
    assert [h.split(":")[0] for h in headlines(watcher_cli("-c", config, "run", "--once")[1])] == ["[aow] nieuw"]
    question["Zaak"][0]["Soort"] = then
    tk.add(question, fresh=False)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0 and headlines(out) == [], err  # the same document: not told again
    now[0] += timedelta(days=22)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert [h.split(":")[0] for h in headlines(out)] == (["[aow] termijn verstreken"] if late else [])


def test_no_more_about_a_question_silences_its_overdue_alert(tk, write_config, watcher_cli, monkeypatch):
    import watcher.engine.cycle
    from pathlib import Path

    from watcher.watchlists import subscribers as subs
    now = [datetime.now(timezone.utc)]
    monkeypatch.setattr(watcher.engine.cycle, "utcnow", lambda: now[0])
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "aow", "keywords": ["AOW"]}])
    watcher_cli("-c", config, "run", "--once")
    with open_store(Path(config).parent / "state") as stored:
        subs.save(stored, 77, {"started": True, "keywords": ["AOW"]})
        stored.flush()
    question = _document("Schriftelijke vragen", "2026Z00011", 0, onderwerp="Vragen over de AOW")
    tk.add(question, fresh=False)
    assert len(headlines(watcher_cli("-c", config, "run", "--once")[1])) == 2  # aow and chat 77
    with open_store(Path(config).parent / "state") as stored:
        subs.save(stored, 77, {**subs.state(stored, 77), "muted": [question["DocumentNummer"]]})
        stored.flush()
    now[0] += timedelta(days=22)
    assert [h.split("]")[0] for h in headlines(watcher_cli("-c", config, "run", "--once")[1])] == ["[aow"]
