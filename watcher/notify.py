"""Channels that deliver an alert: stdout (no account needed) and Telegram (python-telegram-bot)."""

from __future__ import annotations

import sys

from .alert import render_html, render_text
from .model import Alert


class Console:
    name = "console"

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    async def send(self, alert: Alert, chat_id: int | None = None) -> None:
        self.stream.write(render_text(alert) + "\n\n")
        self.stream.flush()

    async def close(self) -> None:
        pass


class Telegram:
    name = "telegram"

    def __init__(self, token: str, api_url: str):
        from telegram import Bot

        self.bot = Bot(token=token, base_url=f"{api_url.rstrip('/')}/bot")
        self._ready = False

    async def send(self, alert: Alert, chat_id: int | None = None) -> None:
        from telegram.constants import ParseMode

        if not self._ready:
            await self.bot.initialize()  # calls getMe: a wrong token fails here, once
            self._ready = True
        await self.bot.send_message(chat_id=chat_id, text=render_html(alert), parse_mode=ParseMode.HTML,
                                    disable_web_page_preview=True)

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()
