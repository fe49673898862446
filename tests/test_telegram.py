"""Telegram delivery: formatting, splitting, each failure mode, the rate limits and digests."""

import asyncio
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from tests.fakes.tk import page_rows
from watcher.alerts import alert as alerts
from watcher.config import load
from watcher.deliver.deliver import Deliverer
from watcher.model import Alert
from watcher.deliver.notify import Console, Telegram
from watcher.deliver.ratelimit import RateLimiter
from watcher.store import open_store


def make_alert(i=0, **extra) -> Alert:
    data = dict(id=f"desk|2025D{i:05d}|new", subscriber="desk", document=f"2025D{i:05d}", kind="new",
                title=f"Motie {i}", soort="Motie", reasons=["keyword Xinjiang"], snippet="over Xinjiang en meer",
                highlight="Xinjiang", links={"tweedekamer.nl": f"https://www.tweedekamer.nl/x?a=1&b={i}"})
    data.update(extra)
    return Alert(**data)


def deliver_once(config, store, telegram, clock=None, limiter=None, budget=None, **options) -> tuple[int, int]:
    """One delivery through the real client to the fake Bot API, at `clock()` (a test's own clock); limits
    lifted unless `limiter` says otherwise."""
    async def cycle():
        deliverer = Deliverer(config, Console(), Telegram("1:T", telegram.url), limiter or RateLimiter(1000, 0.0),
                              **({"clock": clock} if clock else {}), **options)
        try:
            return await deliverer.deliver(store, budget)
        finally:
            await deliverer.close()
    return asyncio.run(cycle())


def test_everything_from_upstream_is_escaped_and_the_hit_is_bold():
    [message] = alerts.render_html(make_alert(title="Kosten <50% & meer>", snippet="x < y & Xinjiang"))
    assert "<b>Nieuw: Kosten &lt;50% &amp; meer&gt;</b>" in message
    assert "“x &lt; y &amp; <b>Xinjiang</b>”" in message
    assert 'href="https://www.tweedekamer.nl/x?a=1&amp;b=0"' in message


def test_a_long_title_is_cut_and_a_hundred_changes_are_split_into_numbered_parts():
    [message] = alerts.render_html(make_alert(title="lang " * 2000))
    assert len(message) <= alerts.MESSAGE_LIMIT and "…" in message
    changes = [f"Antwoord {n}: «oud» → «nieuw» " + "tekst " * 40 for n in range(100)]
    parts = alerts.render_html(make_alert(kind="revised", changes=changes))
    assert len(parts) > 1
    assert all(len(p) <= alerts.MESSAGE_LIMIT for p in parts)
    assert [p.rsplit("\n", 1)[1] for p in parts] == [f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    for part in parts:  # every part is well-formed on its own
        assert part.count("<b>") == part.count("</b>") and part.count("<i>") == part.count("</i>")
    assert sum(p.count("• Antwoord") for p in parts) == 100


def setup(tk, telegram, write_config, monkeypatch, **subscriber):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET")
    return write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                        [{"name": "desk", "telegram": 501, "keywords": ["Kamer"], **subscriber}],
                        telegram={"api_url": telegram.url})


def publish(tk, n=1):
    return [tk.add(r) for r in page_rows()[:n]]


def test_429_is_waited_out_and_nothing_is_lost(tk, telegram, write_config, monkeypatch, watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    rows = publish(tk, 2)
    telegram.fail(429, "Too Many Requests: retry after 1", retry_after=1)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert sorted(r["DocumentNummer"] in t for r in rows for t in telegram.texts(501)).count(True) == 2
    assert "asks to wait" in err


def test_a_user_who_blocked_the_bot_is_deactivated_and_keeps_the_watchlist(tk, telegram, write_config, monkeypatch,
                                                                           watcher_cli, tmp_path):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    publish(tk, 2)
    telegram.fail(403, "Forbidden: bot was blocked by the user")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0 and telegram.messages == []
    assert "blocked the bot" in err and "123:SECRET" not in err
    tk.add(page_rows()[2])
    watcher_cli("-c", config, "run", "--once")
    assert telegram.messages == []  # deactivated: nothing more is sent
    store = open_store(tmp_path / "state", readonly=True)
    assert store.count_pending_alerts() == 0
    assert store.chat_rules()["chat:501"]["blocked"] is True
    assert load(config).subscribers[0].keywords == ("Kamer",)


def test_a_group_that_became_a_supergroup_is_followed(tk, telegram, write_config, monkeypatch, watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    rows = publish(tk, 2)
    telegram.fail(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=-100501)
    watcher_cli("-c", config, "run", "--once")
    assert len(telegram.texts(-100501)) == 2 and telegram.texts(501) == []
    assert all(any(r["DocumentNummer"] in t for t in telegram.texts(-100501)) for r in rows)
    # Its commands, from the new id, reach the rules it had.
    from watcher.bot.app import WatchBot
    settings = load(config)
    with open_store(settings.state_dir) as store:
        bot = WatchBot(settings, store, "1:T", rules_changed=lambda: None)
        assert "• Kamer (direct) <i>(sources.yaml)</i>" in bot.answer(bot._home(-100501), "/list")


def test_a_message_telegram_refuses_is_sent_once_as_plain_text(tk, telegram, write_config, monkeypatch, watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    [row] = publish(tk, 1)
    telegram.fail(400, "Bad Request: can't parse entities")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    [message] = telegram.messages
    assert "parse_mode" not in message and row["DocumentNummer"] in message["text"]
    # As the subscriber reads it (not the console's "[desk] …"), with the buttons under it.
    assert message["text"].startswith("Nieuw: ") and "desk" not in message["text"]
    assert "reply_markup" in message
    watcher_cli("-c", config, "run", "--once")
    assert len(telegram.messages) == 1


def test_the_limits_hold_one_message_a_second_to_a_chat(telegram):
    telegram.enforce = True
    bot = Telegram("1:T", telegram.url)

    async def run():
        limiter = RateLimiter()
        try:
            for i in range(3):
                await bot.send(777, [f"bericht {i}"], None, limiter)
        finally:
            await bot.close()

    asyncio.run(run())
    times = [m["at"] for m in telegram.messages]
    assert len(times) == 3 and telegram.too_many == 0
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:]))


def test_the_limiter_keeps_groups_to_twenty_a_minute():
    clock = [0.0]
    sleeps = []

    async def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds

    async def run():
        limiter = RateLimiter(clock=lambda: clock[0], sleep=sleep)
        for _ in range(21):
            async with limiter.slot(-42):
                pass
        return clock[0]

    assert asyncio.run(run()) >= 60.0  # the 21st message waits for the minute to turn


def test_a_digest_groups_alerts_in_one_message_per_period(tmp_path, write_config, telegram, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9, "keywords": ["x"], "digest": "hourly"}],
                               telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(config.state_dir)
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)]

    def cycle():
        return deliver_once(config, store, telegram, lambda: now[0])

    for i in range(5):
        store.enqueue(make_alert(i))
    assert cycle() == (5, 0)
    [digest] = telegram.texts(9)
    assert digest.startswith("<b>Overzicht (afgelopen uur): 5 meldingen</b>") and digest.count("• <b>nieuw</b>: ") == 5
    store.enqueue(make_alert(7))
    now[0] += timedelta(minutes=30)
    assert cycle() == (0, 1)  # waits for the hour
    now[0] += timedelta(minutes=31)
    assert cycle() == (1, 0)
    assert len(telegram.texts(9)) == 2


@pytest.mark.parametrize("size,parts", [(4096, 1), (4097, 2)])
def test_a_message_of_4096_characters_is_one_part_and_of_4097_two(size, parts):
    lines = ["a" * 2000, "b" * (size - 2001)]
    messages = alerts.pack(lines)
    assert len(messages) == parts and all(len(m) <= alerts.MESSAGE_LIMIT for m in messages)
    assert "".join(messages).count("a") == 2000 and "".join(messages).count("b") == size - 2001


def long_alert(i=0):
    return make_alert(i, kind="revised", changes=[f"Antwoord {n}: «oud» → «nieuw» " + "tekst " * 40
                                                  for n in range(60)])


@pytest.mark.parametrize("store_kind", ["sqlite", "tinydb"])
@pytest.mark.parametrize("trouble", ["network error, next cycle", "crash, next start", "429, same cycle"])
def test_a_long_alert_cut_short_at_part_k_resumes_from_part_k(trouble, store_kind, tmp_path, write_config, telegram):
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9, "keywords": ["x"]}],
                               telegram={"api_url": telegram.url}, store=store_kind), need_sources=False)
    parts = alerts.render_html(long_alert())
    assert len(parts) >= 4
    store = open_store(config.state_dir, kind=store_kind)
    store.enqueue(long_alert())
    store.flush()
    sleeps = []

    async def sleep(seconds):
        sleeps.append(seconds)

    async def cycle(store):
        deliverer = Deliverer(config, Console(), Telegram("1:T", telegram.url), RateLimiter(1000, 0.0), sleep=sleep)
        try:
            return await deliverer.deliver(store)
        finally:
            await deliverer.close()

    if trouble.startswith("429"):
        telegram.fail(429, "Too Many Requests: retry after 7", after=2, retry_after=7)
        assert asyncio.run(cycle(store)) == (1, 0)
        assert sleeps == [7]  # waited as long as Telegram said, then went on from part 3
    else:
        telegram.fail(500, "Internal Server Error", after=2)
        assert asyncio.run(cycle(store)) == (0, 1)
        assert len(telegram.texts(9)) == 2
        if trouble.startswith("crash"):
            store.close()  # without a flush: only outbox.log knows the two parts went out
            store = open_store(config.state_dir, kind=store_kind)
        assert asyncio.run(cycle(store)) == (1, 0)
    assert telegram.texts(9) == parts  # each part once, in order
    store.close()


def test_the_token_is_hidden_from_every_log_line_that_would_carry_it(tk, telegram, write_config, monkeypatch,
                                                                     watcher_cli):
    # With -v every request is logged with its URL, and a Telegram URL holds the token in its path.
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    publish(tk, 1)
    code, out, err = watcher_cli("-c", config, "run", "--once", "-v")
    assert code == 0, err
    assert "/bot<token>/sendMessage" in err  # the line was logged ...
    assert "123:SECRET" not in err + out  # ... without the token


def test_an_alert_reads_in_dutch_with_the_news_first_and_one_line_of_reasons():
    alert = make_alert(soort="Motie", title="Gewijzigde motie van het lid Podt c.s. over een betere schaderegeling",
                       datum="2026-11-28", reasons=["keyword Oeigoer*", "member Ceder (D.G.M. Ceder)", "party SGP",
                                                    "dossier 35207"],
                       actors=[{"name": "A. Podt", "party": "D66", "role": "Indiener"},
                               {"name": "D.G.M. Ceder", "party": "ChristenUnie", "role": "Medeindiener"}])
    [message] = alerts.render_html(alert)
    lines = message.split("\n")
    # What a phone shows of it: the news, by whom; the kind and number on the next line.
    assert lines[0] == "<b>Nieuw: Gewijzigde motie over een betere schaderegeling — Podt (D66), Ceder (ChristenUnie)</b>"
    assert lines[1] == "Motie 2025D00000 · 28 november 2026"
    assert lines[2] == "<i>trefwoord Oeigoer* · Kamerlid D.G.M. Ceder, medeindiener · partij SGP · dossier 35207</i>"


def test_an_answer_says_who_asked_and_who_answered():
    alert = make_alert(soort="Antwoord schriftelijke vragen", datum="2025-10-16",
                       title="Antwoord op vragen van de leden Kahraman en Ceder over Syrische Druzen",
                       actors=[{"name": "I. Kahraman", "party": "NSC", "role": "Indiener"},
                               {"name": "D.G.M. Ceder", "party": "ChristenUnie", "role": "Medeindiener"}],
                       answered_by="Minister Veldkamp (Buitenlandse Zaken)")
    lines = alerts.render_html(alert)[0].split("\n")
    assert lines[0] == "<b>Nieuw: Antwoord op vragen over Syrische Druzen — Kahraman (NSC), Ceder (ChristenUnie)</b>"
    assert lines[2] == ("vragen van I. Kahraman (NSC), D.G.M. Ceder (ChristenUnie)"
                        " · antwoord van minister Veldkamp (Buitenlandse Zaken)")
    assert not any(line.startswith("door ") for line in lines)


@pytest.mark.parametrize("names,shown", [
    (["C.G. van der Staaij"], "Van der Staaij"),
    (["A. Podt", "B. Bikker", "C. Ceder"], "Podt, Bikker, Ceder"),
    (["A. Podt", "B. Bikker", "C. Ceder", "D. Dassen"], "Podt, Bikker c.s."),
])
def test_the_first_line_names_members_by_surname_and_many_as_c_s(names, shown):
    alert = make_alert(title="Motie over iets", actors=[{"name": n, "party": "", "role": "Indiener"} for n in names])
    assert alerts.first_line(alert) == f"Nieuw: Motie over iets — {shown}"
    assert ("door " in alerts.render_html(alert)[0]) == (len(names) > 3)  # all of them, when the first line could not


def test_a_title_that_names_whom_a_question_was_put_to_keeps_it():
    alert = make_alert(title="Vragen van het lid Sterk (CDA) aan de minister van Financiën over toeslagen",
                       actors=[{"name": "W.R.C. Sterk", "party": "CDA", "role": "Indiener"}])
    assert alerts.topic(alert) == alert.title


@pytest.mark.parametrize("old,new,says", [("2", "3", "gewijzigd, versie 2 → 3"), ("1", "n1", "gewijzigd, nieuwe versie (-n1)")])
def test_a_revision_says_its_versions_as_people_read_them(old, new, says):
    assert alerts.headline(make_alert(kind="revised", old_version=old, version=new)) == says


def test_a_motie_is_headed_by_what_it_is_about_not_its_dossier():
    from watcher.model import Meta
    meta = Meta(soort="Motie (gewijzigd/nader)", titel="Vreemdelingenbeleid",
                onderwerp="Gewijzigde motie van het lid Podt c.s. over een betere schaderegeling")
    assert alerts.subject(meta) == meta.onderwerp
    assert alerts.subject(Meta(soort="Brief regering", titel="Mensenrechten", onderwerp="Reactie op …")) == "Mensenrechten"


def test_an_answer_says_after_how_many_days_it_came():
    from watcher.model import Meta
    meta = Meta(soort="Antwoord schriftelijke vragen", datum="2022-06-29T00:00:00+02:00")
    assert alerts._days_to_answer(meta, {"ingezonden": "2022-06-07", "datum": "2022-06-29"}) == 22
    assert alerts._days_to_answer(Meta(soort="Motie", datum="2022-06-29"), {"ingezonden": "2022-06-07"}) is None
    [message] = alerts.render_html(make_alert(datum="2022-06-29", days_to_answer=22))
    assert message.split("\n")[1] == "Motie 2025D00000 · 29 juni 2022, antwoord na 22 dagen"


def test_the_token_is_hidden_from_a_traceback_too(capsys):
    import logging
    from watcher import logs
    logs.setup(False)
    logs.hide_secret("123:SECRET")
    try:
        raise RuntimeError("POST https://api.telegram.org/bot123:SECRET/sendMessage failed")
    except RuntimeError:
        logging.getLogger("watcher").exception("unexpected")
    err = capsys.readouterr().err
    assert "RuntimeError: POST https://api.telegram.org/bot<token>/sendMessage failed" in err
    assert "123:SECRET" not in err


def _desk_with_alerts(write_config, telegram, monkeypatch, count: int):
    """One Telegram subscriber, `desk` (chat 9), with `count` alerts waiting."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9, "keywords": ["x"]}],
                               telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(config.state_dir)
    for i in range(count):
        store.enqueue(make_alert(i))
    return config, store


def test_a_stop_request_during_a_long_delivery_leaves_the_rest_in_the_outbox(tmp_path, write_config, telegram,
                                                                             monkeypatch):
    config, store = _desk_with_alerts(write_config, telegram, monkeypatch, 20)
    # SIGTERM after the third
    assert deliver_once(config, store, telegram, should_stop=lambda: len(telegram.messages) >= 3) == (3, 17)
    assert len(telegram.messages) == 3
    store.close()


def test_a_delivery_costs_one_fsync_per_alert(tmp_path, write_config, telegram, monkeypatch):
    # What Telegram accepted is made durable; that a send started needs no fsync of its own (outbox.log).
    import os
    config, store = _desk_with_alerts(write_config, telegram, monkeypatch, 20)
    store.flush()
    syncs = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: syncs.append(fd) or real(fd))
    assert deliver_once(config, store, telegram) == (20, 0)
    monkeypatch.setattr(os, "fsync", real)
    assert len(syncs) <= 20 + 5, len(syncs)  # one per alert, and a few for the flush after
    store.close()


def test_paid_broadcast_lifts_the_overall_limit_and_says_so_on_each_message(tmp_path, write_config, telegram,
                                                                             monkeypatch, watcher_cli):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    path = write_config(subscribers=[{"name": f"c{i}", "telegram": 100 + i, "keywords": ["x"]} for i in range(60)],
                        telegram={"api_url": telegram.url, "paid_broadcast": True})
    import yaml
    data = yaml.safe_load(path.read_text())
    data["telegram"].pop("limits")  # the operator's own file: no limits of the tests'
    path.write_text(yaml.safe_dump(data))
    config = load(path, need_sources=False)
    assert (config.telegram.paid_broadcast, config.telegram.per_second) == (True, 1000)
    store = open_store(config.state_dir)
    for i in range(60):
        store.enqueue(make_alert(i, id=f"c{i}|2025D{i:05d}|new", subscriber=f"c{i}"))
    telegram.enforce = True  # 30 a second, unless the message says it is a paid broadcast

    async def cycle():
        from watcher.deliver.ratelimit import RateLimiter as Limits
        deliverer = Deliverer(config, Console(), Telegram("1:T", telegram.url, paid_broadcast=True),
                              Limits(config.telegram.per_second, 0.0))
        try:
            return await deliverer.deliver(store)
        finally:
            await deliverer.close()

    assert asyncio.run(cycle()) == (60, 0)
    assert telegram.too_many == 0  # 60 at once: over 30 a second, within 1,000
    assert all(str(m.get("allow_paid_broadcast")).lower() == "true" for m in telegram.messages)
    store.close()
    bad = write_config(telegram={"api_url": telegram.url, "paid_broadcast": "ja"})
    code, out, err = watcher_cli("-c", bad, "check")
    assert code != 0 and "telegram.paid_broadcast" in err and "expected true or false" in err, err


@pytest.mark.parametrize("passing", [
    {"code": 502, "description": "Bad Gateway"},
    {"code": 429, "description": "Too Many Requests: retry after 1", "retry_after": 1},
    {"code": 500, "description": "Internal Server Error"},
])
def test_an_alert_refused_as_html_whose_plain_text_meets_a_passing_failure_is_sent_later(
        passing, tk, telegram, write_config, monkeypatch, watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    [row] = publish(tk, 1)
    telegram.fail(400, "Bad Request: can't parse entities")
    telegram.fail(**passing)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert telegram.messages == [] and "waits for the next cycle" in err
    watcher_cli("-c", config, "run", "--once")
    assert [row["DocumentNummer"] in t for t in telegram.texts(501)] == [True]
    watcher_cli("-c", config, "run", "--once")
    assert len(telegram.messages) == 1  # and once only


def test_an_alert_whose_plain_text_is_refused_too_is_given_up(tk, telegram, write_config, monkeypatch, watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    publish(tk, 1)
    telegram.fail(400, "Bad Request: can't parse entities")
    telegram.fail(400, "Bad Request: chat not found")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert "refused the plain text too" in err
    watcher_cli("-c", config, "run", "--once")
    assert telegram.messages == []


def test_a_subscriber_missing_from_sources_yaml_for_a_while_gets_what_it_was_owed_when_it_returns(
        tmp_path, write_config, telegram, monkeypatch, caplog):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    desk = {"name": "desk", "telegram": 9, "keywords": ["x"]}
    other = {"name": "other", "telegram": 8, "keywords": ["y"]}
    present = load(write_config(subscribers=[desk, other], telegram={"api_url": telegram.url}), need_sources=False)
    half_written = load(write_config(subscribers=[other], telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(present.state_dir)
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)]
    for i in range(3):
        store.enqueue(make_alert(i))  # for desk
    caplog.set_level("INFO")
    assert deliver_once(half_written, store, telegram, lambda: now[0]) == (0, 3)
    assert "3 alert(s) for desk kept: it is not in sources.yaml" in caplog.text
    now[0] += timedelta(days=2)
    assert deliver_once(half_written, store, telegram, lambda: now[0]) == (0, 3)  # still kept
    assert deliver_once(present, store, telegram, lambda: now[0]) == (3, 0)  # back: all of it, once
    assert len(telegram.texts(9)) == 3 and "desk is in sources.yaml again" in caplog.text
    # Gone longer than the grace: what it was owed is dropped, and said so.
    store.enqueue(make_alert(5))
    assert deliver_once(half_written, store, telegram, lambda: now[0]) == (0, 1)
    now[0] += timedelta(days=8)
    assert deliver_once(half_written, store, telegram, lambda: now[0]) == (0, 0)
    assert "1 alert(s) for desk dropped: the subscriber is not in sources.yaml since" in caplog.text
    assert len(telegram.texts(9)) == 3
    store.close()


@pytest.mark.parametrize("field,value", [
    ("links", {"tweedekamer.nl": "https://www.tweedekamer.nl/x?" + "a=1&" * 2000, "pdf": "https://x.nl/" + "b" * 5000}),
    ("title", "<&>" * 2000),  # escapes to five times its length
    ("snippet", "«x» & <y> " * 900),
])
def test_every_line_fits_a_message_before_packing_so_no_tag_is_cut_and_nothing_is_refused(
        field, value, tmp_path, write_config, telegram, monkeypatch):
    from html.parser import HTMLParser

    alert = make_alert(**{field: value})
    messages = alerts.render_html(alert)
    for message in messages:
        assert len(message) <= alerts.MESSAGE_LIMIT
        opened = []

        class Tags(HTMLParser):
            def handle_starttag(self, tag, attrs):
                opened.append(tag)

            def handle_endtag(self, tag):
                assert opened and opened.pop() == tag, message[:200]
        Tags().feed(message)
        assert opened == [], opened  # every tag closes in its part
        assert re.findall(r"&(?!(?:amp|lt|gt|quot|#\d+);)", message) == []  # and no entity is cut
    config, store = _desk_with_alerts(write_config, telegram, monkeypatch, 0)
    store.enqueue(alert)
    assert deliver_once(config, store, telegram) == (1, 0)
    assert len(telegram.messages) == len(messages) and all(m.get("parse_mode") == "HTML" for m in telegram.messages)
    store.close()


def test_a_refused_diff_attachment_is_one_line_and_the_text_is_not_sent_again(tmp_path, write_config, telegram,
                                                                           monkeypatch):
    from watcher.model import Block, Document

    config, store = _desk_with_alerts(write_config, telegram, monkeypatch, 0)
    old = store.put_text(Document([Block("binnen zes weken", label="alinea 1")]))
    new = store.put_text(Document([Block("binnen acht weken", label="alinea 1")]))
    store.enqueue(make_alert(kind="revised", old_hash=old, new_hash=new, changes=["alinea 1: «zes» → «acht»"]))
    telegram.fail(400, "Bad Request: file is too big", after=1)  # the text goes in; the attachment is refused
    assert deliver_once(config, store, telegram) == (1, 0)
    texts = telegram.texts(9)
    assert len(texts) == 2 and "«zes» → «acht»" in texts[0]
    assert texts[1] == alerts.ATTACHMENT_REFUSED
    assert deliver_once(config, store, telegram) == (0, 0) and len(telegram.texts(9)) == 2
    store.close()


def test_a_429_asking_for_an_hour_is_not_slept_and_the_alert_goes_next_cycle(tmp_path, write_config, telegram,
                                                                            monkeypatch, caplog):
    config, store = _desk_with_alerts(write_config, telegram, monkeypatch, 1)
    sleeps = []

    async def sleep(seconds):
        sleeps.append(seconds)

    telegram.fail(429, "Too Many Requests: retry after 3600", retry_after=3600)
    caplog.set_level("INFO")
    assert deliver_once(config, store, telegram, sleep=sleep) == (0, 1)
    assert sleeps == [] and "asks to wait 3600s; the rest waits for the next cycle" in caplog.text
    assert deliver_once(config, store, telegram, sleep=sleep) == (1, 0)  # the next cycle sends it, once
    assert len(telegram.texts(9)) == 1
    store.close()


def test_a_digest_time_left_in_the_future_by_a_clock_that_jumped_ahead_is_not_trusted(
        tmp_path, write_config, telegram, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9, "keywords": ["x"], "digest": "daily"}],
                               telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(config.state_dir)
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)]
    store.enqueue(make_alert(1))
    assert deliver_once(config, store, telegram, lambda: now[0] + timedelta(days=200)) == (1, 0)  # the jump
    store.enqueue(make_alert(2))
    assert deliver_once(config, store, telegram, lambda: now[0]) == (1, 0)  # back: the next digest goes
    store.enqueue(make_alert(3))
    assert deliver_once(config, store, telegram, lambda: now[0] + timedelta(hours=1)) == (0, 1)  # a day apart
    assert len(telegram.texts(9)) == 2
    store.close()


def test_a_subscriber_back_with_nothing_waiting_is_no_longer_counted_missing(tmp_path, write_config, telegram,
                                                                            monkeypatch):
    # Its alerts were forgotten meanwhile (/vergeet): an old "missing since" must not make its next absence
    # drop what it is owed at once.
    config, store = _desk_with_alerts(write_config, telegram, monkeypatch, 0)
    store.set_event_state("missing", "desk", {"since": "2026-01-01T00:00:00+00:00"})
    assert deliver_once(config, store, telegram) == (0, 0)
    assert not (store.event_state("missing", "desk") or {}).get("since")
    store.close()


def test_a_stop_request_during_a_429_wait_starts_nothing_more(tmp_path, write_config, telegram, monkeypatch):
    config, store = _desk_with_alerts(write_config, telegram, monkeypatch, 1)
    stop = []

    async def sleep(seconds):
        stop.append(seconds)  # SIGTERM arrives while Telegram's wait is waited

    telegram.fail(429, "Too Many Requests: retry after 5", retry_after=5)
    assert deliver_once(config, store, telegram, sleep=sleep, should_stop=lambda: bool(stop)) == (0, 1)
    assert stop == [5] and telegram.messages == []
    store.close()


@pytest.mark.parametrize("how", [["run"], ["run", "--once"]], ids=["run", "once"])
def test_a_token_telegram_refuses_stops_the_watcher_with_exit_2_and_one_sentence(how, tk, telegram, write_config,
                                                                                 monkeypatch, spawn):
    config = setup(tk, telegram, write_config, monkeypatch)
    telegram.refuse_token = True
    proc = spawn("-c", config, *how, env={"TELEGRAM_BOT_TOKEN": "123:REVOKED"})
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.strip().splitlines()[-1] == (
        "watcher: Telegram refused the token in $TELEGRAM_BOT_TOKEN: ask @BotFather for the bot's token (/mybots, "
        "API Token) and set it again; nothing was sent, the alerts wait")
    assert "Traceback" not in err and "REVOKED" not in err


def test_a_token_revoked_while_alerts_go_out_stops_the_run_and_the_alert_waits(tk, telegram, write_config,
                                                                             monkeypatch, watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    [row] = publish(tk, 1)
    telegram.refuse_token = True
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 2 and "Telegram refused the token" in err, err
    telegram.refuse_token = False
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    assert [t for t in telegram.texts(501) if row["DocumentNummer"] in t]


def test_getme_is_asked_once_a_process_however_many_chats_a_delivery_reaches(tk, telegram, write_config,
                                                                           monkeypatch, watcher_cli):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET")
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": f"desk{i}", "telegram": 500 + i, "keywords": ["Kamer"]} for i in range(4)],
                          telegram={"api_url": telegram.url})
    watcher_cli("-c", config, "run", "--once")
    publish(tk, 2)
    telegram.calls.clear()
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    methods = [method for method, _ in telegram.calls]
    assert methods.count("getMe") == 1 and methods.count("sendMessage") == 8, methods


def test_getme_is_asked_once_by_sends_to_many_chats_at_once(telegram):
    """A long-running watcher's first delivery pass sends to many chats at once: one getMe among them."""
    bot = Telegram("1:T", telegram.url)

    async def run():
        limiter = RateLimiter(1000, 0, 1000)
        try:
            await asyncio.gather(*(bot.send(700 + n, [f"bericht {n}"], None, limiter) for n in range(5)))
        finally:
            await bot.close()

    asyncio.run(run())
    methods = [method for method, _ in telegram.calls]
    assert methods.count("getMe") == 1 and methods.count("sendMessage") == 5, methods


@pytest.mark.parametrize("size", range(4084, 4097))
def test_a_part_that_fills_a_message_leaves_room_for_its_number(size):
    """Lines whose first part would be `size` characters before "(1/2)" is added: every part still fits."""
    from watcher.alerts.alert import MESSAGE_LIMIT, pack
    lines = ["a" * 4000, "b" * (size - 4001), "c" * 100]
    parts = pack(lines)
    assert len(parts) == 2 and all(len(p) <= MESSAGE_LIMIT for p in parts), [len(p) for p in parts]
    assert parts[0].endswith("(1/2)") and parts[1].endswith("(2/2)")


def _say(config, chat: int, text: str) -> str:
    """What the bot answers `text` from `chat`, on the state a `watcher run --once` left."""
    from watcher.bot.app import WatchBot
    settings = load(config)
    with open_store(settings.state_dir) as store:
        return WatchBot(settings, store, "1:T", rules_changed=lambda: None).answer(chat, text)


@pytest.mark.parametrize("off, on", [("/stop", "/resume"), ("/stop", "/start"), ("/pause", "/resume"),
                                     ("blocked", "/start")])
def test_alerts_flow_again_after_the_command_that_says_so(off, on, tk, telegram, write_config, monkeypatch,
                                                          watcher_cli):
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    if off == "blocked":
        [first] = publish(tk, 1)
        telegram.fail(403, "Forbidden: bot was blocked by the user")
        watcher_cli("-c", config, "run", "--once")
    else:
        _say(config, 501, off)
    quiet_row = tk.add(page_rows()[1])
    watcher_cli("-c", config, "run", "--once")
    assert not [t for t in telegram.texts(501) if quiet_row["DocumentNummer"] in t]  # nothing while off
    _say(config, 501, on)
    row = tk.add(page_rows()[2])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    assert [t for t in telegram.texts(501) if row["DocumentNummer"] in t], telegram.texts(501)


def test_after_vergeet_the_buttons_under_new_alerts_work(tk, telegram, write_config, monkeypatch, watcher_cli):
    import json

    from watcher.alerts import buttons
    from watcher.bot.app import WatchBot
    from watcher.bot.words import STALE
    config = setup(tk, telegram, write_config, monkeypatch)
    watcher_cli("-c", config, "run", "--once")
    settings = load(config)
    with open_store(settings.state_dir) as store:
        bot = WatchBot(settings, store, "1:T", rules_changed=lambda: None)
        [(_, confirm)] = bot.answer(501, "/vergeet")[1]
        assert bot.tap(501, confirm)[0] == "Alles over dit gesprek is gewist."
    [row] = publish(tk, 1)
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    [message] = [m for m in telegram.messages if row["DocumentNummer"] in m.get("text", "")]
    keys = [b["callback_data"] for [b] in json.loads(message["reply_markup"])["inline_keyboard"]]
    mute = next(k for k in keys if k.startswith(buttons.MUTE + "|"))
    with open_store(settings.state_dir) as store:
        answer, _, _ = WatchBot(settings, store, "1:T", rules_changed=lambda: None).tap(501, mute)
    assert answer != STALE and answer.startswith("U krijgt geen meldingen meer over")


SHOWN_DATES = yaml.safe_load((Path(__file__).parent / "cases" / "shown_dates.yaml").read_text())


@pytest.mark.parametrize("case", SHOWN_DATES, ids=[c["wire"] for c in SHOWN_DATES])
def test_a_moment_is_shown_as_the_day_it_is_in_amsterdam(case):
    from watcher.parliament import dutch_date
    assert dutch_date(case["wire"]) == case["shown"]
