"""The Telegram bot: subscribers manage their own watchlists (what admins hear: admins.py).

It runs in the same process as the poller (one process, one store), with python-telegram-bot's
Application polling for updates. Rules made in chat are stored in the state store and listed beside the
ones from sources.yaml; a YAML rule cannot be removed from chat, and the bot says so.
"""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Callable

from . import subscribers as subs
from .config import Config
from .match import rule_problem
from .store import Store

log = logging.getLogger("watcher.bot")

HELP = """Ik meld nieuwe en gewijzigde stukken van de Tweede Kamer en officielebekendmakingen.nl.

/watch <woord> – volg een onderwerp (Xinjiang, Oeigoer*, "sociaal krediet", *surveillance*)
/unwatch <woord> – volg het niet meer
/member <naam> – volg een Kamerlid (Van der Staaij)
/dossier <nummer> – volg een dossier of zaak (35207, 2022Z11285)
/list – wat u volgt
/pause, /resume – meldingen even uit en weer aan
/stop – geen meldingen meer (uw lijst blijft bewaard; /start zet ze weer aan)"""

REFUSAL = "Deze bot is niet open voor dit gesprek. Vraag de beheerder om u toe te voegen."

COMMAND_RULE = {"watch": "keywords", "member": "members", "dossier": "dossiers"}


class WatchBot:
    def __init__(self, config: Config, store: Store, token: str, rules_changed: Callable[[], None],
                 page_lock: asyncio.Lock | None = None):
        """`page_lock`: the poller's (Watcher.page_lock): a command's flush waits until no page is half applied."""
        self.config, self.store, self.token = config, store, token
        self.rules_changed = rules_changed
        self.page_lock = page_lock or asyncio.Lock()
        self.app = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        from telegram.ext import Application, MessageHandler, filters

        self.app = (Application.builder().token(self.token).base_url(f"{self.config.telegram.api_url}/bot")
                    .build())
        self.app.add_handler(MessageHandler(filters.TEXT, self._on_message))
        await self.app.initialize()
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.5, timeout=10)
        log.info("bot @%s is listening for commands", self.app.bot.username)

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.updater.stop()
            await self.app.stop()
            await self.app.shutdown()
            self.app = None

    # ------------------------------------------------------------------ access
    def _home(self, chat_id: int) -> int:
        """The chat id a state is kept under (a group that moved keeps its old id's state)."""
        for old, value in subs.chats(self.store).items():
            if value.get("migrated_to") == chat_id:
                return old
        return chat_id

    def allowed(self, chat_id: int) -> bool:
        allow = self.config.telegram.allow
        known = {s.telegram for s in self.config.subscribers} | set(self.config.telegram.admins)
        return allow == "open" or chat_id in allow or chat_id in known

    def _yaml_subscriber(self, chat_id: int):
        return next((s for s in self.config.subscribers if s.telegram == chat_id), None)

    # ------------------------------------------------------------------ commands
    async def _on_message(self, update, context) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        async with self.page_lock:
            chat_id = self._home(update.effective_chat.id)
            reply = self.answer(chat_id, message.text)
        if reply:
            await message.reply_text(reply, parse_mode="HTML", disable_web_page_preview=True)

    def answer(self, chat_id: int, text: str) -> str | None:
        """What the bot says to `text` from `chat_id`, after updating the chat's state. None: silence."""
        state = subs.state(self.store, chat_id)
        if not self.allowed(chat_id):
            if state.get("refused"):
                return None  # one polite refusal, and nothing else
            self._save(chat_id, {**state, "refused": True})
            return REFUSAL
        word, _, argument = text.strip().partition(" ")
        command = word.lstrip("/").split("@")[0].lower() if word.startswith("/") else ""
        argument = argument.strip()
        if command in ("start", "help", ""):
            if command == "start":
                self._save(chat_id, {**state, "started": True, "stopped": False, "blocked": False, "paused": False})
                return "Welkom.\n\n" + html.escape(HELP, quote=False)
            return html.escape(HELP, quote=False)
        if command in COMMAND_RULE:
            kind = COMMAND_RULE[command]
            if not argument:
                return f"Gebruik: /{command} &lt;{'woord' if command == 'watch' else 'naam' if command == 'member' else 'nummer'}&gt;"
            problem = rule_problem(kind, argument)
            if problem:
                return f"Dat gaat niet: {html.escape(problem, quote=False)}"
            rules = list(state.get(kind, []))
            if argument in rules or argument in self._yaml_rules(chat_id, kind):
                return f"U volgt <b>{html.escape(argument, quote=False)}</b> al."
            self._save(chat_id, {**state, "started": True, kind: rules + [argument]})
            return f"U volgt nu <b>{html.escape(argument, quote=False)}</b>."
        if command == "unwatch":
            for kind in ("keywords", "members", "dossiers"):
                rules = list(state.get(kind, []))
                if argument in rules:
                    rules.remove(argument)
                    self._save(chat_id, {**state, kind: rules})
                    return f"U volgt <b>{html.escape(argument, quote=False)}</b> niet meer."
            if any(argument in self._yaml_rules(chat_id, k) for k in ("keywords", "members", "dossiers")):
                return ("Die regel staat in sources.yaml en kan alleen daar weg: vraag het de beheerder.")
            return f"<b>{html.escape(argument, quote=False)}</b> staat niet in uw lijst."
        if command == "list":
            return self._list(chat_id, state)
        if command in ("pause", "resume", "stop"):
            value = {"pause": {"paused": True}, "resume": {"paused": False, "stopped": False},
                     "stop": {"stopped": True}}[command]
            self._save(chat_id, {**state, **value})
            return {"pause": "Gepauzeerd: tot /resume krijgt u geen meldingen (wat intussen gebeurt, mist u).",
                    "resume": "U krijgt weer meldingen.",
                    "stop": "Gestopt. Uw lijst blijft bewaard; /start zet de meldingen weer aan."}[command]
        return "Dat commando ken ik niet. /help zegt wat kan."

    def _yaml_rules(self, chat_id: int, kind: str) -> tuple:
        subscriber = self._yaml_subscriber(chat_id)
        return getattr(subscriber, kind) if subscriber else ()

    def _list(self, chat_id: int, state: dict) -> str:
        names = {"keywords": "Onderwerpen", "members": "Kamerleden", "dossiers": "Dossiers",
                 "parties": "Partijen", "exclude": "Uitgezonderd"}
        lines = []
        for kind, title in names.items():
            yaml_rules = [f"{html.escape(r, quote=False)} <i>(sources.yaml)</i>" for r in self._yaml_rules(chat_id, kind)]
            chat_rules = [html.escape(r, quote=False) for r in state.get(kind, [])]
            if yaml_rules or chat_rules:
                lines.append(f"<b>{title}</b>: " + ", ".join(yaml_rules + chat_rules))
        status = "gepauzeerd" if state.get("paused") else "gestopt" if state.get("stopped") else "actief"
        return ("\n".join(lines) or "U volgt nog niets: /watch Xinjiang") + f"\n\nStatus: {status}"

    def _save(self, chat_id: int, value: dict) -> None:
        subs.save(self.store, chat_id, value)
        self.store.flush()  # a command is answered only once what it changed is on disk
        self.rules_changed()

