"""Quiet hours (`/stil 22:00-07:00`, `quiet:` in YAML): alerts in the window are sent without a sound, or
held to its end with "bewaar"; Amsterdam's clock, across midnight and the changes of summer time."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from tests.test_telegram import deliver_once, make_alert
from watcher.deliver import quiet
from watcher.config import load
from watcher.store import open_store

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "quiet_hours.yaml").read_text())


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['window']}@{c['at']}" for c in CASES])
def test_a_moment_is_inside_the_window_by_amsterdams_clock(case):
    window = quiet.parse(case["window"])
    assert quiet.inside(window, _utc(case["at"])) is case["inside"]
    if case["inside"]:
        assert quiet.ends(window, _utc(case["at"])) == _utc(case["ends"])


@pytest.mark.parametrize("text", ["22-07", "25:00-07:00", "07:00-07:00", "22:00-07:00 later", ""])
def test_a_bad_window_is_refused_with_what_to_write(text):
    with pytest.raises(ValueError, match="22:00-07:00"):
        quiet.parse(text)


def _deliver(config, store, telegram, now):
    return deliver_once(config, store, telegram, lambda: now[0])


@pytest.mark.parametrize("hold", [False, True])
def test_an_alert_in_quiet_hours_is_silent_or_held_to_their_end(hold, write_config, telegram, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    window = "22:00-07:00" + (" bewaar" if hold else "")
    config = load(write_config(subscribers=[{"name": "desk", "telegram": 9, "keywords": ["x"], "quiet": window}],
                               telegram={"api_url": telegram.url}), need_sources=False)
    store = open_store(config.state_dir)
    now = [datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)]  # 00:30 in Amsterdam, the night summer time starts
    store.enqueue(make_alert(1))
    if hold:
        assert _deliver(config, store, telegram, now) == (0, 1) and telegram.messages == []
        now[0] = datetime(2026, 3, 29, 4, 59, tzinfo=timezone.utc)  # 06:59 CEST: still quiet
        assert _deliver(config, store, telegram, now) == (0, 1)
        now[0] = datetime(2026, 3, 29, 5, 0, tzinfo=timezone.utc)  # 07:00 CEST: the window is over
    assert _deliver(config, store, telegram, now) == (1, 0)
    [message] = telegram.messages
    assert message.get("disable_notification") in ((False, "false", None) if hold else (True, "true"))
    store.enqueue(make_alert(2))
    now[0] += timedelta(hours=6)  # daytime
    _deliver(config, store, telegram, now)
    assert telegram.messages[-1].get("disable_notification") in (False, "false", None)
    store.close()


def test_quiet_hours_from_chat(write_config, telegram):
    from watcher.bot.app import WatchBot
    from watcher.watchlists.subscribers import effective
    config = load(write_config(telegram={"api_url": telegram.url, "allow": "open"}), need_sources=False)
    with open_store(config.state_dir) as store:
        bot = WatchBot(config, store, "1:T", rules_changed=lambda: None)
        bot.answer(5, "/start")
        bot.answer(5, "/watch x")
        assert bot.answer(5, "/stil 22:00-07:00 bewaar") == (
            "Stille uren 22:00–07:00 (Nederlandse tijd): meldingen worden dan bewaard tot het einde ervan.")
        assert effective(config, store)[0].quiet == "22:00-07:00 bewaar"
        assert bot.answer(5, "/stil morgen").startswith("Gebruik: /stil 22:00-07:00")
        assert bot.answer(5, "/stil uit").startswith("Geen stille uren meer")
        assert effective(config, store)[0].quiet == ""
