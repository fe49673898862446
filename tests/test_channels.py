"""Channels beside Telegram: one subscriber's alerts by e-mail (a loopback SMTP server), in a team chat (a
loopback webhook, through Apprise), in its Atom feed and its calendar, across a story with a new document,
its revision, and a debate scheduled, moved and cancelled. Each channel gets each alert once; one that fails
holds up no other and gets what it missed when it is back."""

import json
import re
from datetime import datetime, timedelta, timezone

import feedparser
import httpx
import icalendar
import pytest

from tests.postgres import free_port
from tests.fakes.tk import FILES, activity, edit_docx, page_rows
from watcher.config import load
from watcher.deliver import deliver as delivery
from watcher.store import open_store
from watcher.web import pages, tokens
from watcher.web.server import server

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
A = "ac7e0000-0000-4000-8000-00000000a001"
B = "ac7e0000-0000-4000-8000-00000000b002"
CHAT = 4242


def _config(tk, telegram, smtp, webhook, write_config, port, **extra):
    return write_config(
        [{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
        [{"name": "redactie", "telegram": CHAT, "email": "redactie@example.nl", "chats": [webhook.url()],
          "feed": True, "keywords": ["apotheker*"], "dossiers": ["30950"], **extra}],
        telegram={"api_url": telegram.url},
        email={"host": "127.0.0.1", "port": smtp.port, "from": "watcher@example.nl", "security": "none"},
        serve={"listen": f"127.0.0.1:{port}"})


@pytest.fixture
def site():
    """`watcher serve` in this process, on a free port, for a config written with that port."""
    port = free_port()
    started = []

    def start(path):
        httpd = server(load(path), "127.0.0.1", port)
        import threading
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{port}/"

    yield port, start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


def test_one_subscriber_hears_the_story_once_on_every_channel(tk, telegram, smtp, webhook, write_config,
                                                              watcher_cli, monkeypatch, site):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:CHANNELS")
    port, start = site
    path = _config(tk, telegram, smtp, webhook, write_config, port)
    run = lambda: watcher_cli("-c", path, "run", "--once")  # noqa: E731
    assert run()[0] == 0  # the first run: from now on
    data = FILES[DOCX].read_bytes()
    row = tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=data, content_type=DOCX)
    number = row["DocumentNummer"]
    assert run()[0] == 0
    tk.revise(row["Id"], edit_docx(data, "groothandelsvergunning hebben", "vergunning als groothandel hebben"))
    assert run()[0] == 0
    first = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
    then = first + timedelta(days=7, hours=3)
    tk.put("Activiteit", activity(A, first))
    assert run()[0] == 0
    base = start(path)
    with open_store(load(path).state_dir, readonly=True) as store:
        token = tokens.token(store, "redactie")
    calendar_url = f"{base}{token}/agenda.ics"
    scheduled = _events(httpx.get(calendar_url))
    tk.put("Activiteit", activity(A, first, status="Verplaatst", VervangenDoor=[{"Id": B}]))
    tk.put("Activiteit", activity(B, then, VervangenVanuit=[{"Id": A}]))
    assert run()[0] == 0
    moved = _events(httpx.get(calendar_url))
    tk.put("Activiteit", activity(B, then, status="Geannuleerd", VervangenVanuit=[{"Id": A}]))
    assert run()[0] == 0
    cancelled = _events(httpx.get(calendar_url))
    assert run()[0] == 0  # nothing new: nothing sent again anywhere

    headlines = ["Nieuw", "Gewijzigd", "Gepland", "Verplaatst", "Geannuleerd"]
    # Telegram, as before
    assert [_head(t) for t in telegram.texts(CHAT) if t.startswith("<b>")] == headlines
    # e-mail: one message an alert, plain text with an HTML alternative, each its own Message-ID
    mails = smtp.to("redactie@example.nl")
    assert [_head(m["Subject"]) for m in mails] == headlines
    assert len({m["Message-ID"] for m in mails}) == 5 and all(m["From"] == "watcher@example.nl" for m in mails)
    plain, html = (mails[1].get_body(("plain",)).get_content(), mails[1].get_body(("html",)).get_content())
    assert number in plain and "<b>Gewijzigd" in html and "<" not in plain.splitlines()[0]
    diff_url = next(line.split(": ", 1)[1] for line in plain.splitlines() if line.startswith("Alle wijzigingen"))
    assert diff_url.startswith(f"{base}diff/{number}/")
    page = httpx.get(diff_url)  # the link works: the changes, marked
    assert page.status_code == 200 and "groothandel" in page.text and "<del" in page.text
    # the team chat, through Apprise's JSON webhook
    assert [_head(p["title"]) for p in webhook.posts] == headlines
    assert f"Alle wijzigingen naast elkaar: {diff_url}" in webhook.posts[1]["message"]
    # the feed: every alert an entry, the revision a new one with its diff page linked
    feed = feedparser.parse(httpx.get(f"{base}{token}/meldingen.atom").content)
    assert not feed.bozo and feed.version == "atom10"
    assert [_head(e.title) for e in feed.entries] == list(reversed(headlines))
    assert len({e.id for e in feed.entries}) == 5
    revision = feed.entries[3]
    assert [link.href for link in revision.links if link.rel == "related"] == [diff_url]
    assert number in revision.summary and "keyword apotheker*" in [t.term for t in revision.tags]
    # a feed per rule
    rule = feedparser.parse(httpx.get(f"{base}{token}/regels/keyword-apotheker.atom").content)
    assert [_head(e.title) for e in rule.entries] == ["Gewijzigd", "Nieuw"]
    dossier = feedparser.parse(httpx.get(f"{base}{token}/regels/dossier-30950.atom").content)
    assert [_head(e.title) for e in dossier.entries] == ["Geannuleerd", "Verplaatst", "Gepland"]
    # the calendar: one event, moved and then cancelled, by its uid and a rising sequence
    amsterdam_first = first.replace(tzinfo=None)
    assert [(e["UID"], int(e["SEQUENCE"]), str(e["STATUS"])) for e in scheduled] == [(f"{A}@watcher", 0, "CONFIRMED")]
    assert scheduled[0].decoded("DTSTART").replace(tzinfo=None) == amsterdam_first
    assert str(scheduled[0].decoded("DTSTART").tzinfo) == "Europe/Amsterdam"
    assert [(e["UID"], int(e["SEQUENCE"]), str(e["STATUS"])) for e in moved] == [(f"{A}@watcher", 1, "CONFIRMED")]
    assert moved[0].decoded("DTSTART").replace(tzinfo=None) == then.replace(tzinfo=None)
    assert [(e["UID"], int(e["SEQUENCE"]), str(e["STATUS"])) for e in cancelled] == [(f"{A}@watcher", 2, "CANCELLED")]
    # someone else's token, or none, finds nothing
    assert httpx.get(f"{base}{'a' * 32}/meldingen.atom").status_code == 404
    assert httpx.get(base).status_code == 404


def _head(text: str) -> str:
    """An alert's first word, as each channel shows it ("<b>Gewijzigd, versie 1 → 2: …" is "Gewijzigd")."""
    return re.match(r"(?:<b>)?(\w+)", text).group(1)


def _events(response) -> list:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch, **extra):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:CHANNELS")
    path = _config(tk, telegram, smtp, webhook, write_config, free_port(), **extra)
    assert watcher_cli("-c", path, "run", "--once")[0] == 0
    return path


def test_a_failing_channel_holds_up_no_other_and_gets_what_it_missed_after_its_wait(
        tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch):
    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch)
    now = [datetime.now(timezone.utc).replace(microsecond=0)]
    monkeypatch.setattr(delivery, "_now", lambda: now[0])
    smtp.answer = "451 4.3.0 probeer het later"
    webhook.status = 503
    tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=FILES[DOCX].read_bytes(), content_type=DOCX)
    code, out, err = watcher_cli("-c", path, "run", "--once")
    assert code == 0
    assert len(telegram.texts(CHAT)) == 1  # Telegram went on
    assert smtp.messages == [] and webhook.posts == []
    assert "redactie@example.nl: not delivered" in err and "json://…: not delivered" in err
    assert "127.0.0.1" not in err.split("json://")[1].split("\n")[0]  # a chat's URL (its token) is never logged
    roster = watcher_cli("-c", path, "subscribers")[1]  # the operator sees which channel fails, and why
    assert roster.startswith("redactie (chat 4242, redactie@example.nl, json://…, feed): active\n")
    assert "  redactie@example.nl: failing (1 tries, the next at " in roster and "SMTP 451" in roster
    assert "  json://…: failing (1 tries" in roster
    smtp.answer, webhook.status = "250 OK", 200
    watcher_cli("-c", path, "run", "--once")  # within the wait: not tried again
    assert smtp.messages == [] and webhook.posts == [] and smtp.refused == 1
    now[0] += timedelta(seconds=delivery.BACKOFF_FIRST + 1)
    watcher_cli("-c", path, "run", "--once")
    assert len(smtp.messages) == 1 and len(webhook.posts) == 1
    now[0] += timedelta(hours=2)
    watcher_cli("-c", path, "run", "--once")
    assert len(smtp.messages) == 1 and len(webhook.posts) == 1 and len(telegram.texts(CHAT)) == 1


def test_a_failing_channel_waits_longer_each_time_up_to_an_hour(tk, telegram, smtp, webhook, write_config,
                                                                 watcher_cli, monkeypatch):
    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch)
    now = [datetime.now(timezone.utc).replace(microsecond=0)]
    monkeypatch.setattr(delivery, "_now", lambda: now[0])
    smtp.answer = "421 4.7.0 te druk"
    tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=FILES[DOCX].read_bytes(), content_type=DOCX)
    waits = []
    for _ in range(9):
        tried = smtp.refused
        watcher_cli("-c", path, "run", "--once")
        with open_store(load(path).state_dir, readonly=True) as store:
            state = store.event_state("channel", "redactie|email:redactie@example.nl")
        waits.append(round((datetime.fromisoformat(state["retry_at"]) - now[0]).total_seconds()))
        assert smtp.refused == tried + 1
        now[0] = datetime.fromisoformat(state["retry_at"]) + timedelta(seconds=1)
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_recipient_the_server_refuses_gives_that_alert_up_and_the_next_goes(tk, telegram, smtp, webhook,
                                                                             write_config, watcher_cli, monkeypatch):
    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch)
    smtp.answer = "550 5.1.1 onbekende ontvanger"
    rows = [r for r in page_rows() if r["ContentType"] == DOCX][:1]
    tk.add(rows[0], data=FILES[DOCX].read_bytes(), content_type=DOCX)
    code, out, err = watcher_cli("-c", path, "run", "--once")
    assert "refused" in err and "given up" in err
    smtp.answer = "250 OK"
    watcher_cli("-c", path, "run", "--once")
    assert smtp.messages == []  # given up, not sent again
    with open_store(load(path).state_dir, readonly=True) as store:
        assert store.count_pending_alerts() == 0


def test_a_channels_own_digest_collects_while_telegram_is_instant(tk, telegram, smtp, webhook, write_config,
                                                                  watcher_cli, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:CHANNELS")
    path = write_config(
        [{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
        [{"name": "redactie", "telegram": CHAT, "email": {"to": "redactie@example.nl", "digest": "daily"},
          "keywords": ["apotheker*", "motie"]}],
        telegram={"api_url": telegram.url},
        email={"host": "127.0.0.1", "port": smtp.port, "from": "watcher@example.nl", "security": "none"})
    now = [datetime.now(timezone.utc).replace(microsecond=0)]
    monkeypatch.setattr(delivery, "_now", lambda: now[0])
    watcher_cli("-c", path, "run", "--once")
    tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=FILES[DOCX].read_bytes(), content_type=DOCX)
    watcher_cli("-c", path, "run", "--once")
    assert len(telegram.texts(CHAT)) == 1 and len(smtp.messages) == 1  # the first digest goes at once
    tk.add(next(r for r in page_rows() if r["Soort"] == "Motie"))
    watcher_cli("-c", path, "run", "--once")
    assert len(telegram.texts(CHAT)) == 2 and len(smtp.messages) == 1  # the next waits for the day
    now[0] += timedelta(days=1, minutes=1)
    watcher_cli("-c", path, "run", "--once")
    assert len(smtp.messages) == 2 and smtp.messages[1]["Subject"] == "Overzicht (afgelopen dag): 1 melding"


def test_without_telegram_a_subscriber_hears_only_on_its_channels(tk, smtp, write_config, watcher_cli):
    path = write_config(
        [{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
        [{"name": "inbox", "email": "inbox@example.nl", "keywords": ["apotheker*"]}],
        email={"host": "127.0.0.1", "port": smtp.port, "from": "watcher@example.nl", "security": "none"})
    watcher_cli("-c", path, "run", "--once")
    tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=FILES[DOCX].read_bytes(), content_type=DOCX)
    code, out, err = watcher_cli("-c", path, "run", "--once")
    assert "[inbox]" not in out  # not printed to the console as well
    assert [m["To"] for m in smtp.messages] == ["inbox@example.nl"]


def test_a_channel_taken_out_of_sources_yaml_drops_what_waited_for_it(tk, telegram, smtp, webhook, write_config,
                                                                       watcher_cli, monkeypatch):
    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch)
    webhook.status = 503
    tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=FILES[DOCX].read_bytes(), content_type=DOCX)
    watcher_cli("-c", path, "run", "--once")
    text = path.read_text()
    path.write_text(text.replace(f"  - {webhook.url()}\n", "  []\n").replace("chats:\n  []", "chats: []"))
    webhook.status = 200
    code, out, err = watcher_cli("-c", path, "run", "--once")
    assert code == 0 and "no longer given this channel" in err
    assert webhook.posts == []
    with open_store(load(path).state_dir, readonly=True) as store:
        assert store.count_pending_alerts() == 0


def test_addresses_need_the_secret_a_first_run_makes(tk, write_config, watcher_cli):
    path = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                        [{"name": "lezer", "feed": True, "keywords": ["Xinjiang"], "members": ["Ceder"]}])
    code, out, err = watcher_cli("-c", path, "serve", "--urls")
    assert code == 1 and "watcher run --once" in err
    watcher_cli("-c", path, "run", "--once")
    code, out, err = watcher_cli("-c", path, "serve", "--urls")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "lezer" and lines[1].startswith("  meldingen: http://127.0.0.1:8080/")
    assert any("regel member Ceder: " in line and line.endswith("/regels/member-ceder.atom") for line in lines)
    assert lines[-1].endswith("/agenda.ics")
    with open_store(load(path).state_dir, readonly=True) as store:
        assert lines[1].split("/")[3] == tokens.token(store, "lezer") and len(tokens.token(store, "lezer")) == 32


def test_the_files_written_are_the_pages_served(tk, telegram, smtp, webhook, write_config, watcher_cli,
                                                 monkeypatch, tmp_path):
    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch)
    data = FILES[DOCX].read_bytes()
    row = tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=data, content_type=DOCX)
    watcher_cli("-c", path, "run", "--once")
    tk.revise(row["Id"], edit_docx(data, "groothandelsvergunning hebben", "vergunning als groothandel hebben"))
    watcher_cli("-c", path, "run", "--once")
    code, out, err = watcher_cli("-c", path, "serve", "--write", tmp_path / "site")
    assert code == 0, err
    config = load(path)
    with open_store(config.state_dir, readonly=True) as store:
        token = tokens.token(store, "redactie")
        for name in ("meldingen.atom", "agenda.ics", "regels/keyword-apotheker.atom"):
            written = (tmp_path / "site" / token / name).read_bytes()
            served = pages.serve(config, store, f"/{token}/{name}")
            assert served.status == 200 and _without_stamps(written) == _without_stamps(served.body)
    [diff] = (tmp_path / "site" / "diff" / row["DocumentNummer"]).iterdir()
    assert "groothandel" in diff.read_text()
    assert out.startswith(f"{len(list((tmp_path / 'site').rglob('*.*')))} file(s) written")


def _without_stamps(body: bytes) -> bytes:
    """A feed's or calendar's text without the moment it was made (DTSTAMP, an empty feed's updated)."""
    return b"\n".join(line for line in body.splitlines() if not line.startswith(b"DTSTAMP"))


def test_a_chat_gets_its_own_addresses_from_the_bot(tk, telegram, smtp, webhook, write_config, watcher_cli,
                                                     monkeypatch):
    from watcher.bot.app import WatchBot

    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch)
    config = load(path)
    with open_store(config.state_dir) as store:
        bot = WatchBot(config, store, "1:T", rules_changed=lambda: None)
        reply = bot.answer(CHAT, "/agenda")
        token = tokens.token(store, "redactie")
        assert reply.count(token) == 8 and "deel ze niet" in reply  # four addresses, each linked
        assert f"Uw agenda: de debatten en activiteiten die u werden gemeld: <a href=\"{config.serve.base()}{token}/agenda.ics\">" in reply
        assert "Alleen trefwoord apotheker*: " in reply and "Alleen dossier 30950: " in reply
        assert token not in bot.answer(99, "/agenda")  # another chat never sees them


def test_a_channels_own_quiet_hours_hold_it_alone(tk, telegram, smtp, webhook, write_config, watcher_cli,
                                                   monkeypatch):
    from watcher.parliament import AMSTERDAM

    now = [datetime.now(timezone.utc).replace(microsecond=0)]
    monkeypatch.setattr(delivery, "_now", lambda: now[0])
    here = now[0].astimezone(AMSTERDAM)
    window = f"{(here - timedelta(hours=1)):%H:%M}-{(here + timedelta(hours=1)):%H:%M} bewaar"
    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch,
                        chats=[{"url": webhook.url(), "quiet": window}])
    tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=FILES[DOCX].read_bytes(), content_type=DOCX)
    watcher_cli("-c", path, "run", "--once")
    assert len(telegram.texts(CHAT)) == 1 and len(smtp.messages) == 1 and webhook.posts == []  # held
    now[0] += timedelta(hours=2)
    watcher_cli("-c", path, "run", "--once")
    assert len(webhook.posts) == 1 and len(smtp.messages) == 1 and len(telegram.texts(CHAT)) == 1


@pytest.mark.parametrize("scheme,found", [
    ("mmost://127.0.0.1:{port}/3ccdd113474722377935511fc85d3dd4", lambda p: p["path"] == "/hooks/3ccdd113474722377935511fc85d3dd4" and "text" in p),
    ("ntfy://127.0.0.1:{port}/watcher-desk", lambda p: "watcher-desk" in (p.get("topic", "") + p["path"])),
])
def test_a_team_chat_of_another_kind_is_posted_in_its_own_format(scheme, found, tk, telegram, smtp, webhook,
                                                                  write_config, watcher_cli, monkeypatch):
    """Mattermost and ntfy as Apprise speaks them (their APIs are Apprise's to keep up with), to the loopback."""
    url = scheme.format(port=webhook.server.port)
    path = _story_start(tk, telegram, smtp, webhook, write_config, watcher_cli, monkeypatch, chats=[url])
    data = FILES[DOCX].read_bytes()
    row = tk.add(next(r for r in page_rows() if r["ContentType"] == DOCX), data=data, content_type=DOCX)
    assert watcher_cli("-c", path, "run", "--once")[0] == 0
    [post] = webhook.posts
    assert found(post), post
    assert row["DocumentNummer"] in json.dumps(post)
