"""The channels beside Telegram, on loopback: an SMTP server (aiosmtpd) that keeps what it is given, and a
webhook (Apprise's json:// posts there) that keeps each post."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import threading
import time

from aiosmtpd.controller import Controller

from tests.fakes.server import LoopbackServer, Response
from tests.postgres import free_port


class FakeSMTP:
    """Accepts mail for any recipient; `answer` may be set to an SMTP reply ("451 …", "550 …") to refuse."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.answer = "250 OK"
        self.refused = 0
        self.delay = 0.0  # seconds each message takes to be taken (a crash test's window to kill in)
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        # Its thread logs each connection; the root handler a test's watcher set up may be closed by then.
        logging.getLogger("mail.log").disabled = True

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self.answer.startswith("250"):
            self.refused += 1
            return self.answer
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m, (_, rcpt) in zip(self.messages, self.envelopes) if address in rcpt]

    def start(self) -> "FakeSMTP":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class FakeWebhook:
    """Keeps each post: its JSON (Apprise's json:// sends {"title", "message", "type", …}) or its text (`raw`),
    with its `path` and `headers`; `status` may be set to refuse them."""

    def __init__(self):
        self.posts: list[dict] = []
        self.status = 200
        self.delay = 0.0
        self.server = LoopbackServer(self._handle)

    def _handle(self, request):
        if request.method != "POST":
            return Response(405)
        if self.status != 200:
            return Response(self.status, b"not now")
        if self.delay:
            time.sleep(self.delay)
        try:
            post = json.loads(request.body)
        except ValueError:
            post = {"raw": request.body.decode()}
        self.posts.append({**post, "path": request.path, "headers": request.headers} if isinstance(post, dict) else post)
        return Response(200, b"{}", {"Content-Type": "application/json"})

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.server.port}/{path}"
