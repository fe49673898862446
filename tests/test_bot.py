"""The bot: subscribers manage their own watchlists in chat; the allow list; admins hear of sources in trouble."""

import asyncio
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.fakes.tk import FILES, page_rows
from watcher.deliver import admins
from watcher.bot.app import WatchBot
from watcher.bot.text import reply_parts
from watcher.bot.words import REFUSAL
from watcher.config import load
from watcher.deliver.notify import Telegram
from watcher.deliver.ratelimit import RateLimiter
from watcher.store import open_store
from watcher.watchlists.subscribers import effective


@pytest.fixture
def bot_for(write_config, telegram):
    """A WatchBot on a fresh store; `bot.answer(chat, text)` is what the chat would read."""
    made = []

    def make(allow="open", subscribers=(), admins=()):
        config = load(write_config(subscribers=list(subscribers),
                                   telegram={"api_url": telegram.url, "allow": allow, "admins": list(admins)}),
                      need_sources=False)
        store = open_store(config.state_dir)
        changed = []
        bot = WatchBot(config, store, "1:T", rules_changed=lambda: changed.append(1))
        bot.changed = changed
        made.append(store)
        return bot

    yield make
    for store in made:
        store.close()


def test_watch_member_dossier_list_and_unwatch(bot_for):
    bot = bot_for()
    assert bot.answer(5, "/start").startswith("Welkom.")
    assert bot.answer(5, "/watch Oeigoer*") == "U volgt nu <b>Oeigoer*</b>."
    assert bot.answer(5, "/watch Oeigoer*") == "U volgt <b>Oeigoer*</b> al."
    assert bot.answer(5, "/member Van der Staaij") == (  # no Kamer data yet to check a name against
        "U volgt nu <b>Van der Staaij</b>.\n(Nog niet nagekeken: watcher leest de namen van de Kamer bij de eerste ronde.)")
    assert bot.answer(5, "/dossier 35207") == "U volgt nu <b>35207</b>."
    assert bot.answer(5, "/list") == ("<b>Onderwerpen</b> (1)\n• Oeigoer* (direct)\n<b>Kamerleden</b> (1)\n"
                                      "• Van der Staaij (direct)\n<b>Dossiers</b> (1)\n• 35207 (direct)\n\nStatus: actief")
    [subscriber] = effective(bot.config, bot.store)
    assert (subscriber.name, subscriber.telegram, subscriber.keywords) == ("chat 5", 5, ("Oeigoer*",))
    assert bot.answer(5, "/unwatch Oeigoer*") == "U volgt <b>Oeigoer*</b> niet meer."
    assert bot.changed  # the matcher was rebuilt


def test_bad_rules_are_refused_with_the_reason(bot_for):
    bot = bot_for()
    bot.answer(5, "/start")
    assert bot.answer(5, "/watch *").startswith("Dat gaat niet: '*' zou elk stuk treffen")
    assert bot.answer(5, "/dossier China").startswith("Dat gaat niet:")
    assert bot.answer(5, "/watch").startswith("Gebruik: /watch")
    assert bot.answer(5, "/frobnicate").startswith("Dat commando ken ik niet")


def test_a_yaml_rule_cannot_be_removed_from_chat_and_is_listed_as_such(bot_for):
    bot = bot_for(allow=[], subscribers=[{"name": "desk", "telegram": 7, "keywords": ["Xinjiang"]}])
    bot.answer(7, "/watch Tibet")
    assert bot.answer(7, "/unwatch Xinjiang").startswith("Die regel staat in sources.yaml")
    assert bot.answer(7, "/list").startswith("<b>Onderwerpen</b> (2)\n• Xinjiang (direct) <i>(sources.yaml)</i>\n"
                                             "• Tibet (direct)\n")
    [desk] = effective(bot.config, bot.store)
    assert desk.keywords == ("Xinjiang", "Tibet")


def test_limits_per_chat_are_refused_with_a_reason_and_change_nothing(bot_for):
    bot = bot_for()
    long = "x" * 100_000
    assert bot.answer(5, f"/watch {long}") == "Dat gaat niet: een regel mag hoogstens 100 tekens lang zijn (deze heeft er 100000)"
    assert bot.answer(5, "/watch een twee drie vier vijf zes zeven acht negen").startswith(
        "Dat gaat niet: een regel mag hoogstens 8 woorden hebben")
    for i in range(200):
        assert bot.answer(5, f"/watch onderwerp{i}").startswith("U volgt nu")
    assert bot.answer(5, "/watch eentje-te-veel").startswith("U volgt al 200 regels, het maximum")
    [chat] = effective(bot.config, bot.store)
    assert len(chat.keywords) == 200 and "eentje-te-veel" not in chat.keywords


@pytest.mark.parametrize("typed,kept", [
    ("/watch Xin\u200bjiang", "Xinjiang"),  # zero-width space
    ("/watch \u202eXinjiang", "Xinjiang"),  # right-to-left override
    ("/watch Xinjiang\x00", "Xinjiang"),  # NUL
    ("/watch sociaal\x07  krediet", "sociaal krediet"),  # a control character; spaces collapsed
])
def test_invisible_characters_are_stripped_from_a_rule(bot_for, typed, kept):
    bot = bot_for()
    assert bot.answer(5, typed) == f"U volgt nu <b>{kept}</b>."
    [chat] = effective(bot.config, bot.store)
    assert chat.keywords == (kept,)


def test_only_invisible_characters_are_no_rule(bot_for):
    bot = bot_for()
    assert bot.answer(5, "/watch \u200b\u200f") == "Gebruik: /watch &lt;woord&gt;"


def test_a_long_list_is_cut_with_how_many_more_and_every_reply_fits_telegram(bot_for):
    keywords = [f"onderwerp-{i}-" + "x" * 80 for i in range(400)]
    bot = bot_for(subscribers=[{"name": "desk", "telegram": 7, "keywords": keywords}])
    reply = bot.answer(7, "/list")
    assert "… en 250 meer" in reply
    parts = reply_parts(reply)
    assert 1 < len(parts) <= 3 and all(len(p) <= 4096 for p in parts)
    assert parts[-1].rstrip().endswith("Status: actief") or "regels meer" in parts[-1]
    assert all(len(p) <= 4096 for p in reply_parts("\n".join(["regel " * 100] * 1000)))
    assert "regels meer" in reply_parts("\n".join(["regel " * 100] * 1000))[-1]


def test_a_dossier_written_as_the_kamer_prints_it_is_the_same_rule(bot_for):
    bot = bot_for()
    assert bot.answer(5, "/dossier 35 207") == "U volgt nu <b>35207</b>."
    assert bot.answer(5, "/dossier 35207") == "U volgt <b>35207</b> al."
    assert bot.answer(5, "/dossier 36 600-xv") == "U volgt nu <b>36600-XV</b>."
    assert bot.answer(5, "/unwatch 35 207") == "U volgt <b>35207</b> niet meer."
    assert "35207" not in bot.answer(5, "/list") and "36600-XV" in bot.answer(5, "/list")


def test_a_chat_that_is_not_allowed_gets_one_polite_refusal(bot_for, caplog):
    caplog.set_level("INFO")
    bot = bot_for(allow=[1, 2])
    assert bot.answer(99, "/start") == REFUSAL.format(chat=99)
    assert REFUSAL.format(chat=99).endswith("met dit nummer: 99")
    assert "refused chat 99" in caplog.text  # what the README tells the operator to look for
    assert bot.answer(99, "/watch Xinjiang") is None
    assert bot.answer(99, "/help") is None
    assert effective(bot.config, bot.store) == []
    assert bot.answer(1, "/help").startswith("Ik meld")


def test_strangers_leave_no_state_and_their_memory_is_bounded_and_expires(bot_for):
    bot = bot_for(allow=[1])
    now = [0.0]
    bot._clock = lambda: now[0]
    for chat in range(100, 1100 + 1):  # one more than is remembered
        assert bot.answer(chat, "/start") == REFUSAL.format(chat=chat)
    assert bot.store.chat_rules() == {}  # nothing stored, nothing flushed
    assert bot.answer(1100, "/start") is None  # remembered: refused once only
    assert bot.answer(100, "/start") == REFUSAL.format(chat=100)  # the oldest was let go to make room
    now[0] += 25 * 3600
    assert bot.answer(1100, "/start") == REFUSAL.format(chat=1100)  # a day later, one more polite word


def test_pause_resume_and_stop(bot_for):
    bot = bot_for()
    bot.answer(5, "/watch Xinjiang")
    assert [s.name for s in effective(bot.config, bot.store)] == ["chat 5"]
    bot.answer(5, "/pause")
    assert effective(bot.config, bot.store) == []
    bot.answer(5, "/resume")
    assert len(effective(bot.config, bot.store)) == 1
    bot.answer(5, "/stop")
    assert effective(bot.config, bot.store) == []
    assert "Status: gestopt" in bot.answer(5, "/list")
    bot.answer(5, "/start")
    assert len(effective(bot.config, bot.store)) == 1


def test_admins_hear_once_of_a_source_that_keeps_failing_or_goes_silent(telegram, write_config):
    config = load(write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9/", "stale_after": "1h"}],
                               telegram={"api_url": telegram.url, "admins": [11]}))
    store = open_store(config.state_dir)
    now = datetime.now(timezone.utc)
    store.set_health("tk", {"failures": 3, "last_error": "HTTP 503", "last_success": (now - timedelta(hours=2)).isoformat()})
    sender = Telegram("1:T", telegram.url)

    async def run():
        try:
            for _ in range(2):
                await admins.tell(config, store, sender, RateLimiter(1000, 0, 1000), asyncio.Lock(), now)
        finally:
            await sender.close()

    asyncio.run(run())
    [text] = telegram.texts(11)  # told once, though asked twice
    assert "Bron <b>tk</b> faalt al 3 cycli: HTTP 503" in text and "Bron <b>tk</b> meldt niets nieuws sinds" in text
    store.close()
    with open_store(config.state_dir, readonly=True) as again:  # marked told on disk, before it was sent
        assert again.health("tk")["told_failing"] is True


def test_a_last_change_stamped_by_a_clock_that_ran_ahead_still_lets_the_admins_hear_of_silence(
        tk, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "stale_after": "1h"}])
    watcher_cli("-c", config, "run", "--once")
    settings = load(config)
    ahead = (datetime.now(timezone.utc) + timedelta(days=200)).isoformat(timespec="seconds")
    with open_store(settings.state_dir) as store:
        store.set_health("tk", {**store.health("tk"), "last_change": ahead})
        store.flush()
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # nothing new
    with open_store(settings.state_dir, readonly=True) as store:
        health = store.health("tk")
    told, _ = admins.news(settings.sources[0], health, datetime.now(timezone.utc) + timedelta(hours=2))
    assert any("meldt niets nieuws sinds" in t for t in told), health


def test_a_strangers_start_on_an_open_bot_stores_nothing_reads_no_other_chat_and_reloads_no_rules(bot_for):
    """3,000 strangers sending /start must not cost 3,000 times every chat and every rule."""
    from watcher.watchlists import subscribers as subs
    bot = bot_for()
    for chat in range(100, 150):
        bot.answer(chat, "/watch Xinjiang")
    read_all = []
    every_chat = bot.store.chat_rules
    bot.store.chat_rules = lambda: read_all.append(1) or every_chat()
    bot.changed.clear()
    assert bot.answer(bot._home(9999), "/start").startswith("Welkom.")
    assert (read_all, bot.changed, subs.state(bot.store, 9999)) == ([], [], {})


def test_rules_are_read_again_only_when_a_chat_changes_what_is_matched(bot_for):
    bot = bot_for()
    said = [(text, bot.answer(5, text) and len(bot.changed)) for text in
            ("/watch Xinjiang", "/start", "/list", "/pause", "/start", "/stil 22:00-07:00", "/recent")]
    assert said == [("/watch Xinjiang", 1), ("/start", 1), ("/list", 1), ("/pause", 2), ("/start", 3),
                    ("/stil 22:00-07:00", 4), ("/recent", 4)]


def test_bot_replies_take_their_turns_within_telegrams_limits(tk, telegram, write_config, spawn):
    telegram.enforce = True
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "allow": "open",
                                    "limits": {"chat_interval": "1s", "per_second": 30}}, poll_interval="1s")
    proc = spawn("-c", config, "run", env={"TELEGRAM_BOT_TOKEN": "42:BOT"})
    try:
        for _ in range(3):
            telegram.send_update(31, "/help")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(telegram.texts(31)) < 3:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    times = [m["at"] for m in telegram.messages if str(m.get("chat_id")) == "31"]
    assert len(times) == 3 and telegram.too_many == 0, (times, telegram.too_many, err)
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:])), times


def test_a_bad_gateway_page_from_telegram_is_one_line_in_the_log_and_the_bot_goes_on(tk, telegram, write_config,
                                                                                   spawn):
    telegram.bad_gateways = 2
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "allow": "open"}, poll_interval="1s")
    proc = spawn("-c", config, "run", env={"TELEGRAM_BOT_TOKEN": "42:BOT"})
    try:
        telegram.send_update(31, "/help")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not telegram.texts(31):
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and telegram.texts(31), err
    failed = [line for line in err.splitlines() if "could not get the bot's updates" in line]
    assert len(failed) == 2 and "Traceback" not in err and "JSONDecodeError" not in err, err


def test_a_success_starts_the_count_of_failures_the_admins_hear_of_again(tk, telegram, write_config, watcher_cli,
                                                                         monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "admins": [11]})
    watcher_cli("-c", config, "run", "--once")

    def runs(failing: int) -> list[str]:
        for _ in range(failing):
            tk.fail("Feed?category=Document", 500, 500, 500)
            assert watcher_cli("-c", config, "run", "--once")[0] == 1
        return [t for t in telegram.texts(11) if "faalt al" in t]

    assert len(runs(3)) == 1
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # back
    assert len(runs(2)) == 1  # two failures of a new episode: not yet news
    assert len(runs(1)) == 2 and "faalt al 3 cycli" in telegram.texts(11)[-1]


def test_commands_through_telegram_change_what_a_running_watcher_sends(tk, telegram, write_config, spawn):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "allow": "open"}, poll_interval="1s")
    proc = spawn("-c", config, "run", env={"TELEGRAM_BOT_TOKEN": "42:BOT"})
    try:
        telegram.send_update(31, "/start")
        telegram.send_update(31, "/watch begrotingsstaten")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("U volgt nu" in t for t in telegram.texts(31)):
            time.sleep(0.1)
        row = tk.add(page_rows()[0])  # "Vaststelling van de begrotingsstaten ..."
        while time.monotonic() < deadline and not any(row["DocumentNummer"] in t for t in telegram.texts(31)):
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    texts = telegram.texts(31)
    assert texts[0].startswith("Welkom.") and texts[1] == "U volgt nu <b>begrotingsstaten</b>."
    assert any(t.startswith("<b>Nieuw: ") and row["DocumentNummer"] in t for t in texts), (texts, err)
    assert "42:BOT" not in err


def test_a_file_that_fails_three_times_is_parked_alerted_on_its_metadata_and_told_to_admins_once(
        tk, telegram, write_config, watcher_cli, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "desk", "telegram": 21, "keywords": ["Defensie"]}],  # in its title
                          telegram={"api_url": telegram.url, "admins": [11]})
    watcher_cli("-c", config, "run", "--once")
    row = tk.add(page_rows()[0], data=b"%PDF-1.7\n" + b"\x00broken" * 500)

    def file_requests():
        return sum(r.path.endswith(f"/Resources/{row['Id']}") for r in tk.server.requests)

    for attempt in (1, 2, 3):
        watcher_cli("-c", config, "run", "--once")
        assert file_requests() == attempt
        assert telegram.texts(11) == [] or attempt == 3
    [alert] = telegram.texts(21)  # on what the row says, at once, and once
    assert row["DocumentNummer"] in alert
    [notice] = telegram.texts(11)
    assert "het bestand van" in notice and "lukt steeds niet" in notice, notice
    for _ in range(2):
        watcher_cli("-c", config, "run", "--once")
    assert file_requests() == 3  # not retried while the file is the same
    assert len(telegram.texts(11)) == 1 and len(telegram.texts(21)) == 1
    code, out, err = watcher_cli("-c", config, "status")
    assert "parked:" in out and code == 0
    tk.revise(row["Id"], FILES["application/pdf"].read_bytes())  # a new file: tried again
    watcher_cli("-c", config, "run", "--once")
    assert file_requests() == 4


def test_a_group_moved_before_the_index_existed_is_found_by_its_new_id(bot_for):
    """States from before `home` was indexed name the move only under the old id: indexed once at start."""
    from watcher.watchlists import subscribers as subs
    bot = bot_for()
    subs.save(bot.store, 501, {"started": True, "keywords": ["Xinjiang"], "migrated_to": -100501})
    assert subs.home(bot.store, -100501) == -100501
    subs.index_homes(bot.store)
    assert subs.home(bot.store, -100501) == 501 and "• Xinjiang" in bot.answer(bot._home(-100501), "/lijst")


def test_the_bot_speaks_dutch_and_keeps_the_english_names(bot_for):
    bot = bot_for()
    assert bot.answer(5, "/volg Xinjiang") == "U volgt nu <b>Xinjiang</b>."
    assert bot.answer(5, "/watch Oeigoer*") == "U volgt nu <b>Oeigoer*</b>."
    assert bot.answer(5, "/lid").startswith("Gebruik: /lid")  # in the words the chat used
    assert bot.answer(5, "/pauze").startswith("Gepauzeerd") and bot.answer(5, "/hervat") == "U krijgt weer meldingen."
    assert bot.answer(5, "/ontvolg Xinjiang") == "U volgt <b>Xinjiang</b> niet meer."
    assert "• Oeigoer*" in bot.answer(5, "/lijst")
    from watcher.bot.words import DUTCH, HELP, MENU
    assert all(f"/{name}" in HELP for name, _ in MENU if name != "help") and set(DUTCH) <= {n for n, _ in MENU}


def test_telegram_is_given_the_dutch_menu_when_the_bot_starts(tk, telegram, write_config, spawn):
    import json
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [],
                          telegram={"api_url": telegram.url, "allow": "open"}, poll_interval="1s")
    proc = spawn("-c", config, "run", env={"TELEGRAM_BOT_TOKEN": "42:BOT"})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(m == "getUpdates" for m, _ in telegram.calls):
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    [(_, fields)] = [(m, f) for m, f in telegram.calls if m == "setMyCommands"]
    names = [c["command"] for c in json.loads(fields["commands"])]
    assert names[:3] == ["volg", "lid", "dossier"] and "lijst" in names


def test_a_committee_and_a_ministry_are_followed_from_chat(bot_for):
    bot = bot_for()
    bot.answer(5, "/start")
    assert bot.answer(5, "/commissie BuZa").startswith("U volgt nu <b>BuZa</b>.")  # not checked before a first run
    assert bot.answer(5, "/ministerie Justitie en Veiligheid").startswith("U volgt nu <b>Justitie en Veiligheid</b>.")
    assert bot.answer(5, "/ministerie") == "Gebruik: /ministerie &lt;naam&gt;"
    listed = bot.answer(5, "/lijst")
    assert "<b>Commissies</b> (1)\n• BuZa" in listed and "<b>Ministeries</b> (1)\n• Justitie en Veiligheid" in listed
    [chat] = effective(bot.config, bot.store)
    assert chat.committees == ("BuZa",) and chat.ministries == ("Justitie en Veiligheid",)
    assert bot.answer(5, "/ontvolg BuZa") == "U volgt <b>BuZa</b> niet meer."
