"""Toezeggingen: a promise made in a debate, its date passing and its being marked done, each told once, read
from the loopback SyncFeed. The entity is written as the Kamer's schema has it (tests/fixtures/tk/xsd/
tkData-v1-0-toezegging.xsd) with the nested toegezegdAan of 2026 as the real fragment shows it
(tests/fixtures/tk/syncfeed/real_toezegging_fa9b16b4_toegezegdAan__ODP180__ELIDED.xml.txt)."""

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from watcher.news import toezeggingen

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "toezeggingen.yaml").read_text())
PERSOON, FRACTIE, DEBAT = "d12a0d24-8a15-4a2a-8b9d-97e91ac9ac3f", "0208097d-ef04-438a-8c29-eebb84956204", \
    "ac7e0000-0000-4000-8000-00000000c003"
PROMISE = "fa9b16b4-ef85-443a-8737-000eada4a50e"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_what_a_toezegging_is_news_of(case):
    state = {**case["state"], "told": dict(case["told"] or {})}
    today = date.fromisoformat(case["today"])
    state, event = toezeggingen.decide(state, today, old=case.get("old", False))
    assert (event.headline if event else None) == case["event"]
    if "then" in case:  # and nothing more on the same state, the next cycle
        assert toezeggingen.decide(state, today)[1] is None


def headlines(out):
    return sorted(line.split(": ", 1)[0] for line in out.splitlines() if line.startswith("["))


def _clocked(monkeypatch):
    import watcher.engine.cycle
    now = [datetime.now(timezone.utc)]
    monkeypatch.setattr(watcher.engine.cycle, "utcnow", lambda: now[0])
    return now


def _promise(tk, due: str, status: str = "Openstaand", **fields):
    tk.put_entity("Toezegging", PROMISE, {
        "aanmaakdatum": "2026-12-03T14:00:00", "nummer": "TZ202612-001", "activiteitNummer": "2026A07001",
        "naam": "Veldkamp", "achternaam": "Veldkamp", "initialen": "C.C.J.", "voornaam": "Caspar",
        "functie": "minister van Buitenlandse Zaken", "status": status, "datumNakoming": due,
        "ministerie": "Buitenlandse Zaken",
        "tekst": "De minister stuurt de Kamer voor het zomerreces een brief over de export van "
                 "surveillancetechnologie naar Xinjiang.", **fields},
        {"toegezegdAan.persoon": [PERSOON], "toegezegdAan.fractie": [FRACTIE], "activiteit": [DEBAT]})


def test_a_promise_made_falling_due_and_done_is_told_once_each(tk, write_config, watcher_cli, monkeypatch):
    now = _clocked(monkeypatch)
    tk.put_entity("Persoon", PERSOON, {"initialen": "D.G.M.", "achternaam": "Ceder", "roepnaam": "Don"})
    tk.put_entity("Fractie", FRACTIE, {"afkorting": "ChristenUnie", "naamNl": "ChristenUnie"})
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "ceder", "members": ["Ceder"]}, {"name": "xinjiang", "keywords": ["Xinjiang"]},
                           {"name": "ander", "keywords": ["stikstof"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # starts now
    tk.put_entity("Activiteit", DEBAT, {"nummer": "2026A07001", "soort": "Commissiedebat",
                                        "onderwerp": "Mensenrechtenbeleid", "datum": "2026-12-03T00:00:00"})
    due = (now[0] + timedelta(days=10)).date()
    _promise(tk, due.isoformat() + "T00:00:00")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == ["[ceder] nieuwe toezegging", "[xinjiang] nieuwe toezegging"]
    assert "toegezegd door minister van Buitenlandse Zaken, Caspar Veldkamp (Buitenlandse Zaken)" in out
    assert "aan D.G.M. Ceder (ChristenUnie)" in out and "in commissiedebat Mensenrechtenbeleid" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # told once
    tk.put_entity("Toezegging", PROMISE, force=True, merge=True)  # re-stamped without change
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []
    now[0] += timedelta(days=11)  # its date passes, still open: the clock says so, in a cycle with nothing new
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[ceder] toezegging", "[xinjiang] toezegging"] and "termijn verstreken" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []
    _promise(tk, due.isoformat() + "T00:00:00", status="Afgedaan", kamerbriefNakoming="Kamerstuk 32735, nr. 400")
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[ceder] toezegging afgedaan", "[xinjiang] toezegging afgedaan"]
    assert "nagekomen met: Kamerstuk 32735, nr. 400" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []


def test_a_promise_with_no_date_is_never_late(tk, write_config, watcher_cli, monkeypatch):
    now = _clocked(monkeypatch)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "xinjiang", "keywords": ["Xinjiang"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    _promise(tk, "0001-01-01T00:00:00")  # the register's "no date"
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[xinjiang] nieuwe toezegging"] and "uiterlijk" not in out
    now[0] += timedelta(days=4000)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []


def test_the_open_toezeggingen_from_the_whole_register_longest_overdue_first(tk, write_config, watcher_cli):
    import json

    from watcher.parliament import AMSTERDAM
    today = datetime.now(AMSTERDAM).date()  # days late are counted by the Kamer's day (between 23:00 and 01:00
    # UTC it is another date in The Hague)
    tk.put_entity("Persoon", PERSOON, {"initialen": "D.G.M.", "achternaam": "Ceder"})
    tk.put_entity("Fractie", FRACTIE, {"afkorting": "ChristenUnie", "naamNl": "ChristenUnie"})
    register = [("TZ-1", 30, "Openstaand", "Justitie en Veiligheid"), ("TZ-2", -20, "Openstaand", "Financiën"),
                ("TZ-3", 60, "Afgedaan", "Justitie en Veiligheid"), ("TZ-4", None, "Openstaand", "Financiën"),
                ("TZ-5", 90, "Deels Afgedaan", "Financiën")]
    for i, (nummer, late, status, ministerie) in enumerate(register):
        when = (today - timedelta(days=late)).isoformat() + "T00:00:00" if late is not None else "0001-01-01T00:00:00"
        tk.put_entity("Toezegging", f"fa9b16b4-0000-4000-8000-00000000000{i}",
                      {"nummer": nummer, "status": status, "datumNakoming": when, "ministerie": ministerie,
                       "tekst": f"Toezegging {nummer}", "achternaam": "Minister"},
                      {"toegezegdAan.persoon": [PERSOON] if nummer == "TZ-2" else [],
                       "toegezegdAan.fractie": [FRACTIE]})
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "alles", "keywords": ["Toezegging"]}])
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == []  # the register from before the start is known, not news
    code, out, err = watcher_cli("-c", config, "toezeggingen")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "3 open toezeggingen, 1 past their date, of 5 in the register"
    assert [line.split()[0] for line in lines[1::2]] == ["TZ-1", "TZ-2", "TZ-4"]  # overdue, to come, no date
    assert "30 days late" in lines[1] and "no date" in lines[5] and "to D.G.M. Ceder (ChristenUnie)" in lines[3]
    out = watcher_cli("-c", config, "toezeggingen", "--ministerie", "justitie")[1]
    assert out.splitlines()[0].startswith("1 open toezeggingen (justitie)")
    out = watcher_cli("-c", config, "toezeggingen", "--member", "Ceder", "--json")[1]
    assert [(p["nummer"], p["dagen_over_tijd"]) for p in json.loads(out)] == [("TZ-2", -20)]
    assert len(json.loads(watcher_cli("-c", config, "toezeggingen", "--party", "ChristenUnie", "--json")[1])) == 3


def test_a_toezegging_reaches_telegram_with_the_promise_first(tk, telegram, write_config, watcher_cli, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "desk", "telegram": 77, "keywords": ["Xinjiang"]}],
                          telegram={"api_url": telegram.url})
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    _promise(tk, "2027-06-30T00:00:00")
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    [text] = [t for t in telegram.texts(77) if "toezegging" in t.lower()]
    assert text.startswith("<b>Nieuwe toezegging: De minister stuurt de Kamer"), text
    assert "uiterlijk 30 juni 2027" in text and "Buitenlandse Zaken" in text
    sent = [m for m in telegram.messages if m.get("text") == text][0]
    # Not a document: no "Niet meer over dit document" under it.
    assert all("Niet meer" not in label for label, _ in telegram.keyboard(sent))


def test_a_promise_from_before_watcher_marked_done_now_is_told_as_done(tk, write_config, watcher_cli):
    tk.put_entity("Toezegging", PROMISE, {"nummer": "TZ-OUD", "status": "Openstaand",
                                          "aanmaakdatum": "2024-11-20T10:00:00", "datumNakoming": "2025-06-30T00:00:00",
                                          "ministerie": "Buitenlandse Zaken", "tekst": "Een brief over Xinjiang."})
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "xinjiang", "keywords": ["Xinjiang"]}])
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # the register, read silently
    tk.put_entity("Toezegging", PROMISE, {"status": "Afgedaan", "kamerbriefNakoming": "Kamerstuk 19637, nr. 3400"},
                  merge=True)
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[xinjiang] toezegging afgedaan"] and "nagekomen met: Kamerstuk 19637" in out
    tk.put_entity("Toezegging", PROMISE, {"datumNakoming": "2027-01-31T00:00:00", "status": "Openstaand"}, merge=True)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # reopened: nothing to tell


def test_a_change_of_status_reaches_who_heard_of_the_promise_even_when_no_rule_matches_it_now(
        tk, write_config, watcher_cli):
    source = [{"name": "tk", "kind": "tweedekamer", "url": tk.url}]
    config = write_config(source, [{"name": "desk", "keywords": ["Xinjiang"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    _promise(tk, "2027-06-30T00:00:00")
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == ["[desk] nieuwe toezegging"]
    write_config(source, [{"name": "desk", "keywords": ["stikstof"]}])  # the rule that found it is gone
    _promise(tk, "2027-06-30T00:00:00", status="Afgedaan")
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert headlines(out) == ["[desk] toezegging afgedaan"]
    assert "u kreeg een melding over deze toezegging" in out
