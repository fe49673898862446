"""The Telegram bot on python-telegram-bot: its lifecycle, who may use it, and the two handlers that dispatch a
message to its command (commands.py) and a tap to its button's action (taps.py). What admins hear:
deliver/admins.py.

It runs in the same process as the poller (one process, one store), with python-telegram-bot's
Application polling for updates. Rules made in chat are stored in the state store and listed beside the
ones from sources.yaml; a YAML rule cannot be removed from chat, and the bot says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Callable

from ..alerts import buttons
from ..deliver.ratelimit import RateLimiter
from ..settings import Config
from ..store import Store
from ..watchlists import subscribers as subs
from .chat import Chat
from .commands import COMMANDS, unknown
from .taps import TAPS
from .text import clean, reply_parts
from .words import DUTCH, MENU, REFUSAL, STALE

log = logging.getLogger("watcher.bot")

WAITING_BATCHES = 20  # of up to 100 updates, read by one `run --once`; the rest waits for the next run
# Strangers are refused once, then ignored; remembered in memory for a day, and at most this many (the
# state keeps only the last few ids, for the operator: subscribers.note_refused).
MAX_STRANGERS = 1000
REFUSAL_MEMORY = 24 * 3600.0


class WatchBot:
    def __init__(self, config: Config, store: Store, token: str, rules_changed: Callable[[], None],
                 page_lock: asyncio.Lock | None = None, clock=time.monotonic, limiter: RateLimiter | None = None,
                 bot=None):
        """`page_lock`: the poller's (Engine.page_lock): a command's flush waits until no page is half applied.
        `limiter`: the alerts' (one bot, one set of Telegram's limits): replies take their turns there too.
        `bot`: the alerts' python-telegram-bot Bot, to share (a cron run asks Telegram who it is once); stop()
        shuts it down with the bot's own."""
        self.config, self.store, self.token = config, store, token
        self.rules_changed = rules_changed
        self.page_lock = page_lock or asyncio.Lock()
        self.limiter = limiter or RateLimiter(config.telegram.per_second, config.telegram.chat_interval,
                                              config.telegram.group_per_minute)
        self.app = None
        self._bot = bot
        self._clock = clock
        self._refused: OrderedDict[int, float] = OrderedDict()  # stranger's chat id -> when refused

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Listen for commands and taps until stop() (`watcher run`)."""
        await self._open()
        await self.app.updater.start_polling(poll_interval=0.5, timeout=10, error_callback=_polling_failed)
        log.info("bot @%s is listening for commands", self.app.bot.username)

    async def answer_waiting(self) -> int:
        """What the chats said since the last run, answered and acted on once (`watcher run --once`: under cron
        no bot listens, and Telegram keeps a chat's commands and taps for 24 hours). Returns how many.

        Each batch is confirmed by asking for the next one past it (Telegram's offset): a run cut short
        answers its last batch again at the next run, which the commands and taps bear (they say what
        already holds); none is lost."""
        from telegram import Update
        from telegram.error import InvalidToken

        from ..deliver.notify import TokenRefused
        if self._bot is None:
            await self._open()
        bot = self.app.bot if self.app is not None else self._bot
        try:
            await bot.initialize()  # getMe, unless the alerts' Bot asked already
        except InvalidToken:
            raise TokenRefused() from None  # its words quote the token
        offset, taken = None, 0
        for _ in range(WAITING_BATCHES):
            updates = await bot.get_updates(offset=offset, timeout=0, allowed_updates=Update.ALL_TYPES)
            if not updates:
                break
            if self.app is None:
                await self._open()  # the handlers, the menu: only for a run that has something to answer
            for update in updates:
                await self.app.process_update(update)
            taken += len(updates)
            offset = updates[-1].update_id + 1
        else:
            await bot.get_updates(offset=offset, timeout=0, limit=1)  # the last batch confirmed
        if taken:
            log.info("answered %d update%s the chats sent since the last run", taken, "" if taken == 1 else "s")
        return taken

    async def _open(self) -> None:
        from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

        builder = Application.builder()
        self.app = (builder.bot(self._bot) if self._bot is not None else
                    builder.token(self.token).base_url(f"{self.config.telegram.api_url}/bot")).build()
        self.app.add_handler(MessageHandler(filters.TEXT, self._on_message))
        self.app.add_handler(CallbackQueryHandler(self._on_tap))
        async with self.page_lock:
            subs.index_homes(self.store)
            self.store.flush()
        from telegram.error import InvalidToken, TelegramError

        from ..deliver.notify import TokenRefused
        try:
            await self.app.initialize()  # getMe
        except InvalidToken:
            raise TokenRefused() from None  # its words quote the token
        await self.app.start()
        try:
            await self.app.bot.set_my_commands(MENU)  # Telegram's menu beside the text box
        except TelegramError as e:  # a nicety: the commands work without it
            log.warning("could not set the bot's menu (%s)", e)

    async def stop(self) -> None:
        """Whatever of start() was done, undone (a refused token stops it halfway)."""
        if self.app is not None:
            if self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
            self.app = None

    # ------------------------------------------------------------------ access
    def _home(self, chat_id: int) -> int:
        """The chat id a state is kept under (a group that moved keeps its old id's state)."""
        return subs.home(self.store, chat_id)

    def allowed(self, chat_id: int) -> bool:
        allow = self.config.telegram.allow
        known = {s.telegram for s in self.config.subscribers} | set(self.config.telegram.admins)
        return allow == "open" or chat_id in allow or chat_id in known

    # ------------------------------------------------------------------ commands
    async def _on_message(self, update, context) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        async with self.page_lock:
            chat_id = self._home(update.effective_chat.id)
            reply = self.answer(chat_id, message.text)
        keys = []
        if isinstance(reply, tuple):  # a reply with buttons (/vergeet asks to confirm)
            reply, keys = reply
        parts = reply_parts(reply or "")
        for number, part in enumerate(parts, 1):
            async with self.limiter.slot(message.chat_id):
                await message.reply_text(part, parse_mode="HTML", disable_web_page_preview=True,
                                         reply_markup=_markup(keys) if number == len(parts) and keys else None)

    async def _on_tap(self, update, context) -> None:
        """A button under an alert: it takes effect (stored) before it is acknowledged."""
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        async with self.page_lock:
            chat_id = self._home(update.effective_chat.id)
            answer, keys, attachment = self.tap(chat_id, query.data or "")
        from telegram.error import BadRequest
        try:
            await query.answer(answer)  # not a message: outside the limits
        except BadRequest:
            # Telegram takes an answer for a few seconds only: a tap read by a later cron run is told in the chat.
            if answer:
                async with self.limiter.slot(update.effective_chat.id):
                    await context.bot.send_message(chat_id=update.effective_chat.id, text=answer)
        if keys is not None:
            async with self.limiter.slot(update.effective_chat.id):
                await query.edit_message_reply_markup(reply_markup=_markup(keys))
        if attachment is not None:
            from telegram import InputFile
            filename, data, caption = attachment
            async with self.limiter.slot(update.effective_chat.id):
                await context.bot.send_document(chat_id=update.effective_chat.id, caption=caption,
                                                document=InputFile(data, filename=filename))

    def tap(self, chat_id: int, text: str):
        """What a tap with callback data `text` from `chat_id` does: (the answer shown, the new button
        rows as (label, data) or None to leave them, an attachment or None). Changes nothing unless the
        data is genuine for this chat now."""
        if not self.allowed(chat_id):
            return REFUSAL.format(chat=chat_id), None, None
        chat = Chat(self, chat_id, subs.state(self.store, chat_id))
        secret = buttons.secret(self.store)
        epoch = chat.state.get("epoch", buttons.FIRST_EPOCH)
        button = buttons.read(secret, chat_id, epoch, text)
        action = TAPS.get(button.action) if button is not None else None
        if action is None:
            return STALE, None, None

        def row(b):
            return [(b.label, buttons.data(secret, chat_id, epoch, b) or "noop")]

        return action(chat, button, row)

    def forget(self, chat_id: int) -> None:
        """/vergeet, confirmed: rules, alert history and refusal memory of this chat go. What stays is a new
        epoch, so that its old buttons change nothing."""
        name = Chat(self, chat_id, {}).name
        self.store.forget_alerts(name)
        for doc in self.store.all_documents():
            if name in doc.alerted:
                doc.alerted = [n for n in doc.alerted if n != name]
                self.store.put_document(doc)
        self._refused.pop(chat_id, None)
        self.save(chat_id, {"epoch": buttons.new_epoch()})

    def answer(self, chat_id: int, text: str):
        """What the bot says to `text` from `chat_id`, after updating the chat's state (commands.py). None:
        silence."""
        if not self.allowed(chat_id):
            return self._refuse(chat_id)
        word, _, argument = text.strip().partition(" ")
        said = word.lstrip("/").split("@")[0].lower() if word.startswith("/") else ""  # as typed, for "Gebruik:"
        command = COMMANDS.get(DUTCH.get(said, said), unknown)
        return command(Chat(self, chat_id, subs.state(self.store, chat_id), said, clean(argument)))

    def _refuse(self, chat_id: int) -> str | None:
        now = self._clock()
        while self._refused and now - next(iter(self._refused.values())) > REFUSAL_MEMORY:
            self._refused.popitem(last=False)  # oldest first: they expire in the order they came
        if chat_id in self._refused:
            return None  # one polite refusal, and nothing else
        if len(self._refused) >= MAX_STRANGERS:
            self._refused.popitem(last=False)
        self._refused[chat_id] = now
        log.info("refused chat %s: not in telegram.allow nor a subscriber's telegram: (add it there to let it in)",
                 chat_id)
        subs.note_refused(self.store, chat_id, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        return REFUSAL.format(chat=chat_id)

    def save(self, chat_id: int, value: dict) -> None:
        moved = subs.save(self.store, chat_id, value)
        self.store.flush()  # a command is answered only once what it changed is on disk
        if moved:
            self.rules_changed()


def _polling_failed(error) -> None:
    """A getUpdates that failed (a 502 page from a proxy, a timeout): one line, not python-telegram-bot's
    traceback of the HTML it could not read. It tries again by itself."""
    said = " ".join(str(error).split())
    log.warning("could not get the bot's updates from Telegram (%s: %s); trying again", type(error).__name__,
                said if len(said) <= 200 else said[:200] + "…")


def _markup(keys: list[tuple[str, str]]):
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in keys])
