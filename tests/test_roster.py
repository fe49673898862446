"""`watcher subscribers`: who follows what, from sources.yaml and from chat."""

import json

from watcher.bot.app import WatchBot
from watcher.config import load
from watcher.store import open_store


def test_every_subscriber_is_listed_with_its_rules_and_where_they_come_from(write_config, telegram, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9/"}],
                          [{"name": "desk", "telegram": 5, "keywords": ["Xinjiang"], "members": ["Ceder"]},
                           {"name": "console", "dossiers": ["35207"]}],
                          telegram={"api_url": telegram.url, "allow": "open"})
    settings = load(config)
    with open_store(settings.state_dir) as store:
        bot = WatchBot(settings, store, "1:T", rules_changed=lambda: None)
        bot.answer(5, "/watch Tibet")
        bot.answer(7, "/member Ceder")
        bot.answer(7, "/pause")
        bot.answer(8, "/start")  # follows nothing: not listed
    code, out, err = watcher_cli("-c", config, "subscribers")
    assert code == 0, err
    assert out.splitlines() == ["desk (chat 5): active", "  keywords: Xinjiang, Tibet (chat)", "  members: Ceder",
                                "console (stdout): active", "  dossiers: 35207",
                                "chat 7 (chat 7): paused", "  members: Ceder (chat)"]
    code, out, err = watcher_cli("-c", config, "subscribers", "ceder", "--json")
    assert code == 0 and [e["name"] for e in json.loads(out)] == ["desk", "chat 7"]
    assert json.loads(out)[1]["rules"]["members"] == [{"rule": "Ceder", "from": "chat"}]


def test_before_the_first_run_the_sources_yaml_subscribers_are_listed_and_json_stays_json(write_config,
                                                                                          watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9/"}],
                          [{"name": "desk", "keywords": ["Xinjiang"]}])
    code, out, err = watcher_cli("-c", config, "subscribers", "--json")
    assert code == 0 and json.loads(out)[0]["rules"] == {"keywords": [{"rule": "Xinjiang", "from": "sources.yaml"}]}
    assert "no state" in err


def test_the_chats_the_bot_turned_away_are_listed_with_their_ids_newest_first(write_config, telegram, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9/"}],
                          [{"name": "desk", "telegram": 5, "keywords": ["Xinjiang"]}],
                          telegram={"api_url": telegram.url, "allow": [5]})
    settings = load(config)
    with open_store(settings.state_dir) as store:
        bot = WatchBot(settings, store, "1:T", rules_changed=lambda: None)
        for chat in (41, 42, 41, *range(100, 125)):  # more than are kept
            bot._refused.clear()  # as a later run would: each is turned away again
            bot.answer(chat, "/start")
        bot.answer(5, "/watch Tibet")  # a command's flush writes them too
    code, out, err = watcher_cli("-c", config, "subscribers")
    assert code == 0, err
    listed = [line.split(",")[0].strip() for line in out.split("refused by the bot", 1)[1].splitlines()[1:]]
    assert listed == [f"chat {n}" for n in range(124, 104, -1)]  # the last 20, newest first
    code, out, err = watcher_cli("-c", config, "subscribers", "--json")
    refused = [e for e in json.loads(out) if e["status"] == "refused"]
    assert refused[0]["telegram"] == 124 and refused[0]["refused_at"] and len(refused) == 20
    assert "chat 124" not in watcher_cli("-c", config, "subscribers", "Xinjiang")[1]  # a word: who follows it
