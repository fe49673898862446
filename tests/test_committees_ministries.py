"""Rules on a committee (what it leads) and on a ministry (what is put to it, signed by its bewindspersoon, or
promised by it), through `watcher run --once` on the loopback SyncFeed with recorded rows."""

from datetime import datetime, timedelta

from tests.fakes.tk import activity, answer_with_askers_on_the_zaak


def headlines(out):
    return sorted(line.split(": ", 1)[0] for line in out.splitlines() if line.startswith("["))


def test_a_question_put_to_a_followed_ministry_is_told_with_the_rule_that_fired(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "buza", "ministries": ["Buitenlandse Zaken"]},
                           {"name": "minister", "ministries": ["Veldkamp"]},
                           {"name": "jenv", "ministries": ["Justitie en Veiligheid"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    tk.add(answer_with_askers_on_the_zaak())  # 2025D43150: put to Buitenlandse Zaken, signed by Veldkamp
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == ["[buza] nieuw", "[minister] nieuw"]
    assert "ministerie Buitenlandse Zaken" in out and "ministerie Veldkamp" in out  # the rule that fired


def test_a_debate_a_followed_committee_leads_is_told_even_about_no_followed_zaak(tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "biza", "committees": ["BiZa"]},
                           {"name": "naam", "committees": ["Binnenlandse Zaken"]},
                           {"name": "buza", "committees": ["BuZa"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    start = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
    tk.put("Activiteit", activity("ac7e0000-0000-4000-8000-00000000d004", start, Agendapunt=[]))
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == ["[biza] gepland", "[naam] gepland"]
    assert "commissie BiZa" in out and "commissie Binnenlandse Zaken" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []  # told once


def test_a_ministry_rule_hears_the_promises_its_minister_made_and_a_committee_those_in_its_debates(
        tk, write_config, watcher_cli):
    from tests.test_toezeggingen import DEBAT, _promise
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "buza", "ministries": ["Buitenlandse Zaken"]},
                           {"name": "jenv", "ministries": ["JenV"]},
                           {"name": "commissie", "committees": ["BuZa"]}, {"name": "def", "committees": ["DEF"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    tk.put_entity("Activiteit", DEBAT, {"nummer": "2026A07001", "soort": "Commissiedebat",
                                        "onderwerp": "Raad Buitenlandse Zaken",
                                        "voortouwnaam": "vaste commissie voor Buitenlandse Zaken",
                                        "voortouwafkorting": "BuZa"})
    _promise(tk, "2027-01-31T00:00:00")
    out = watcher_cli("-c", config, "run", "--once")[1]
    # (the debate itself is told to the committee's follower too: the committee leads it)
    assert headlines(out) == ["[buza] nieuwe toezegging", "[commissie] gepland", "[commissie] nieuwe toezegging"]
    assert "ministerie Buitenlandse Zaken" in out and "commissie BuZa" in out


def test_check_and_the_bot_know_the_committees_and_ministries_from_the_data(tk, telegram, write_config, watcher_cli):
    from tests.test_toezeggingen import _promise
    from watcher.bot.app import WatchBot
    from watcher.config import load
    from watcher.store import open_store

    start = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
    tk.put("Activiteit", activity("ac7e0000-0000-4000-8000-00000000d005", start))  # led by BiZa
    _promise(tk, "2027-01-31T00:00:00")  # made by the ministry of Buitenlandse Zaken
    source = [{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": "2020-01-01"}]
    assert watcher_cli("-c", write_config(source, []), "run", "--once")[0] == 0
    config = write_config(source, [{"name": "a", "committees": ["BiZ", "BiZa", "Binnenlandse Zaken"],
                                    "ministries": ["Buitenlandse Zakken", "Buitenlandse Zaken", "Veldkamp"]}],
                          telegram={"api_url": telegram.url, "allow": "open"})
    code, out, err = watcher_cli("-c", config, "check")
    assert code == 2, out
    assert "subscribers[0].committees[0]: unknown committee 'BiZ' (did you mean 'BiZa'" in err
    assert "subscribers[0].ministries[0]: unknown ministry 'Buitenlandse Zakken' (did you mean 'Buitenlandse " \
           "Zaken'?)" in err
    assert err.count("unknown") == 2  # a name it has, and a bewindspersoon by name, pass
    loaded = load(config, need_sources=False)
    with open_store(loaded.state_dir) as store:
        bot = WatchBot(loaded, store, "1:T", rules_changed=lambda: None)
        bot.answer(5, "/start")
        assert bot.answer(5, "/commissie Biza") == "U volgt nu <b>Biza</b>."  # checked: no "nog niet nagekeken"
        assert bot.answer(5, "/commissie BiZ").startswith("Dat gaat niet: de Kamer kent geen commissie 'BiZ'; "
                                                          "bedoelt u 'BiZa'")


def test_a_dossier_rule_hears_the_promises_made_in_a_debate_about_its_dossier(tk, write_config, watcher_cli):
    from tests.test_toezeggingen import DEBAT, _promise
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "dossier", "dossiers": ["30950"]}, {"name": "ander", "dossiers": ["36600"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    start = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=1)
    tk.put("Activiteit", activity(DEBAT, start, status="Uitgevoerd"))  # its agenda: a zaak of dossier 30950
    _promise(tk, "2027-01-31T00:00:00")
    out = watcher_cli("-c", config, "run", "--once")[1]
    assert "[dossier] nieuwe toezegging" in headlines(out) and "[ander]" not in out
    assert "dossier 30950" in out
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == []
