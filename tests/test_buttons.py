"""The alert as the subscriber's control surface: buttons to follow a dossier or question and to hear no
more about a document; a tap takes effect, is stored, then acknowledged by editing the row; forged and
stale taps change nothing. Also /party, /exclude, /recent, /privacy and /vergeet."""

import copy
import random
import signal
import time

import pytest

from tests.fakes.tk import page_rows
from tests.pdfgen import render
from watcher.alerts import buttons
from watcher.bot.app import WatchBot
from watcher.bot.words import STALE
from watcher.config import load
from watcher.model import Alert
from watcher.store import open_store
from watcher.watchlists.subscribers import effective


@pytest.fixture
def bot_for(write_config, telegram):
    made = []

    def make(allow="open", subscribers=()):
        config = load(write_config(subscribers=list(subscribers), telegram={"api_url": telegram.url, "allow": allow}),
                      need_sources=False)
        store = open_store(config.state_dir)
        made.append(store)
        return WatchBot(config, store, "1:T", rules_changed=lambda: None)

    yield make
    for store in made:
        store.close()


def _signed(bot, chat, button, epoch=buttons.FIRST_EPOCH):
    return buttons.data(buttons.secret(bot.store), chat, epoch, button)


def test_follow_and_undo_from_a_button_and_the_row_says_what_holds(bot_for):
    bot = bot_for()
    bot.answer(5, "/start")
    answer, rows, _ = bot.tap(5, _signed(bot, 5, buttons.Button("Volg dossier 35207", buttons.FOLLOW, "35207")))
    assert answer == "U volgt nu dossier 35207."
    assert rows[0][0] == "✓ U volgt dossier 35207 · ongedaan maken"
    assert effective(bot.config, bot.store)[0].dossiers == ("35207",)
    answer, rows, _ = bot.tap(5, rows[0][1])  # the undo under the edited row
    assert answer == "U volgt dossier 35207 niet meer." and rows[0][0] == "Volg dossier 35207"
    assert "Dossiers" not in bot.answer(5, "/list")


def test_a_forged_or_foreign_tap_changes_nothing(bot_for):
    bot = bot_for()
    bot.answer(5, "/start")
    genuine = _signed(bot, 5, buttons.Button("", buttons.FOLLOW, "35207"))
    forged = genuine.rsplit("|", 1)[0] + "|AAAAAAAAAAAAAAAA"
    other = genuine.replace("35207", "36600")  # another argument under the same signature
    for chat, data in ((5, forged), (5, other), (6, genuine), (5, "volg|35207"), (5, "x" * 64)):
        assert bot.tap(chat, data) == (STALE, None, None)
    assert bot.answer(5, "/list").startswith("U volgt nog niets")


def test_after_vergeet_an_old_button_is_stale_and_the_chat_is_forgotten(bot_for):
    bot = bot_for()
    bot.answer(5, "/start")
    bot.answer(5, "/watch Xinjiang")
    old = _signed(bot, 5, buttons.Button("", buttons.FOLLOW, "35207"))
    bot.store.enqueue(Alert(id="chat 5|2022D1|new", subscriber="chat 5", document="2022D1", kind="new", title="t"))
    from watcher.model import Meta, StoredDocument
    bot.store.put_document(StoredDocument("2022D1", "tk", Meta(), alerted=["chat 5", "desk"]))
    text, keys = bot.answer(5, "/vergeet")
    assert text.startswith("Weet u het zeker?") and keys[0][0] == "Ja, wis alles over dit gesprek"
    assert bot.answer(5, "/list").startswith("<b>Onderwerpen</b>")  # nothing gone before the confirmation
    answer, rows, _ = bot.tap(5, keys[0][1])
    assert answer == "Alles over dit gesprek is gewist." and rows == []
    assert bot.answer(5, "/list").startswith("U volgt nog niets")
    assert bot.store.pending_alerts() == []  # its alert history is gone with it
    assert bot.store.document("2022D1").alerted == ["desk"]  # and its mark on the documents it was told of
    assert bot.tap(5, old) == (STALE, None, None)  # a button from before changes nothing
    assert bot.tap(5, keys[0][1]) == (STALE, None, None)  # nor does the confirmation, twice


def test_a_yaml_rule_is_not_taken_away_by_a_button(bot_for):
    bot = bot_for(allow=[], subscribers=[{"name": "desk", "telegram": 7, "dossiers": ["35207"]}])
    answer, rows, _ = bot.tap(7, _signed(bot, 7, buttons.Button("", buttons.FOLLOW, "35207")))
    assert answer == "U volgt dossier 35207 al (sources.yaml)."
    undo = _signed(bot, 7, buttons.Button("", "un" + buttons.FOLLOW, "35207"))
    assert bot.tap(7, undo)[0].startswith("Die regel staat in sources.yaml")
    assert effective(bot.config, bot.store)[0].dossiers == ("35207",)


def test_party_exclude_privacy_and_recent_from_chat(bot_for):
    from tests.fakes.tk import store_recorded_fracties
    bot = bot_for()
    store_recorded_fracties(bot.store)
    bot.answer(5, "/start")
    assert bot.answer(5, "/party SGP") == "Dat gaat niet: de Kamer kent geen fractie 'SGP'; bedoelt u 'SP'?"
    assert bot.answer(5, "/party Partij voor de Vrijheid") == "U volgt nu <b>Partij voor de Vrijheid</b>."
    assert bot.answer(5, "/party Piratenclub").startswith("Dat gaat niet:")
    assert bot.answer(5, "/exclude Tibet") == "U krijgt niets meer waarin <b>Tibet</b> staat."
    [chat] = effective(bot.config, bot.store)
    assert chat.parties == ("Partij voor de Vrijheid",) and chat.exclude == ("Tibet",)
    assert "30 dagen" in bot.answer(5, "/privacy")
    assert bot.answer(5, "/recent").startswith("Dit gesprek kreeg nog geen meldingen")
    for n in range(12):
        alert = Alert(id=f"chat 5|2026D{n:05d}|new", subscriber="chat 5", document=f"2026D{n:05d}", kind="new",
                      title=f"stuk {n}", links={"tweedekamer.nl": f"https://example.org/{n}"})
        bot.store.enqueue(alert)
        bot.store.mark_sent(alert.id, "telegram")
    recent = bot.answer(5, "/recent").split("\n")
    assert recent[0] == "<b>De laatste 10 meldingen</b>" and len(recent) == 11
    assert recent[1].startswith("1. <b>nieuw</b>: 2026D00011")


def test_buttons_under_an_alert(bot_for):
    alert = Alert(id="a", subscriber="s", document="2022D27850", kind="new", title="t", zaken=["2022Z11285"],
                  dossiers=["35207"], soort="Brief regering")
    assert [b.label for b in buttons.for_alert(alert, set(), False)] == ["Volg dossier 35207",
                                                                         "Niet meer over dit document"]
    assert [b.label for b in buttons.for_alert(alert, {"35207"}, False)] == ["Volg zaak 2022Z11285",
                                                                            "Niet meer over dit document"]
    question = Alert(id="q", subscriber="s", document="2022D1", kind="overdue", title="t", zaken=["2022Z11285"],
                     soort="Schriftelijke vragen")
    assert buttons.for_alert(question, set(), False)[0].label == "Volg deze vraag"
    revised = Alert(id="r", subscriber="s", document="2022D1", kind="revised", title="t", new_hash="h")
    assert [b.label for b in buttons.for_alert(revised, set(), False)][-1] == "Toon wijzigingen"
    assert "Toon wijzigingen" not in [b.label for b in buttons.for_alert(revised, set(), True)]


def _wait(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_tap_under_a_real_alert_follows_the_dossier_and_mute_silences_the_document(tk, telegram, write_config,
                                                                                      spawn):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "events": ["documents"]}], [],
                          telegram={"api_url": telegram.url, "allow": "open"}, poll_interval="1s")
    proc = spawn("-c", config, "run", env={"TELEGRAM_BOT_TOKEN": "42:BOT"})
    try:
        telegram.send_update(31, "/start")
        telegram.send_update(31, "/watch begrotingsstaten")
        assert _wait(lambda: any("U volgt nu" in t for t in telegram.texts(31)))
        row = copy.deepcopy(page_rows()[0])  # "Vaststelling van de begrotingsstaten ...", given a dossier
        row["Kamerstukdossier"] = [{"Id": "4b6bd5a5-0000-4000-8000-000000036600", "Nummer": 36600,
                                    "Toevoeging": "XV", "Titel": "Begroting", "Verwijderd": False}]
        row = tk.add(row)
        assert _wait(lambda: any(row["DocumentNummer"] in t for t in telegram.texts(31)))
        alert = next(m for m in telegram.messages if row["DocumentNummer"] in (m.get("text") or ""))
        keys = telegram.keyboard(alert)
        assert [label for label, _ in keys] == ["Volg dossier 36600-XV", "Niet meer over dit document"]
        telegram.send_callback(31, keys[0][1])
        assert _wait(lambda: telegram.answers("editMessageReplyMarkup"))
        assert telegram.answers("answerCallbackQuery")[0]["text"] == "U volgt nu dossier 36600-XV."
        edited = telegram.keyboard(telegram.answers("editMessageReplyMarkup")[0])
        assert edited[0][0] == "✓ U volgt dossier 36600-XV · ongedaan maken"
        telegram.send_callback(31, keys[1][1])  # no more about this document
        assert _wait(lambda: len(telegram.answers("editMessageReplyMarkup")) == 2)
        fetched = tk.file_requests
        tk.revise(row["Id"], render(["Vaststelling van de begrotingsstaten, nu met een nieuwe paragraaf."]))
        # The revision read, and two polls after it: its cycle ended, and what it queued was delivered.
        assert _wait(lambda: tk.file_requests > fetched)
        polls = tk.requests["Document"]
        assert _wait(lambda: tk.requests["Document"] >= polls + 2)
        telegram.send_update(31, "/list")
        assert _wait(lambda: any("Dossiers" in t for t in telegram.texts(31)))
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert not any(t.startswith("<b>Gewijzigd") for t in telegram.texts(31)), telegram.texts(31)
    assert "36600-XV" in next(t for t in telegram.texts(31) if "Dossiers" in t)


def test_a_tap_during_a_sigkill_is_acknowledged_only_once_it_is_stored(tk, telegram, write_config, spawn, tmp_path):
    rng = random.Random(20261204)
    for trial in range(4):
        state = tmp_path / f"state{trial}"
        config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "events": ["documents"]}], [],
                              telegram={"api_url": telegram.url, "allow": "open"}, poll_interval="1s",
                              state_dir=str(state))
        chat = 700 + trial
        with open_store(state) as store:
            data = buttons.data(buttons.secret(store), chat, buttons.FIRST_EPOCH,
                                buttons.Button("", buttons.FOLLOW, "35207"))
        proc = spawn("-c", config, "run", env={"TELEGRAM_BOT_TOKEN": "42:BOT"})
        telegram.send_update(chat, "/start")
        assert _wait(lambda: any(t.startswith("Welkom.") for t in telegram.texts(chat)))
        query = telegram.send_callback(chat, data)
        time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        answered = any(a.get("callback_query_id") == query for a in telegram.answers("answerCallbackQuery"))
        with open_store(state, readonly=True) as store:
            stored = "35207" in (store.chat_rules().get(f"chat:{chat}") or {}).get("dossiers", [])
        assert stored or not answered, trial  # never acknowledged without being stored


def test_preview_says_what_a_keyword_would_have_sent_in_the_last_30_days(tk, write_config, watcher_cli):
    from datetime import datetime, timedelta, timezone
    rows = page_rows()[:40]
    for row in rows:
        tk.add(row)  # dated today
    since = (datetime.now(timezone.utc) - timedelta(days=40)).strftime("%Y-%m-%d")
    path = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since, "events": ["documents"]}],
                        [], telegram={"api_url": "http://127.0.0.1:9", "allow": "open"})
    assert watcher_cli("-c", path, "run", "--once")[0] == 0  # a quiet backfill: stored, not alerted
    config = load(path)
    with open_store(config.state_dir) as store:
        bot = WatchBot(config, store, "1:T", rules_changed=lambda: None)
        reply = bot.answer(5, "/preview begrotingsstaten")
        wanted = [r["DocumentNummer"] for r in rows
                  if "begrotingsstaten" in f"{r.get('Titel')} {r.get('Onderwerp')}".lower()]
        assert reply.split("\n")[0] == f"<b>begrotingsstaten</b> had de afgelopen 30 dagen {len(wanted)} stuk{'ken' if len(wanted) != 1 else ''} gemeld:"
        assert len(reply.split("\n")) == 2 + min(10, len(wanted)) + (len(wanted) > 10)
        assert reply.endswith("Volgen: /volg begrotingsstaten")
        many = bot.answer(5, "/preview van").split("\n")  # a word in nearly every title: capped at 10, numbered
        assert [line.split(".")[0] for line in many[1:11]] == [str(n) for n in range(1, 11)]
        assert many[11].startswith("… en ") and many[11].endswith(" meer")
        assert bot.answer(5, "/preview zzzzqqq") == "<b>zzzzqqq</b> had de afgelopen 30 dagen niets gemeld."
        assert bot.answer(5, "/preview *").startswith("Dat gaat niet:")


def test_show_changes_sends_the_diff_of_the_latest_revision(tk, write_config, watcher_cli):
    from datetime import datetime, timedelta, timezone

    from tests.fakes.tk import FILES, edit_docx
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    data = FILES[docx].read_bytes()
    row = tk.add(next(r for r in page_rows() if r["ContentType"] == docx), data=data, content_type=docx)
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since, "events": ["documents"]}],
                        [{"name": "x", "keywords": ["apotheker*"]}], telegram={"api_url": "http://127.0.0.1:9",
                                                                              "allow": [5]})
    watcher_cli("-c", path, "run", "--once")
    tk.revise(row["Id"], edit_docx(data, "groothandelsvergunning hebben", "vergunning als groothandel hebben"))
    watcher_cli("-c", path, "run", "--once")
    config = load(path)
    with open_store(config.state_dir) as store:
        bot = WatchBot(config, store, "1:T", rules_changed=lambda: None)
        tap = _signed(bot, 5, buttons.Button("Toon wijzigingen", buttons.DIFF, row["DocumentNummer"]))
        answer, rows, (filename, page, caption) = bot.tap(5, tap)
        assert answer == "De wijzigingen komen eraan." and rows is None
        assert filename == f"{row['DocumentNummer']}-wijzigingen.html" and b"groothandel" in page
        assert bot.tap(6, tap)[0].startswith("Deze bot is niet open")  # a chat that may not use the bot
        none = _signed(bot, 5, buttons.Button("", buttons.DIFF, "2099D00001"))
        assert bot.tap(5, none) == ("Er zijn geen wijzigingen van dit stuk bewaard.", None, None)


@pytest.mark.parametrize("argument", ["35207", "2022Z11285", "kst-36600-VII-123-n1", "2025D06779",
                                      "https://zoek.officielebekendmakingen.nl/" + "x" * 60])
def test_a_buttons_callback_data_stays_within_telegrams_64_bytes(argument):
    """Telegram refuses a whole message whose button carries more: a button that would not fit is left out."""
    for action in (buttons.FOLLOW, buttons.MUTE, buttons.DIFF, "un" + buttons.FOLLOW, "un" + buttons.MUTE):
        button = buttons.Button("", action, argument)
        data = buttons.data("s" * 32, -1001234567890, "abcd1234", button)
        if len(argument) > 30:
            assert data is None
        else:
            assert len(data.encode()) <= 64 and buttons.read("s" * 32, -1001234567890, "abcd1234", data) == button
