"""A fake Telegram Bot API on 127.0.0.1 that records what it receives and can answer with errors.

python-telegram-bot talks to it through `base_url`, exactly as to api.telegram.org.
"""

from __future__ import annotations

import json
import re
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from .server import LoopbackServer, Request, Response


def _fields(request: Request) -> dict:
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("application/json"):
        return json.loads(request.body or b"{}")
    if ctype.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + request.body)
        out = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            out[name] = payload.decode() if part.get_filename() is None else payload
        return out
    return {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}


class FakeTelegram:
    def __init__(self):
        self.messages: list[dict] = []  # accepted sendMessage/sendDocument calls, in order
        self.calls: list[tuple[str, dict]] = []
        self.errors: list[dict] = []  # queued error answers: {"code": 429, "retry_after": 1} etc.
        self._lock = threading.Lock()
        self.server = LoopbackServer(self.handle)
        self.url = self.server.url

    def fail(self, code: int, description: str = "", **parameters) -> None:
        self.errors.append({"code": code, "description": description or f"error {code}", **parameters})

    def texts(self, chat_id=None) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.messages
                if chat_id is None or str(m.get("chat_id")) == str(chat_id)]

    def handle(self, request: Request) -> Response:
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if not m:
            return Response(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
        method, fields = m.group(2), _fields(request)
        with self._lock:
            self.calls.append((method, fields))
            if method == "getMe":
                return self._ok({"id": 4242, "is_bot": True, "first_name": "watcher", "username": "watcher_bot"})
            if self.errors and method.startswith("send"):
                error = self.errors.pop(0)
                body = {"ok": False, "error_code": error["code"], "description": error["description"]}
                params = {k: v for k, v in error.items() if k not in ("code", "description")}
                if params:
                    body["parameters"] = params
                return Response(error["code"], json.dumps(body).encode(), {"Content-Type": "application/json"})
            if method in ("sendMessage", "sendDocument"):
                self.messages.append({"method": method, **fields})
                chat = {"id": int(fields.get("chat_id", 0)), "type": "private"}
                return self._ok({"message_id": len(self.messages), "date": int(time.time()), "chat": chat,
                                 "text": fields.get("text", "")})
            return self._ok(True)

    def _ok(self, result) -> Response:
        return Response(200, json.dumps({"ok": True, "result": result}).encode(), {"Content-Type": "application/json"})
