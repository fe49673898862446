"""Channels that deliver an alert: stdout (no account needed) and Telegram (python-telegram-bot)."""

from __future__ import annotations

import asyncio
import sys

from ..alerts.alert import render_text
from ..model import Alert


class Console:
    name = "console"

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    async def send(self, alert: Alert) -> None:
        self.stream.write(render_text(alert) + "\n\n")
        self.stream.flush()


class TokenRefused(Exception):
    """Telegram refused the bot's token (401, or 404 for one that never was): no send can succeed, so the
    watcher stops and says so (exit 2) rather than retry for ever."""


class Telegram:
    """Sends through python-telegram-bot's Bot; errors come back as its exceptions (RetryAfter, Forbidden,
    ChatMigrated, BadRequest, NetworkError) for the deliverer to act on."""

    name = "telegram"

    def __init__(self, token: str, api_url: str, paid_broadcast: bool = False):
        self._token, self._api_url = token, api_url.rstrip("/")
        self._bot = None
        self._ready = False
        self._starting = asyncio.Lock()  # the first sends to many chats at once ask getMe once, not each
        # allow_paid_broadcast: past 30 a second, Telegram bills each message in Stars (telegram.paid_broadcast)
        self._paid = {"allow_paid_broadcast": True} if paid_broadcast else {}

    @property
    def bot(self):
        """python-telegram-bot's Bot, made at its first use: a cron run with nothing to send and nothing to
        answer never pays for it (its import and HTTP clients were a third of such a run)."""
        if self._bot is None:
            from telegram import Bot
            from telegram.request import HTTPXRequest

            self._bot = Bot(token=self._token, base_url=f"{self._api_url}/bot",
                            request=HTTPXRequest(connection_pool_size=64))
        return self._bot

    async def said_something(self, http) -> bool:
        """Whether a chat wrote to the bot since the last run, asked without the Bot: one getUpdates that
        waits for nothing and confirms nothing (no offset). Raises TokenRefused (401, 404), or FetchError
        when Telegram cannot be asked now (its message names no URL: the URL holds the token)."""
        from ..sources.http import FetchError

        try:
            response = await http.get(f"{self._api_url}/bot{self._token}/getUpdates",
                                      params={"timeout": 0, "limit": 1}, ok=(200, 401, 404))
        except FetchError as e:
            raise FetchError(f"HTTP {e.status}" if e.status else "Telegram could not be reached", e.status) from None
        if response.status_code in (401, 404):
            raise TokenRefused()
        try:
            return bool(response.json().get("result"))
        except ValueError:
            raise FetchError("Telegram's answer was not JSON", response.status_code) from None

    async def start(self) -> None:
        from telegram.error import InvalidToken
        async with self._starting:
            if not self._ready:
                try:
                    await self.bot.initialize()  # calls getMe: a wrong token fails here, once
                except InvalidToken:
                    raise TokenRefused() from None  # its words quote the token
                self._ready = True

    async def send(self, chat_id: int, messages: list[str], attachment, limiter, html: bool = True,
                   start: int = 0, accepted=None, buttons: list[tuple[str, str]] = (), silent: bool = False) -> None:
        """The parts of one alert from part `start` on, then its attachment. Each part waits for the rate
        limiter; `accepted(n)` is called once the first n parts are in. `buttons`: (label, callback data)
        pairs, one a row, under the last part. `silent`: without a sound (quiet hours)."""
        from telegram.error import InvalidToken

        await self.start()
        try:
            await self._send(chat_id, messages, attachment, limiter, html, start, accepted, buttons, silent)
        except InvalidToken:
            raise TokenRefused() from None  # revoked while running

    async def _send(self, chat_id, messages, attachment, limiter, html, start, accepted, buttons, silent) -> None:
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
        from telegram.constants import ParseMode

        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in buttons]
                                      ) if buttons else None
        for number, text in enumerate(messages[start:], start + 1):
            async with limiter.slot(chat_id):
                await self.bot.send_message(chat_id=chat_id, text=text, parse_mode=ParseMode.HTML if html else None,
                                            disable_web_page_preview=True, disable_notification=silent,
                                            reply_markup=markup if number == len(messages) else None, **self._paid)
            if accepted is not None and number < len(messages) + (attachment is not None):
                accepted(number)  # the last one needs no note: the whole send is confirmed next
        if attachment is not None:
            filename, data, caption = attachment
            async with limiter.slot(chat_id):
                await self.bot.send_document(chat_id=chat_id, document=InputFile(data, filename=filename),
                                             caption=caption, disable_notification=silent, **self._paid)

    async def close(self) -> None:
        if self._ready and self._bot is not None:
            await self._bot.shutdown()
            self._ready = False
