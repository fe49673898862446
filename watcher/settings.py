"""The typed settings every stage takes: what sources.yaml says, parsed (durations in seconds, dates as
datetimes). Reading and checking the file is config.py's; nothing here knows YAML."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

DEFAULT_TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DEFAULT_API_URL = "https://api.telegram.org"
# The kinds of rule a subscriber has, as sources.yaml and the chat's state name them.
RULE_KINDS = ("keywords", "members", "dossiers", "parties", "committees", "ministries", "exclude")
# A rule's kind -> the word its reasons and a digest of its own begin with ("keyword Xinjiang", sources.yaml's
# `keywords: [{keyword: Xinjiang, digest: daily}]`).
RULE_WORD = {"keywords": "keyword", "members": "member", "parties": "party", "dossiers": "dossier",
             "committees": "committee", "ministries": "ministry"}
# A document never seen before, dated this long before a source's start, is old news re-sent by
# upstream, not something new to tell anyone about.
BACKLOG_MARGIN = timedelta(days=30)


@dataclass(frozen=True)
class HTTPSettings:
    """How watcher asks the upstream services (sources.yaml `http:`)."""

    timeout: float = 30.0  # the whole of one request: connect, headers and every byte of the body
    retries: int = 3
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    redirect_hosts: tuple[str, ...] = ()  # other sites a redirect may lead to (known mirrors)


@dataclass(frozen=True)
class TelegramSettings:
    """The bot: where its token is, who may use it, and Telegram's sending limits (sources.yaml `telegram:`)."""

    token_env: str = DEFAULT_TOKEN_ENV
    api_url: str = DEFAULT_API_URL
    allow: tuple[int, ...] | str = ()  # chat ids, or "open"
    admins: tuple[int, ...] = ()
    # Telegram's sending limits (raise them only with Telegram's paid broadcasts, or for a test server)
    per_second: int = 30
    chat_interval: float = 1.0
    group_per_minute: int = 20
    # Telegram's paid broadcasts (allow_paid_broadcast): up to 1,000 messages a second, billed in Stars
    paid_broadcast: bool = False

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


@dataclass(frozen=True)
class SourceConfig:
    """One source of sources.yaml: its kind, where it is read and the keys of its kind."""

    name: str
    kind: str
    url: str
    since: str = "now"  # "now" or an ISO date/time
    stale_after: float = 24 * 3600.0
    deadline: float = 600.0  # the most one cycle of this source may take
    # A backfill from `since` stores what it finds without alerting it, unless asked: a first install with
    # `since: 2024-01-01` must not send a year of alerts.
    backfill_alerts: bool = False
    options: dict = field(default_factory=dict)  # keys of the source's kind, already checked

    def since_datetime(self) -> datetime | None:
        if self.since == "now":
            return None
        return parse_since(self.since)


@dataclass(frozen=True)
class Channel:
    """A place a subscriber's alerts go besides Telegram: an e-mail address, a team chat (an Apprise URL:
    slack://, matrix://, mmost://, msteams://, ntfy://, json:// …) or its Atom feed. The same rules feed
    every channel; each has its own copy of an alert in the outbox (`key`), so each is sent exactly once and
    one that fails holds up no other."""

    kind: str  # "email" | "chat" | "feed"
    target: str = ""  # the address; the URL
    digest: str = ""  # "": the subscriber's
    quiet: str = ""  # "": the subscriber's

    @property
    def key(self) -> str:
        """The channel's name in the outbox; a chat's URL (it holds a token) is never written there."""
        if self.kind == "chat":
            import hashlib  # here: most runs have no chat channel, and `watcher status` none

            return "chat:" + hashlib.sha256(self.target.encode()).hexdigest()[:12]
        return f"email:{self.target.lower()}" if self.kind == "email" else self.kind

    @property
    def label(self) -> str:
        """How the logs name it: an address, or only the kind of chat (its URL holds a token)."""
        return self.target.split("://", 1)[0] + "://…" if self.kind == "chat" else (self.target or self.kind)


@dataclass(frozen=True)
class Subscriber:
    """One subscriber of sources.yaml: where its alerts go and the rules that choose them."""

    name: str
    telegram: int | None = None
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    dossiers: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()  # what a committee leads: "BuZa", "vaste commissie voor Buitenlandse Zaken"
    ministries: tuple[str, ...] = ()  # what a ministry or a bewindspersoon signs, receives, promises
    digest: str = "instant"
    agenda: str = ""  # "reminder": also told the day before a followed debate
    muted: tuple[str, ...] = ()  # documents this chat asked to hear no more about (a button; not a YAML key)
    quiet: str = ""  # quiet hours, "22:00-07:00" or "22:00-07:00 bewaar" (quiet.py)
    # a rule's own frequency, where it has one: (("keyword Xinjiang", "daily"), …), keyed as the matcher
    # names the rule in a hit's reasons
    rule_digests: tuple[tuple[str, str], ...] = ()
    channels: tuple[Channel, ...] = ()  # beside `telegram` (or, without it, the console): e-mail, chats, a feed


@dataclass(frozen=True)
class EmailSettings:
    """The SMTP server e-mail channels send through (sources.yaml `email:`)."""

    host: str = ""
    port: int = 587
    sender: str = ""  # `from:`
    username: str = ""
    password_env: str = ""  # the environment variable holding the password (never this file)
    security: str = "starttls"  # starttls | ssl | none
    timeout: float = 30.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class ServeSettings:
    """`watcher serve`: where it listens, and the address readers reach it at (behind a reverse proxy)."""

    listen: str = "127.0.0.1:8080"
    public_url: str = ""  # "": http://<listen>/

    def base(self) -> str:
        return (self.public_url or f"http://{self.listen}/").rstrip("/") + "/"


@dataclass(frozen=True)
class Config:
    """sources.yaml as a whole, checked."""

    path: Path
    state_dir: Path
    poll_interval: float = 300.0
    store: str = "sqlite"
    dsn: str = ""  # store: postgresql: where the database is ($WATCHER_DSN when not given here)
    database_timeout: float = 30.0  # store: postgresql: how long a call may wait for the server (store/_pgconn.py)
    telegram: TelegramSettings = TelegramSettings()
    http: HTTPSettings = HTTPSettings()
    sources: tuple[SourceConfig, ...] = ()
    subscribers: tuple[Subscriber, ...] = ()
    email: EmailSettings = EmailSettings()
    serve: ServeSettings = ServeSettings()


# ---------------------------------------------------------------- values

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION = 366 * 86400.0


def parse_duration(value) -> float:
    """'90s', '5m', '1h', '2d'. A bare number is refused: `poll_interval: 5` could mean seconds or minutes,
    and guessing wrong polls a public API 60 times too often."""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ValueError("expected a duration like 90s, 5m or 1h")
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a duration: write 90s, 5m, 1h or 2d")
    if m.group(2) is None:
        number = m.group(1)
        raise ValueError(f"{number} has no unit: write {number}s, {number}m or {number}h")
    seconds = float(m.group(1)) * _UNIT[m.group(2)]
    if seconds <= 0:
        raise ValueError("a duration must be more than zero")
    if seconds > MAX_DURATION:
        raise ValueError(f"{value!r} is more than a year: is that what you meant?")
    return seconds


_DATE_SHAPE = re.compile(r"^\d{4}-\d\d?-\d\d?([T ].*)?$")


def parse_since(value: str) -> datetime:
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        if _DATE_SHAPE.match(text):
            raise ValueError(f"{value!r} is not a real date ({e}): write it as 2024-01-31") from None
        raise ValueError(f"{value!r} is neither 'now' nor an ISO date like 2024-01-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
