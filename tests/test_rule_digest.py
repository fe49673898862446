"""A frequency per rule, not only per subscriber: `/watch Xinjiang daily`, and in YAML a rule may be a
mapping (`- {keyword: Tibet, digest: daily}`) beside plain ones."""

from datetime import datetime, timedelta, timezone

from tests.test_telegram import deliver_once, make_alert
from watcher.bot.app import WatchBot
from watcher.config import load
from watcher.store import open_store
from watcher.watchlists.subscribers import effective, period_of


def test_a_daily_rule_beside_an_instant_rule_of_the_same_chat(write_config, telegram, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9,
                                             "keywords": ["Xinjiang", {"keyword": "Tibet", "digest": "daily"}]}],
                               telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(config.state_dir)
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)]

    def deliver():
        return deliver_once(config, store, telegram, lambda: now[0])

    for i, reasons in enumerate([["keyword Xinjiang"], ["keyword Tibet"], ["keyword Tibet"],
                                 ["keyword Tibet", "keyword Xinjiang"]]):  # the last: the fastest rule wins
        store.enqueue(make_alert(i, reasons=reasons))
    assert deliver() == (4, 0)
    texts = telegram.texts(9)
    assert [t.split(":")[0] for t in texts] == ["<b>Nieuw", "<b>Nieuw", "<b>Overzicht (afgelopen dag)"]
    store.enqueue(make_alert(7, reasons=["keyword Tibet"]))
    store.enqueue(make_alert(8, reasons=["keyword Xinjiang"]))
    now[0] += timedelta(hours=2)
    assert deliver() == (1, 1)  # the instant one at once; the daily one waits for its day
    now[0] += timedelta(hours=23)
    assert deliver() == (1, 0)
    assert telegram.texts(9)[-1].startswith("<b>Overzicht (afgelopen dag): 1 melding</b>")
    store.close()


def test_a_rule_gets_its_own_frequency_from_chat_and_list_shows_it(write_config, telegram):
    config = load(write_config(telegram={"api_url": telegram.url, "allow": "open"}), need_sources=False)
    with open_store(config.state_dir) as store:
        bot = WatchBot(config, store, "1:T", rules_changed=lambda: None)
        bot.answer(5, "/start")
        assert bot.answer(5, "/watch Xinjiang daily") == "U volgt nu <b>Xinjiang</b>, dagelijks."
        assert bot.answer(5, "/watch sociaal krediet") == "U volgt nu <b>sociaal krediet</b>."
        assert bot.answer(5, "/member Ceder hourly").startswith("U volgt nu <b>Ceder</b>, elk uur.")
        assert bot.answer(5, "/watch Xinjiang instant") == "<b>Xinjiang</b>: voortaan direct."
        listed = bot.answer(5, "/list")
        assert "• Xinjiang (direct)\n• sociaal krediet (direct)" in listed and "• Ceder (elk uur)" in listed
        [chat] = effective(config, store)
        assert period_of(chat, ["member Ceder (D.G.M. Ceder)"]) == "hourly"
        assert period_of(chat, ["keyword Xinjiang"]) == "instant"
        assert period_of(chat, ["u volgt deze vraag"]) == "instant"  # a follow-through: the chat's own frequency


def test_a_rule_mapping_with_a_bad_frequency_is_named_with_its_place(write_config, watcher_cli):
    config = write_config([], [{"name": "x", "keywords": ["a", {"keyword": "Tibet", "digest": "weekly"}]},
                               {"name": "y", "keywords": [{"word": "Tibet"}]}])
    code, out, err = watcher_cli("-c", config, "check")
    assert code != 0
    assert "subscribers[0].keywords[1].digest" in err and "expected one of instant, hourly, daily" in err, err
    assert "subscribers[1].keywords[0].word: unknown key" in err, err


def test_two_digest_periods_in_one_chat_keep_clocks_of_their_own(write_config, telegram, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9,
                                             "keywords": [{"keyword": "Xinjiang", "digest": "hourly"},
                                                          {"keyword": "Tibet", "digest": "daily"}]}],
                               telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(config.state_dir)
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)]
    n = iter(range(100))

    def deliver(*reasons):
        for reason in reasons:
            store.enqueue(make_alert(next(n), reasons=[reason]))
        return deliver_once(config, store, telegram, lambda: now[0])

    assert deliver("keyword Xinjiang", "keyword Tibet") == (2, 0)  # each its first digest
    now[0] += timedelta(hours=1)
    assert deliver("keyword Xinjiang", "keyword Tibet") == (1, 1)  # the hour is up, the day is not
    now[0] += timedelta(hours=23)
    assert deliver() == (1, 0)
    heads = [t.split("</b>")[0] for t in telegram.texts(9)]
    assert heads == ["<b>Overzicht (afgelopen uur): 1 melding", "<b>Overzicht (afgelopen dag): 1 melding",
                     "<b>Overzicht (afgelopen uur): 1 melding", "<b>Overzicht (afgelopen dag): 1 melding"]
    store.close()


def test_a_digest_due_in_quiet_hours_that_hold_waits_for_their_end(write_config, telegram, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9, "keywords": ["x"], "digest": "daily",
                                             "quiet": "22:00-07:00 bewaar"}],
                               telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(config.state_dir)
    store.enqueue(make_alert(1))
    at_night = datetime(2026, 11, 23, 22, 30, tzinfo=timezone.utc)  # 23:30 in Amsterdam
    assert deliver_once(config, store, telegram, lambda: at_night) == (0, 1)
    assert deliver_once(config, store, telegram, lambda: at_night + timedelta(hours=8)) == (1, 0)  # 07:30
    assert telegram.texts(9)[0].startswith("<b>Overzicht (afgelopen dag): 1 melding</b>")
    store.close()
