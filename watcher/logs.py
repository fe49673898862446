"""How watcher logs: one line a record, in UTC, on stderr; the bot's token never in it."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timezone


class _Redact(logging.Filter):
    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), ()
        if record.exc_info and not record.exc_text:
            # A traceback quotes URLs too (python-telegram-bot's carry the token in their path).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<token>")
        return True


def hide_secret(secret: str | None) -> None:
    if secret:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_Redact(secret))


class _UTCFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def setup(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_UTCFormatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "telegram", "hpack", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose and noisy == "httpx" else logging.WARNING)
    # An answer that is not JSON (a proxy's 502 page) reaches the caller as a TelegramError, which says it in
    # one line (the delivery, the bot's polling); python-telegram-bot also logs the page with the decoding
    # error's traceback. Dropped by what it is (a record of its with a ValueError), not by its logger's name
    # or its wording, which a new version may change.
    handler.addFilter(lambda record: not (record.name.startswith("telegram") and record.exc_info
                                          and isinstance(record.exc_info[1], ValueError)))
