"""The story `watcher demo` tells: the real pipeline (sources, extraction, store, matching, the outbox and
python-telegram-bot) runs on a temporary state against loopback upstreams of its own, and what each
subscriber receives is printed as Telegram shows it.

The data are recorded rows and files (data/SOURCES.md). Each step changes the upstreams the way the real
services change, then runs one cycle exactly as `watcher run --once` does.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import yaml

from .koop import FakeKOOP
from .telegram import FakeTelegram
from .syncfeed import FakeSyncFeed

DATA = Path(__file__).parent / "data"
TOKEN = "demo:offline"  # the fake Bot API takes any token; no real bot is reached
SUBSCRIBERS = [
    {"name": "asiel-desk", "telegram": 101, "keywords": ["schaderegeling", "Ter Apel"]},
    {"name": "syrie-onderzoek", "telegram": 102, "members": ["Ceder"]},
    {"name": "sgp-volger", "telegram": 103, "parties": ["SGP"]},
]
RULE_WORDS = {"keywords": "trefwoorden", "members": "Kamerlid", "parties": "partij"}
# Version 2 of the motie, as it read before it was changed: the recorded version 3 with two edits undone.
VERSION_2_EDITS = [("binnen zes weken", "binnen acht weken"),
                   ("en breid de schaderegeling uit naar andere overlastlocaties zoals Budel,", "")]


class Terminal:
    """Telegram's HTML as a terminal shows it: bold as bold (when it is a terminal), links as text."""

    def __init__(self, out, color: bool):
        self.out = out
        self.bold, self.plain = ("\033[1m", "\033[0m") if color else ("", "")

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def heading(self, text: str) -> None:
        self.say()
        self.say(f"{self.bold}━━ {text}{self.plain}")

    def message(self, html_text: str) -> str:
        text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} [{html.unescape(m.group(1))}]",
                      html_text)
        text = text.replace("<b>", self.bold).replace("</b>", self.plain)
        return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))


def _document_bytes(message: dict) -> bytes:
    """The file of a sendDocument the loopback Bot API received."""
    document = message.get("document")
    return document if isinstance(document, bytes) else str(document).encode()


class Story:
    def __init__(self, folder: Path, terminal: Terminal, forward_to: tuple[str, int, str] | None = None):
        """`forward_to`: (token, chat id, Bot API URL) of a real chat that gets every message too."""
        self.folder, self.t = folder, terminal
        self.forward_to = forward_to
        self.forward_failed = ""  # why the real chat stopped getting the messages, if it did
        self.kept = False
        self.tk = FakeSyncFeed({"application/pdf": DATA / "motie.pdf",
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
                                    DATA / "motie.docx"})
        self.koop = FakeKOOP(DATA)
        self.telegram = FakeTelegram()
        self.seen = 0  # messages already shown
        self.config = folder / "sources.yaml"
        self.diffs = folder / "wijzigingen"

    def __enter__(self):
        for fake in (self.tk, self.koop, self.telegram):
            fake.server.start()
        self.config.write_text(yaml.safe_dump({
            "state_dir": str(self.folder / "state"), "poll_interval": "5m",
            "telegram": {"api_url": self.telegram.url, "limits": {"chat_interval": "0.01s", "per_second": 1000}},
            "http": {"timeout": "10s", "retries": 1, "backoff": "0.1s"},
            "sources": [{"name": "tweedekamer", "kind": "tweedekamer", "url": self.tk.url},
                        {"name": "officielebekendmakingen", "kind": "officielebekendmakingen", "url": self.koop.url}],
            "subscribers": SUBSCRIBERS}, allow_unicode=True, sort_keys=False))
        return self

    def __exit__(self, *exc):
        for fake in (self.tk, self.koop, self.telegram):
            fake.server.stop()

    # ------------------------------------------------------------ running watcher
    def cycle(self) -> int:
        """One `watcher run --once`, its log kept out of the story (shown if it fails)."""
        from .. import logs
        from ..commands.run import run
        from ..config import load

        log = io.StringIO()
        before = os.environ.get("TELEGRAM_BOT_TOKEN")
        os.environ["TELEGRAM_BOT_TOKEN"] = TOKEN
        try:
            with contextlib.redirect_stderr(log), contextlib.redirect_stdout(io.StringIO()):
                logs.setup(verbose=False)
                code = run(load(self.config), once=True)
        finally:
            if before is None:
                os.environ.pop("TELEGRAM_BOT_TOKEN", None)
            else:
                os.environ["TELEGRAM_BOT_TOKEN"] = before
        if code != 0:
            self.t.say(f"watcher run --once ended with exit {code}; its log:\n{log.getvalue()}")
        return code

    def show(self) -> int:
        """What each subscriber received since the last look; returns how many messages."""
        new = self.telegram.messages[self.seen:]
        self.seen = len(self.telegram.messages)
        if self.forward_to and new:
            self._forward(new)
        names = {s["telegram"]: s["name"] for s in SUBSCRIBERS}
        if not new:
            self.t.say("   niemand krijgt een melding")
        for message in new:
            who = names.get(int(message.get("chat_id", 0)), message.get("chat_id"))
            self.t.say(f"   ▸ aan {who}:")
            if message["method"] == "sendDocument":
                saved = self._save_attachment(message)
                where = saved if self.kept else f"{saved.name}; bewaar hem met --keep DIR"
                self.t.say(f"     📎 {message.get('caption', '')}\n     (bijlage: de wijzigingen als webpagina, {where})")
                continue
            for line in self.t.message(message.get("text", "")).splitlines():
                self.t.say(f"     {line}")
            if (keys := self.telegram.keyboard(message)):
                self.t.say("     " + " ".join(f"[{label}]" for label, _ in keys))
        return len(new)

    def _forward(self, messages: list[dict]) -> None:
        """The same messages to a real chat, through python-telegram-bot, as the deliverer sends them."""
        import asyncio

        from ..deliver.notify import Telegram
        from ..deliver.ratelimit import RateLimiter

        token, chat, api_url = self.forward_to

        async def send():
            bot = Telegram(token, api_url)
            try:
                for message in messages:
                    if message["method"] == "sendDocument":
                        attachment = ("wijzigingen.html", _document_bytes(message), message.get("caption", ""))
                        await bot.send(chat, [], attachment, RateLimiter())
                    else:  # with its buttons, as a subscriber sees it (nobody answers a tap: no bot runs)
                        await bot.send(chat, [message.get("text", "")], None, RateLimiter(),
                                       buttons=self.telegram.keyboard(message))
            finally:
                await bot.close()

        from telegram.error import TelegramError

        from ..deliver.notify import TokenRefused
        try:
            asyncio.run(send())
        except TokenRefused:
            self._not_forwarded("Telegram refused the token in TELEGRAM_BOT_TOKEN: ask @BotFather for the bot's "
                                "token (/mybots, API Token)")
        except (TelegramError, OSError) as e:
            self._not_forwarded(f"the messages cannot go to chat {chat} ({e}): is that the id of your chat with "
                                "the bot, and did you send it /start?")

    def _not_forwarded(self, why: str) -> None:
        """Said once, on stderr; the demo goes on here, and ends with exit 2."""
        self.forward_failed, self.forward_to = why, None
        print(f"watcher: demo --telegram: {why}; the demo goes on here only", file=sys.stderr)

    def _save_attachment(self, message) -> Path:
        self.diffs.mkdir(exist_ok=True)
        data = _document_bytes(message)
        path = self.diffs / f"wijzigingen-{len(list(self.diffs.iterdir())) + 1}.html"
        path.write_bytes(data)
        return path

    # ------------------------------------------------------------ the upstreams change
    def publish(self) -> tuple[dict, dict]:
        motion, answer = json.loads((DATA / "tk_rows.json").read_text())
        version_3 = (DATA / "kst-19637-3384.xml").read_bytes()
        version_2 = version_3
        for new, old in VERSION_2_EDITS:
            assert new.encode() in version_2, new
            version_2 = version_2.replace(new.encode(), old.encode())
        motion["HuidigeDocumentVersie"]["Versienummer"] = 2
        xml = motion["HuidigeDocumentVersie"]["DocumentPublicatie"][0]
        xml["ContentLength"] = len(version_2)  # the API states each publication's length
        self.publication = xml["Id"]
        self.tk.publications[self.publication] = version_2
        self.version_3 = version_3
        return self.tk.add(motion), self.tk.add(answer)

    def revise(self, motion: dict) -> None:
        self.tk.revise(motion["Id"], version=3, publication=self.version_3)

    def resend_everything(self) -> int:
        """What a data fix does: every entity sent again, unchanged, with a new stamp."""
        for category, ident in list(self.tk.entities):
            self.tk.touch(category, ident)
        return len(self.tk.entities)

    def publish_at_koop(self) -> None:
        self.koop.add(2, identifier="kst-19637-3384", modified=date.today().isoformat(), content=self.version_3)


MARK = ".watcher-demo"  # in a --keep folder: the demo made it, and may start it over


def _fresh(folder: Path) -> str | None:
    """Make `folder` ready for a demo that tells the same story each time: a folder an earlier demo kept is
    emptied; anything else that is in the way is said, and left alone."""
    if folder.exists() and not folder.is_dir():
        return "is a file: --keep names a folder (new, or one an earlier demo kept)"
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MARK).exists():
            return "holds files the demo did not make: name a new folder"
        for entry in folder.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    return None


def run(out, keep: Path | None = None, color: bool | None = None,
        forward_to: tuple[str, int, str] | None = None) -> int:
    color = out.isatty() if color is None and hasattr(out, "isatty") else bool(color)
    t = Terminal(out, color)
    if keep is not None and (problem := _fresh(keep)):
        print(f"watcher: demo --keep {keep}: {problem}", file=sys.stderr)
        return 2  # exitcodes.CONFIG: the argument is wrong
    folder = Path(tempfile.mkdtemp(prefix="watcher-demo-")) if keep is None else keep
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARK).write_text("made by `watcher demo --keep`: run again, it starts over here\n")
    try:
        with Story(folder, t, forward_to) as story:
            story.kept = keep is not None
            code = _tell(story, t, kept=keep is not None)
            return code or (2 if story.forward_failed else 0)  # exitcodes.CONFIG: the token or the chat
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def _tell(story: Story, t: Terminal, kept: bool) -> int:
    t.say("watcher demo: de echte pijplijn, offline, tegen nagebootste Tweede Kamer-, KOOP- en Telegram-servers")
    t.say(f"op 127.0.0.1. Volglijst ({story.config}):")
    for s in SUBSCRIBERS:
        rules = "; ".join(f"{RULE_WORDS[k]} {', '.join(v)}" for k, v in s.items() if isinstance(v, list))
        t.say(f"   {s['name']} (chat {s['telegram']}) volgt {rules}")

    t.heading("1. Eerste run: watcher noteert waar het begint (wat er al was, is geen nieuws)")
    if story.cycle() != 0:
        return 1
    story.show()

    t.heading("2. Twee nieuwe stukken: een motie over de schaderegeling, en een antwoord op vragen van Ceder")
    motion, answer = story.publish()
    t.say(f"   (Tweede Kamer publiceert {motion['DocumentNummer']} versie 2 en {answer['DocumentNummer']}; "
          "Ceder staat alleen op de zaak, niet op het stuk)")
    if story.cycle() != 0:
        return 1
    story.show()

    t.heading("3. De motie wordt gewijzigd: versie 2 → 3")
    story.revise(motion)
    if story.cycle() != 0:
        return 1
    story.show()

    t.heading("4. De Kamer stuurt alles opnieuw, met nieuwe tijdstempels maar dezelfde tekst")
    t.say(f"   (de SyncFeed meldt {story.resend_everything()} gegevens opnieuw: stukken, versies, indieners, zaken)")
    if story.cycle() != 0:
        return 1
    story.show()

    t.heading("5. Dezelfde motie verschijnt op officielebekendmakingen.nl")
    story.publish_at_koop()
    if story.cycle() != 0:
        return 1
    story.show()

    t.heading("6. watcher status")
    from ..config import load
    from ..commands.status import status

    buffer = io.StringIO()
    status(load(story.config), buffer)
    for line in buffer.getvalue().splitlines():
        t.say(f"   {line}")

    t.heading("Zelf beginnen")
    t.say("   1. Zet uw bronnen en volglijsten in sources.yaml (README, Configuration) en controleer: watcher check")
    t.say("   2. Maak een bot bij @BotFather en zet het token in TELEGRAM_BOT_TOKEN")
    t.say("   3. Start: watcher run   (of vanuit cron: watcher run --once)")
    t.say("   De knoppen onder een melding en de commando's (/volg, /lijst, /uitleg) beantwoordt watcher run meteen,")
    t.say("   en watcher run --once bij elke run.")
    if kept:
        t.say(f"   De toestand en de wijzigingspagina's van deze demo staan in {story.folder}")
    return 0
