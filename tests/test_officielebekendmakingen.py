"""kind: officielebekendmakingen against a loopback SRU service."""

from datetime import date


def ob_source(koop, **extra):
    return {"name": "ob", "kind": "officielebekendmakingen", "url": koop.url, **extra}


TODAY = date.today().isoformat()


def test_records_arrive_with_indieners_ontvanger_and_links(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "desk", "members": ["Testmans"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # baseline
    koop.add(0, modified=TODAY)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert "nieuw: Kamervragen zonder antwoord kv-tk-2024Z99901" in out
    assert "member Testmans (C.D. Testmans)" in out
    assert "officielebekendmakingen.nl: https://zoek.officielebekendmakingen.nl/kv-tk-2024Z99901.html" in out


def test_a_diagnostic_is_an_error_that_quotes_it_and_keeps_the_cursor(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "desk", "keywords": ["Testbericht"]}])
    watcher_cli("-c", config, "run", "--once")
    koop.add(0, modified=TODAY)
    koop.diagnostic = True
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 1 and out == ""
    assert "SRU diagnostic: line 1:13 mismatched input" in err
    koop.diagnostic = False
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0 and "kv-tk-2024Z99901" in out
