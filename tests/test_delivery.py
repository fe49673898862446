"""Alerts reach Telegram through python-telegram-bot, and are marked sent only once accepted."""

from tests.fakes.tk import page_rows


def setup(tk, telegram, write_config, monkeypatch, chat=1234):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-TOKEN")
    return write_config(
        [{"name": "tweedekamer", "kind": "tweedekamer", "url": tk.url}],
        [{"name": "desk", "telegram": chat, "keywords": ["motie"]}, {"name": "console-only", "keywords": ["motie"]}],
        telegram={"api_url": telegram.url})


def test_alerts_go_to_the_subscribers_chat_in_html(tk, telegram, write_config, monkeypatch, watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    row = dict(next(r for r in page_rows() if r["Soort"] == "Motie"), Titel="Kosten <50% & meer", Onderwerp="Motie over kosten <50% & meer")
    tk.add(row)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    [message] = telegram.messages
    assert str(message["chat_id"]) == "1234" and message["parse_mode"] == "HTML"
    assert "Motie over kosten &lt;50% &amp; meer" in message["text"]
    assert row["DocumentNummer"] in message["text"]
    # The subscriber without a chat gets it on stdout.
    assert f"[console-only] nieuw: Motie {row['DocumentNummer']}" in out
    assert "TEST-TOKEN" not in err


def test_a_failed_send_stays_in_the_outbox_and_goes_out_next_cycle(tk, telegram, write_config, monkeypatch,
                                                                    watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    row = tk.add(next(r for r in page_rows() if r["Soort"] == "Motie"))
    telegram.fail(500, "Internal Server Error")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert telegram.messages == [] and telegram.errors == []
    assert "not delivered, will retry" in err
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert [row["DocumentNummer"] in t for t in telegram.texts(1234)] == [True]
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert len(telegram.messages) == 1
