"""A fake Telegram Bot API on 127.0.0.1 that records what it receives and can answer with errors.

python-telegram-bot talks to it through `base_url`, exactly as to api.telegram.org.
"""

from __future__ import annotations

import html
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


MESSAGE_LIMIT = 4096  # characters of a message as shown, after its HTML entities are parsed


def _visible_length(fields: dict) -> int:
    text = fields.get("text", "")
    if fields.get("parse_mode") == "HTML":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return len(text)


class FakeTelegram:
    def __init__(self):
        self.messages: list[dict] = []  # accepted sendMessage/sendDocument calls, in order
        self.calls: list[tuple[str, dict]] = []
        self.errors: list[dict] = []  # queued error answers: {"code": 429, "retry_after": 1} etc.
        self.enforce = False  # answer 429 as Telegram does when its limits are broken
        self.refuse_token = False  # answer every call 401, as Telegram does for a revoked token
        self.bad_gateways = 0  # this many getUpdates answered as a proxy in trouble does: 502 and an HTML page
        self.conflicts = 0  # this many getUpdates answered 409, as Telegram does while another reader polls
        self.too_many = 0  # 429s given for broken limits
        self.limit_hits: dict[str, int] = {}  # which limit, how often
        self.updates: list[dict] = []  # what getUpdates hands out: messages users send to the bot
        self.confirmed = 0  # the last update_id a getUpdates offset confirmed: Telegram never hands it out again
        self._expired: set[str] = set()  # callback queries too old to answer
        self._sent_at: list[float] = []
        self._chat_at: dict[str, float] = {}
        self._group_at: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self.long_poll = 0.0  # seconds an empty getUpdates is held, as Telegram holds it (its `timeout`, 10 s here)
        self.server = LoopbackServer(self.handle)
        self.url = self.server.url

    def fail(self, code: int, description: str = "", after: int = 0, **parameters) -> None:
        """The next send (or the one after `after` more accepted sends) gets this error."""
        self.errors.append({"code": code, "description": description or f"error {code}", "after": after,
                            **parameters})

    def texts(self, chat_id=None) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.messages
                if chat_id is None or str(m.get("chat_id")) == str(chat_id)]

    def handle(self, request: Request) -> Response:
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if not m:
            return Response(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
        method, fields = m.group(2), _fields(request)
        if self.refuse_token:
            return Response(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}',
                            {"Content-Type": "application/json"})
        if method == "getUpdates" and self.bad_gateways > 0:
            self.bad_gateways -= 1
            return Response(502, b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
                                 b"Gateway</h1></center><hr><center>nginx</center></body></html>",
                            {"Content-Type": "text/html"})
        if method == "getUpdates" and self.conflicts > 0:
            self.conflicts -= 1
            body = {"ok": False, "error_code": 409, "description": "Conflict: terminated by other getUpdates request; "
                                                                   "make sure that only one bot instance is running"}
            return Response(409, json.dumps(body).encode(), {"Content-Type": "application/json"})
        if method == "getUpdates":  # long polling must not hold up the sends
            offset = int(fields.get("offset") or 0)
            with self._lock:
                self.calls.append((method, fields))
                # As Telegram: an offset confirms every update before it, and those are gone for good.
                self.confirmed = max(self.confirmed, offset - 1)
                ready = [u for u in self.updates if u["update_id"] > self.confirmed]
            # Telegram holds a long poll until an update comes or its `timeout` passes; `long_poll` (seconds) does
            # the same up to that long. Without it, an empty answer after a moment (tests want the bot quick).
            until = time.monotonic() + min(self.long_poll, float(fields.get("timeout") or 0))
            while not ready:
                time.sleep(0.05)
                if time.monotonic() >= until:
                    break
                with self._lock:
                    ready = [u for u in self.updates if u["update_id"] > self.confirmed]
            return self._ok(ready)
        with self._lock:
            self.calls.append((method, fields))
            if method == "getMe":
                return self._ok({"id": 4242, "is_bot": True, "first_name": "watcher", "username": "watcher_bot"})
            if method == "answerCallbackQuery" and fields.get("callback_query_id") in self._expired:
                body = {"ok": False, "error_code": 400, "description": "Bad Request: query is too old and response "
                                                                       "timeout expired or query id is invalid"}
                return Response(400, json.dumps(body).encode(), {"Content-Type": "application/json"})
            if self.errors and method.startswith("send") and self.errors[0]["after"] > 0:
                self.errors[0]["after"] -= 1
            elif self.errors and method.startswith("send"):
                error = self.errors.pop(0)
                body = {"ok": False, "error_code": error["code"], "description": error["description"]}
                params = {k: v for k, v in error.items() if k not in ("code", "description", "after")}
                if params:
                    body["parameters"] = params
                return Response(error["code"], json.dumps(body).encode(), {"Content-Type": "application/json"})
            if method == "sendMessage" and _visible_length(fields) > MESSAGE_LIMIT:
                body = {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
                return Response(400, json.dumps(body).encode(), {"Content-Type": "application/json"})
            if method in ("sendMessage", "sendDocument"):
                paid = str(fields.get("allow_paid_broadcast")).lower() == "true"
                if self.enforce and (limit := self._over_limit(str(fields.get("chat_id")), 1000 if paid else 30)):
                    self.too_many += 1
                    self.limit_hits[limit] = self.limit_hits.get(limit, 0) + 1
                    body = {"ok": False, "error_code": 429, "description": f"Too Many Requests: {limit}",
                            "parameters": {"retry_after": 1}}
                    return Response(429, json.dumps(body).encode(), {"Content-Type": "application/json"})
                self.messages.append({"method": method, "at": time.monotonic(), **fields})
                chat = {"id": int(fields.get("chat_id", 0)), "type": "private"}
                return self._ok({"message_id": len(self.messages), "date": int(time.time()), "chat": chat,
                                 "text": fields.get("text", "")})
            return self._ok(True)

    def _over_limit(self, chat: str, overall: int = 30) -> str:
        """Telegram's limits: 30 messages a second (1,000 with allow_paid_broadcast), 1 a second per chat,
        20 a minute per group. A little slack for the time a request takes to arrive."""
        now = time.monotonic()
        self._sent_at = [t for t in self._sent_at if now - t < 1.0]
        if len(self._sent_at) >= overall:
            return f"{overall} per second"
        if chat in self._chat_at and now - self._chat_at[chat] < 0.95:
            return "1 per second in a chat"
        group = [t for t in self._group_at.get(chat, []) if now - t < 60.0]
        if chat.startswith("-") and len(group) >= 20:
            return "20 per minute in a group"
        self._sent_at.append(now)
        self._chat_at[chat] = now
        self._group_at[chat] = group + [now]
        return ""

    def send_update(self, chat_id: int, text: str, chat_type: str = "private") -> None:
        """A user writes `text` to the bot."""
        update_id = len(self.updates) + 1
        self.updates.append({"update_id": update_id, "message": {
            "message_id": update_id, "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": abs(chat_id), "is_bot": False, "first_name": "Lid"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/") else []}})

    def send_callback(self, chat_id: int, data: str, message_id: int | None = None, chat_type: str = "private") -> str:
        """A user taps a button with this callback data under message `message_id` (default: the last
        message sent to the chat); returns the callback query's id."""
        message_id = message_id or max((i for i, m in enumerate(self.messages, 1)
                                        if str(m.get("chat_id")) == str(chat_id)), default=1)
        update_id = len(self.updates) + 1
        query_id = f"cq{update_id}"
        self.updates.append({"update_id": update_id, "callback_query": {
            "id": query_id, "chat_instance": str(chat_id), "data": data,
            "from": {"id": abs(chat_id), "is_bot": False, "first_name": "Lid"},
            "message": {"message_id": message_id, "date": int(time.time()), "text": "…",
                        "chat": {"id": chat_id, "type": chat_type}}}})
        return query_id

    def expire_queries(self) -> None:
        """Every tap so far is too old to answer, as Telegram has it after a few seconds (a cron run later)."""
        with self._lock:
            self._expired.update(u["callback_query"]["id"] for u in self.updates if "callback_query" in u)

    def answers(self, method: str) -> list[dict]:
        """The calls of one method received so far (answerCallbackQuery, editMessageReplyMarkup, …)."""
        return [fields for name, fields in self.calls if name == method]

    @staticmethod
    def keyboard(fields: dict) -> list[tuple[str, str]]:
        """(label, callback data) of each button of a message or edit, in order."""
        markup = fields.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup or {}
        return [(b.get("text", ""), b.get("callback_data", "")) for row in markup.get("inline_keyboard", [])
                for b in row]

    def _ok(self, result) -> Response:
        return Response(200, json.dumps({"ok": True, "result": result}).encode(), {"Content-Type": "application/json"})
