"""The channels beside Telegram: what they cost.

    python bench/bench_channels.py [ALERTS]

- import: the CPU of starting Python and importing Apprise or icalendar, against starting Python alone
  (a run pays for Apprise only with a team chat, `watcher serve` for icalendar);
- delivery: ALERTS alerts (default 200) to one subscriber on e-mail (a loopback SMTP server) and on a team
  chat (a loopback webhook through Apprise), against the same alerts to its Telegram chat (the fake Bot API,
  limits lifted), each in its own pass, alerts a second;
- feeds: the Atom feed of the newest 100 alerts and a calendar of 200 meetings, as `watcher serve` makes them
  per request, against rendering the same alerts' chat HTML alone (the floor: the words every channel needs).
"""

import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _common import child_cpu_s, median_ms

from tests.fakes.channels import FakeSMTP, FakeWebhook
from tests.fakes.telegram import FakeTelegram
from watcher.alerts import atom, calendar
from watcher.alerts.alert import render_html
from watcher.config import parse
from watcher.deliver.deliver import Deliverer
from watcher.deliver.notify import Console, Telegram
from watcher.deliver.ratelimit import RateLimiter
from watcher.model import Alert
from watcher.store import open_store


def imports() -> None:
    def started(code: str) -> float:
        return sorted(child_cpu_s([sys.executable, "-c", code]) for _ in range(5))[2] * 1000

    bare = started("pass")
    for module in ("apprise", "icalendar"):
        cost = started(f"import {module}")
        print(f"import {module:10s} {cost:7.0f} ms CPU with Python's start, {cost - bare:6.0f} ms of it the import "
              f"({cost / bare:.1f}x a bare start, {bare:.0f} ms)")


def _alert(i: int) -> Alert:
    return Alert(id=f"desk|2026D{i:05d}|new", subscriber="desk", document=f"2026D{i:05d}", kind="new",
                 title=f"Motie van het lid Ceder over Xinjiang nummer {i}", soort="Motie", reasons=["keyword Xinjiang"],
                 snippet="de Oeigoeren in Xinjiang", highlight="Xinjiang",
                 links={"tweedekamer.nl": f"https://www.tweedekamer.nl/kamerstukken/detail?id=2026D{i:05d}"},
                 created=(datetime(2026, 12, 1, tzinfo=timezone.utc) + timedelta(minutes=i)).isoformat())


def delivery(count: int) -> None:
    smtp, hook, telegram = FakeSMTP().start(), FakeWebhook(), FakeTelegram()
    hook.server.start()
    telegram.server.start()
    try:
        rates = {}
        for name, channel in (("telegram", {"telegram": 7}), ("e-mail", {"email": "desk@example.nl"}),
                              ("team chat", {"chats": [hook.url()]})):
            with tempfile.TemporaryDirectory() as folder:
                text = (f"state_dir: {folder}\nsources: [{{name: tk, kind: tweedekamer}}]\n"
                        f"email: {{host: 127.0.0.1, port: {smtp.port}, from: w@example.nl, security: none}}\n"
                        f"subscribers:\n  - {{name: desk, keywords: [x], "
                        + ", ".join(f"{k}: {v!r}" if k != "chats" else f"chats: [{v[0]!r}]" for k, v in channel.items())
                        + "}\n")
                config = parse(text, Path(folder) / "sources.yaml")
                store = open_store(folder)
                from watcher.deliver import channels
                subscriber = config.subscribers[0]
                for i in range(count):
                    for copy in channels.copies(_alert(i), subscriber):
                        store.enqueue(copy)
                store.flush()

                async def send():
                    client = Telegram("1:T", telegram.url) if "telegram" in channel else None
                    deliverer = Deliverer(config, Console(), client, RateLimiter(100000, 0.0))
                    try:
                        return await deliverer.deliver(store)
                    finally:
                        await deliverer.close()

                started = time.perf_counter()
                sent, left = asyncio.run(send())
                rates[name] = sent / (time.perf_counter() - started)
                assert left == 0, f"{name}: {left} alerts left"
                store.close()
        for name, rate in rates.items():
            print(f"delivery {name:10s} {rate:8.0f} alerts/s ({rate / rates['telegram']:.2f}x the fake Telegram)")
    finally:
        smtp.stop()
        hook.server.stop()
        telegram.server.stop()


def feeds() -> None:
    alerts = [_alert(i) for i in range(100)]
    floor = median_ms(lambda: [render_html(a) for a in alerts])
    feed = median_ms(lambda: atom.feed(alerts, "watcher — desk", "t", "http://x/t/meldingen.atom", "http://x/",
                                       datetime.now(timezone.utc)))
    print(f"atom feed, 100 entries {feed:7.1f} ms ({feed / floor:.2f}x their chat HTML alone, {floor:.1f} ms)")
    start = datetime(2026, 12, 7, 10, 0)
    states = {f"a{i}": {"status": "Gepland", "soort": "Commissiedebat", "onderwerp": f"Debat {i}", "nummer": f"2026A{i:05d}",
                        "aanvang": (start + timedelta(hours=i)).isoformat(), "eind": (start + timedelta(hours=i + 2)).isoformat(),
                        "heard": ["desk"], "told": {"events": 1}} for i in range(200)}
    cal = median_ms(lambda: calendar.calendar(states, "desk", "Tweede Kamer — desk", datetime.now(timezone.utc)), 5)
    print(f"calendar, 200 events   {cal:7.1f} ms ({cal / 200:.2f} ms an event)")


if __name__ == "__main__":
    imports()
    delivery(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    feeds()
