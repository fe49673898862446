"""Under cron no bot listens: each `watcher run --once` answers what the chats said since the last run."""

from tests.fakes.tk import page_rows


def test_a_once_run_answers_the_commands_sent_since_the_last_run_and_applies_them_at_once(
        tk, telegram, write_config, watcher_cli, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:BOT")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "allow": "open"})
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # where it starts
    telegram.send_update(31, "/start")
    telegram.send_update(31, "/volg begrotingsstaten")
    row = tk.add(page_rows()[0])  # "Vaststelling van de begrotingsstaten ...", in the same run
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    texts = telegram.texts(31)
    assert texts[0].startswith("Welkom.") and texts[1] == "U volgt nu <b>begrotingsstaten</b>."
    assert any(row["DocumentNummer"] in t for t in texts[2:]), texts  # the new rule counted in this run
    # Answered once: the next run does not answer them again.
    telegram.calls.clear()
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    assert len(telegram.texts(31)) == len(texts)
    # With nothing to answer a run asks once, without python-telegram-bot, and builds nothing more (no Bot,
    # no menu, no handlers).
    assert [m for m, _ in telegram.calls] == ["getUpdates"]


def test_a_tap_read_by_a_later_once_run_takes_effect_and_is_told_in_the_chat(
        tk, telegram, write_config, watcher_cli, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:BOT")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "desk", "telegram": 21, "keywords": ["begrotingsstaten"]}],
                          telegram={"api_url": telegram.url})
    watcher_cli("-c", config, "run", "--once")
    tk.add(page_rows()[0])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    [alert] = [m for m in telegram.messages if str(m.get("chat_id")) == "21"]
    [(label, data)] = [(lb, d) for lb, d in telegram.keyboard(alert) if lb == "Niet meer over dit document"]
    telegram.send_callback(21, data)
    telegram.expire_queries()  # read minutes later: Telegram no longer takes an answer to it
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert telegram.answers("answerCallbackQuery")  # it was tried ...
    said = telegram.texts(21)[-1]
    assert said == "U krijgt geen meldingen meer over 2025D43338.", said  # ... and told in the chat instead
    assert telegram.answers("editMessageReplyMarkup")  # the button shows what it did
    assert "Traceback" not in err


def test_a_once_run_beside_another_reader_of_the_bot_says_so_and_leaves_the_commands_for_later(
        tk, telegram, write_config, watcher_cli, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:BOT")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "allow": "open"})
    watcher_cli("-c", config, "run", "--once")
    telegram.send_update(31, "/lijst")
    telegram.conflicts = 1  # a `watcher run` elsewhere is polling the same bot
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0 and "the chats' commands could not be read now" in err and "Traceback" not in err
    assert telegram.texts(31) == []
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    assert len(telegram.texts(31)) == 1  # answered by the next run: nothing lost
