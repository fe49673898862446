"""sources.yaml: reading it and checking every key, into the settings of settings.py.

The key names are a contract (scripts outside the project write these files), so they only ever
grow. Unknown keys are errors: a typo must not silently switch a watchlist off.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from . import yamlfile
from .settings import (DEFAULT_API_URL, DEFAULT_TOKEN_ENV, RULE_KINDS, RULE_WORD, Channel, Config, EmailSettings,
                       HTTPSettings, ServeSettings, SourceConfig, Subscriber, TelegramSettings, parse_duration,
                       parse_since)
from .yamlfile import Problem, dotted, not_a_list

DEFAULT_CONFIG = "sources.yaml"
MAX_CONFIG_BYTES = 5 * 1024 * 1024  # a watchlist of thousands of rules is well under 1 MB
class ConfigError(Exception):
    """Every problem found in one file, each naming its line and key."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---------------------------------------------------------------- checking


class _Checker:
    def __init__(self, located: yamlfile.Located):
        self.located = located
        self.problems: list[Problem] = []

    def problem(self, path, message: str) -> None:
        self.problems.append(Problem(self.located.file, self.located.line(path), dotted(path), message))

    def mapping(self, path, value, allowed, required=()) -> dict:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping of keys, got {_kind(value)}")
            return {}
        for key in value:
            if key not in allowed:
                import difflib  # here: only a mistake asks for a suggestion

                hint = difflib.get_close_matches(key, list(allowed), n=1)
                extra = f" (did you mean '{hint[0]}'?)" if hint else f"; known keys: {', '.join(sorted(allowed))}"
                self.problem(path + (key,), f"unknown key{extra}")
        for key in required:
            if value.get(key) in (None, ""):
                self.problem(path, f"'{key}' is required")
        return value

    def entries(self, key: str, value, expected: str):
        """(path, mapping) for each item of a top-level list; anything else is reported."""
        if value is None:
            return
        if not isinstance(value, list):
            self.problem((key,), f"expected a list of {key}, got {_kind(value)}")
            return
        for i, raw in enumerate(value):
            if isinstance(raw, dict):
                yield (key, i), raw
            else:
                self.problem((key, i), f"expected {expected}, got {_kind(raw)}")

    def text(self, path, value, default=None) -> str | None:
        if value is None:
            return default
        if isinstance(value, (dict, list)) or isinstance(value, bool):
            self.problem(path, f"expected text, got {_kind(value)}")
            return default
        return str(value)

    def texts(self, path, value) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            self.problem(path, not_a_list(path[-1], value))
            return ()
        if not isinstance(value, list):
            self.problem(path, f"expected a list, got {_kind(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
                self.problem(path + (i,), f"expected text, got {_kind(item)}")
            else:
                out.append(str(item))
        return tuple(out)

    def convert(self, path, value, parse, default):
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError as e:
            self.problem(path, str(e))
            return default

    def chat_id(self, path, value) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not re.fullmatch(r"-?\d+", str(value).strip()):
            self.problem(path, f"expected a numeric Telegram chat id, got {value!r}")
            return None
        return int(str(value).strip())




def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}.get(
        type(value), type(value).__name__)


TOP_KEYS = {"state_dir", "store", "dsn", "database_timeout", "poll_interval", "telegram", "http", "sources", "subscribers",
            "email", "serve"}
EMAIL_KEYS = {"host", "port", "from", "username", "password_env", "security", "timeout"}
SECURITY = ("starttls", "ssl", "none")
SERVE_KEYS = {"listen", "public_url"}
CHANNEL_KEYS = {"digest", "quiet"}  # beside the address (`to:`) or URL (`url:`) of an e-mail or chat channel
TELEGRAM_KEYS = {"token_env", "api_url", "allow", "admins", "limits", "paid_broadcast"}
PAID_PER_SECOND = 1000  # Telegram's limit with allow_paid_broadcast
LIMIT_KEYS = {"per_second", "chat_interval", "group_per_minute"}
HTTP_KEYS = {"timeout", "retries", "backoff", "redirect_hosts"}
SOURCE_KEYS = {"name", "kind", "url", "since", "stale_after", "deadline", "backfill_alerts"}
SUBSCRIBER_KEYS = {"name", "telegram", *RULE_KINDS, "digest", "agenda", "quiet", "email", "chats", "feed"}
AGENDA_CHOICES = ("reminder",)
# A rule's word in a mapping ({keyword: Xinjiang, digest: daily}), which is also how a hit's reasons name it.
DIGESTS = ("instant", "hourly", "daily")
STORES = ("sqlite", "tinydb", "postgresql")


def config_path(arg: str | None) -> Path:
    return Path(arg or os.environ.get("WATCHER_CONFIG") or DEFAULT_CONFIG)


def load(path: str | os.PathLike, need_sources: bool = True, probe_state: bool = False, parliament=None,
         probe_channels: bool = False) -> Config:
    """Read and check a sources.yaml. Raises ConfigError listing every problem, FileNotFoundError, or
    another OSError (which the caller reports as it is).

    `need_sources`: a file without sources is an error (for every command but `match`, which needs only
    watchlists). `probe_state`: also make sure state_dir can be created and written (`watcher check`).
    `parliament`: the parties and members the Kamer's data knows (parliament.Parliament): a rule on a name
    it does not have is an error, with the nearest names. `probe_channels`: also ask Apprise whether it
    understands each team chat's URL (`watcher check`; a run does not pay for importing it)."""
    path = Path(path)
    return parse(read_text(path), path, need_sources=need_sources, probe_state=probe_state, parliament=parliament,
                 probe_channels=probe_channels)


def _file_problem(path: Path, message: str) -> ConfigError:
    return ConfigError([Problem(str(path), 0, "", message)])


def read_text(path: Path) -> str:
    """The text of a config file, refusing what is not one before reading it: a directory, a FIFO or
    device (reading one would hang or never end), a symlink out of its folder (the error messages quote
    lines, and must never quote those of a file elsewhere, /etc/shadow say), a file over
    MAX_CONFIG_BYTES, bytes that are not UTF-8."""
    info = os.lstat(path)  # FileNotFoundError goes to the caller, who says what to do
    if stat.S_ISLNK(info.st_mode):
        target = path.resolve()
        if not target.is_relative_to(path.absolute().parent.resolve()):
            raise _file_problem(path, f"is a symlink to {target}, outside its own folder: refused, so that no "
                                      "line of another file is ever echoed; pass that file with -c instead")
    # O_NONBLOCK: opening a FIFO must not wait for a writer; what we opened is then checked, not the name.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _file_problem(path, f"is a directory: pass the config file itself, e.g. -c {path / DEFAULT_CONFIG}")
        if not stat.S_ISREG(info.st_mode):
            raise _file_problem(path, "is not a regular file (a FIFO, socket or device): pass a YAML file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise _file_problem(path, f"is {info.st_size / 2**20:.1f} MB, over the {MAX_CONFIG_BYTES // 2**20} MB "
                                      "a config file may be: is it the right file?")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:  # grew while we looked
        raise _file_problem(path, f"is over the {MAX_CONFIG_BYTES // 2**20} MB a config file may be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ConfigError([Problem(str(path), line, "(encoding)",
                                   f"byte {data[e.start]:#04x} at column {column} is not UTF-8: save the file "
                                   "as UTF-8")]) from None


def parse(text: str, path: Path, need_sources: bool = True, probe_state: bool = False, parliament=None,
          probe_channels: bool = False) -> Config:
    try:
        located = yamlfile.load(text, str(path))
    except yamlfile.YAMLSyntaxError as e:
        raise ConfigError([e.problem]) from None
    check = _Checker(located)
    if located.data is None:
        raise ConfigError([Problem(str(path), 0, "", "is empty: it needs at least one source under `sources:` "
                                                   "(README, Configuration)")])
    top = check.mapping((), located.data, TOP_KEYS)

    state_dir = _state_dir(check, path, top.get("state_dir"))
    poll_interval = check.convert(("poll_interval",), top.get("poll_interval"), parse_duration, 300.0)
    store = check.text(("store",), top.get("store"), "sqlite")
    if store not in STORES:
        check.problem(("store",), f"expected one of {', '.join(STORES)}")
    dsn = check.text(("dsn",), top.get("dsn"), "") or os.environ.get("WATCHER_DSN", "")
    if store == "postgresql" and not dsn:
        check.problem(("store",), "postgresql needs a database: add `dsn: postgresql://user@host/dbname` "
                                  "(or set $WATCHER_DSN)")
    database_timeout = check.convert(("database_timeout",), top.get("database_timeout"), parse_duration, 30.0)
    if not 1 <= database_timeout <= 3600:
        check.problem(("database_timeout",), "expected between 1s and 1h")
    telegram = _telegram(check, top.get("telegram"))
    http = _http(check, top.get("http"))
    sources = _sources(check, top.get("sources"))
    if need_sources and not sources and not any(p.key.startswith("sources") for p in check.problems):
        check.problem(("sources",), "no sources to poll: add one (README, Configuration), e.g. "
                                    "`- {name: tweedekamer, kind: tweedekamer}`")
    email = _email(check, top.get("email"))
    serve = _serve(check, top.get("serve"))
    subscribers = _subscribers(check, top.get("subscribers"), parliament, email, probe_channels)
    if probe_state and (problem := state_dir_problem(state_dir)):
        where = " (from $WATCHER_STATE)" if os.environ.get("WATCHER_STATE") else ""
        check.problem(("state_dir",), problem + where)

    if check.problems:
        raise ConfigError(sorted(check.problems, key=lambda p: p.line))
    return Config(path=path, state_dir=state_dir, poll_interval=poll_interval, store=store, dsn=dsn,
                  database_timeout=database_timeout, telegram=telegram, http=http, sources=tuple(sources), subscribers=tuple(subscribers),
                  email=email, serve=serve)


def _state_dir(check: _Checker, path: Path, value) -> Path:
    # The environment wins, so a container can point the bundled file at its /state volume.
    # A relative path is taken from the config file's folder, so cron's working directory
    # does not matter.
    if os.environ.get("WATCHER_STATE"):
        return Path(os.environ["WATCHER_STATE"])
    raw = check.text(("state_dir",), value, "state")
    state = Path(raw)
    return state if state.is_absolute() else path.parent / state


def state_dir_problem(folder: Path) -> str | None:
    """Why `folder` cannot hold a state, or None: it is created (and what was created removed again) and a
    file is written and synced in it, as the first run will."""
    created = []
    try:
        missing = folder.absolute()
        while not missing.exists():
            created.append(missing)
            missing = missing.parent
        if not missing.is_dir():
            return f"{missing} is not a directory"
        for new in reversed(created):
            new.mkdir()
        probe = folder / f".watcher-check-{os.getpid()}"
        try:
            with open(probe, "wb") as f:
                f.write(b"ok")
                f.flush()
                os.fsync(f.fileno())
        finally:
            probe.unlink(missing_ok=True)
    except OSError as e:
        return f"{folder} cannot be used for the state: {e.strerror or e}"
    finally:
        for new in created:
            try:
                new.rmdir()
            except OSError:
                pass
    return None


def _telegram(check: _Checker, value) -> TelegramSettings:
    path = ("telegram",)
    raw = check.mapping(path, value, TELEGRAM_KEYS)
    token_env = check.text(path + ("token_env",), raw.get("token_env"), DEFAULT_TOKEN_ENV)
    if token_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token_env):
        check.problem(path + ("token_env",), "name an environment variable (the token itself never lives in this file)")
    api_url = check.text(path + ("api_url",), raw.get("api_url"), DEFAULT_API_URL).rstrip("/")
    if not re.match(r"^https?://", api_url):
        check.problem(path + ("api_url",), "expected an http(s) URL")
    allow_raw = raw.get("allow")
    if allow_raw == "open":
        allow: tuple[int, ...] | str = "open"
    else:
        items = allow_raw if isinstance(allow_raw, list) else ([] if allow_raw is None else [allow_raw])
        allow = tuple(c for i, item in enumerate(items)
                      if (c := check.chat_id(path + ("allow", i), item)) is not None)
    admins_raw = raw.get("admins") or []
    admins_raw = admins_raw if isinstance(admins_raw, list) else [admins_raw]
    admins = tuple(c for i, item in enumerate(admins_raw)
                   if (c := check.chat_id(path + ("admins", i), item)) is not None)
    limits = check.mapping(path + ("limits",), raw.get("limits"), LIMIT_KEYS)
    numbers = {}
    for key in ("per_second", "group_per_minute"):
        value = limits.get(key, getattr(TelegramSettings, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            check.problem(path + ("limits", key), "expected a whole number, 1 or more")
            value = getattr(TelegramSettings, key)
        numbers[key] = value
    numbers["chat_interval"] = check.convert(path + ("limits", "chat_interval"), limits.get("chat_interval"),
                                             parse_duration, 1.0)
    paid = raw.get("paid_broadcast", False)
    if not isinstance(paid, bool):
        check.problem(path + ("paid_broadcast",), "expected true or false (true: Telegram bills each message "
                                                  "past 30 a second in Stars)")
        paid = False
    if paid and "per_second" not in limits:
        numbers["per_second"] = PAID_PER_SECOND
    return TelegramSettings(token_env=token_env, api_url=api_url, allow=allow, admins=admins, paid_broadcast=paid,
                            **numbers)


def _http(check: _Checker, value) -> HTTPSettings:
    path = ("http",)
    raw = check.mapping(path, value, HTTP_KEYS)
    retries = raw.get("retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        check.problem(path + ("retries",), "expected a whole number, 0 or more")
        retries = 3
    hosts = check.texts(path + ("redirect_hosts",), raw.get("redirect_hosts"))
    for i, host in enumerate(hosts):
        if not re.fullmatch(r"[A-Za-z0-9.-]+", host):
            check.problem(path + ("redirect_hosts", i), f"expected a host name like zoek.officielebekendmakingen.nl, "
                                                        f"got {host!r}")
    return HTTPSettings(
        timeout=check.convert(path + ("timeout",), raw.get("timeout"), parse_duration, 30.0),
        retries=retries,
        backoff=check.convert(path + ("backoff",), raw.get("backoff"), parse_duration, 2.0),
        redirect_hosts=tuple(h.lower() for h in hosts),
    )


def _sources(check: _Checker, value) -> list[SourceConfig]:
    from .sources.kinds import KINDS  # the kinds define their own keys

    out, names = [], set()
    for path, raw in check.entries("sources", value, "a mapping with name, kind and url"):
        kind = check.text(path + ("kind",), raw.get("kind"))
        known = KINDS.get(kind) if kind else None
        if kind and not known:
            import difflib

            hint = difflib.get_close_matches(kind, list(KINDS), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            check.problem(path + ("kind",), f"unknown kind '{kind}'{extra}; known kinds: {', '.join(sorted(KINDS))}")
        own_keys = set(known.options) if known else set()
        check.mapping(path, raw, SOURCE_KEYS | own_keys, required=("name", "kind"))
        name = check.text(path + ("name",), raw.get("name"), "")
        if name and name in names:
            check.problem(path + ("name",), f"two sources are called '{name}': names key the state, make them unique")
        names.add(name)
        url = check.text(path + ("url",), raw.get("url"), known.default_url if known else "")
        if known and (not url or not re.match(r"^https?://", url)):
            check.problem(path + ("url",), "expected an http(s) URL")
        elif known and (problem := known.url_problem(url)):
            check.problem(path + ("url",), problem)
        since = check.text(path + ("since",), raw.get("since"), "now")
        if since != "now":
            check.convert(path + ("since",), since, parse_since, None)
        stale_after = check.convert(path + ("stale_after",), raw.get("stale_after"), parse_duration, 86400.0)
        deadline = check.convert(path + ("deadline",), raw.get("deadline"), parse_duration, 600.0)
        backfill_alerts = raw.get("backfill_alerts", False)
        if not isinstance(backfill_alerts, bool):
            check.problem(path + ("backfill_alerts",), "expected true or false")
            backfill_alerts = False
        options = {}
        if known:
            for key, parse_option in known.options.items():
                if key in raw:
                    options[key] = check.convert(path + (key,), raw[key], parse_option, None)
        out.append(SourceConfig(name=name, kind=kind or "", url=url or "", since=since,
                                stale_after=stale_after, deadline=deadline, backfill_alerts=backfill_alerts,
                                options=options))
    return out


def _email(check: _Checker, value) -> EmailSettings:
    if value is None:
        return EmailSettings()
    path = ("email",)
    raw = check.mapping(path, value, EMAIL_KEYS, required=("host", "from"))
    port = raw.get("port", 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        check.problem(path + ("port",), "expected a port number (587 for STARTTLS, 465 for SSL)")
        port = 587
    sender = check.text(path + ("from",), raw.get("from"), "")
    if sender and not _ADDRESS.fullmatch(sender):
        check.problem(path + ("from",), f"{sender!r} is not an e-mail address")
    password_env = check.text(path + ("password_env",), raw.get("password_env"), "")
    if password_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", password_env):
        check.problem(path + ("password_env",), "name an environment variable (the password never lives in this file)")
    security = check.text(path + ("security",), raw.get("security"), "starttls")
    if security not in SECURITY:
        check.problem(path + ("security",), f"expected one of {', '.join(SECURITY)}")
    timeout = check.convert(path + ("timeout",), raw.get("timeout"), parse_duration, 30.0)
    return EmailSettings(host=check.text(path + ("host",), raw.get("host"), ""), port=port, sender=sender,
                         username=check.text(path + ("username",), raw.get("username"), ""),
                         password_env=password_env, security=security, timeout=timeout)


def _serve(check: _Checker, value) -> ServeSettings:
    path = ("serve",)
    raw = check.mapping(path, value, SERVE_KEYS)
    listen = check.text(path + ("listen",), raw.get("listen"), "127.0.0.1:8080")
    if not re.fullmatch(r"[^\s:]+:\d{1,5}", listen):
        check.problem(path + ("listen",), "expected host:port, e.g. 127.0.0.1:8080")
    public_url = check.text(path + ("public_url",), raw.get("public_url"), "")
    if public_url and not re.match(r"^https?://[^/\s]+", public_url):
        check.problem(path + ("public_url",), "expected the http(s) address readers reach `watcher serve` at")
    return ServeSettings(listen=listen, public_url=public_url)


_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_CHAT_URL = re.compile(r"[a-z][a-z0-9+]*://\S+")


def _channels(check: _Checker, path, raw: dict, email: EmailSettings, probe: bool) -> list[Channel]:
    """A subscriber's `email:` (one address or a list), `chats:` (Apprise URLs) and `feed: true`; an address
    or URL may be a mapping with its own `digest:` and `quiet:`."""
    out = []
    for key, kind, field, shape in (("email", "email", "to", _ADDRESS), ("chats", "chat", "url", _CHAT_URL)):
        value = raw.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for j, item in enumerate(items):
            where = path + ((key, j) if isinstance(value, list) else (key,))
            own = {}
            if isinstance(item, dict):
                check.mapping(where, item, CHANNEL_KEYS | {field}, required=(field,))
                own, item = item, item.get(field)
                where = where + (field,)
            target = check.text(where, item, "")
            if not target:
                continue
            if not shape.fullmatch(target):
                check.problem(where, f"{target!r} is not an e-mail address" if kind == "email" else
                              "expected an Apprise URL, e.g. slack://…, mmost://…, ntfy://… (README, Channels)")
                continue
            if kind == "chat" and probe:
                from .deliver.chats import understood
                if not understood(target):
                    check.problem(where, f"Apprise does not understand this {target.split('://', 1)[0]}:// URL: see "
                                         "its wiki for the service's URL (README, Channels)")
                    continue
            if kind == "email" and not email.host:
                check.problem(where, "e-mail needs a server: add `email: {host: smtp.example.nl, from: "
                                     "watcher@example.nl}` at the top of the file")
            digest = check.text(where[:-1] + ("digest",), own.get("digest"), "")  # only a mapping has its own
            if digest and digest not in DIGESTS:
                check.problem(where[:-1] + ("digest",), f"expected one of {', '.join(DIGESTS)}")
            quiet_hours = check.text(where[:-1] + ("quiet",), own.get("quiet"), "")
            if quiet_hours and (error := _quiet_problem(quiet_hours)):
                check.problem(where[:-1] + ("quiet",), error)
            out.append(Channel(kind=kind, target=target, digest=digest, quiet=quiet_hours))
    feed = raw.get("feed")
    if feed is not None and not isinstance(feed, bool):
        check.problem(path + ("feed",), "expected true (an Atom feed of this subscriber's alerts) or false")
    elif feed:
        out.append(Channel(kind="feed"))
    keys = [c.key for c in out]
    for c in out:
        if keys.count(c.key) > 1:
            check.problem(path, f"{c.label} is named twice")
            break
    return out


def _quiet_problem(text: str) -> str | None:
    from .deliver import quiet
    try:
        quiet.parse(text)
    except ValueError as e:
        return f"{e} (Amsterdam's time)"
    return None


def _subscribers(check: _Checker, value, parliament=None, email: EmailSettings = EmailSettings(),
                 probe_channels: bool = False) -> list[Subscriber]:
    from .watchlists.rules import rule_problem  # the syntax of a rule

    out, names = [], set()
    for path, raw in check.entries("subscribers", value, "a mapping with a name and rules"):
        check.mapping(path, raw, SUBSCRIBER_KEYS, required=("name",))
        name = check.text(path + ("name",), raw.get("name"), "")
        if name and name in names:
            check.problem(path + ("name",), f"two subscribers are called '{name}'")
        names.add(name)
        rules, rule_digests = {}, []
        for key in RULE_KINDS:
            items = raw.get(key)
            if isinstance(items, list) and key in RULE_WORD:
                # A rule may be a mapping with its own frequency: {keyword: Xinjiang, digest: daily}.
                plain = []
                for j, item in enumerate(items):
                    if not isinstance(item, dict):
                        plain.append(item)
                        continue
                    check.mapping(path + (key, j), item, {RULE_WORD[key], "digest"}, required=(RULE_WORD[key],))
                    rule = check.text(path + (key, j, RULE_WORD[key]), item.get(RULE_WORD[key]), "")
                    own = check.text(path + (key, j, "digest"), item.get("digest"), "instant")
                    if own not in DIGESTS:
                        check.problem(path + (key, j, "digest"), f"expected one of {', '.join(DIGESTS)}")
                    plain.append(rule)
                    rule_digests.append((f"{RULE_WORD[key]} {rule}", own))
                items = plain
            rules[key] = check.texts(path + (key,), items)
            for j, rule in enumerate(rules[key]):
                error = rule_problem(key, rule) or (parliament.problem(key, rule) if parliament else None)
                if error:
                    check.problem(path + (key, j), error)
        digest = check.text(path + ("digest",), raw.get("digest"), "instant")
        if digest not in DIGESTS:
            check.problem(path + ("digest",), f"expected one of {', '.join(DIGESTS)}")
        agenda = check.text(path + ("agenda",), raw.get("agenda"), "")
        if agenda and agenda not in AGENDA_CHOICES:
            check.problem(path + ("agenda",), "expected reminder (a reminder the day before a followed debate)")
        quiet_hours = check.text(path + ("quiet",), raw.get("quiet"), "")
        if quiet_hours and (error := _quiet_problem(quiet_hours)):
            check.problem(path + ("quiet",), error)
        channels = _channels(check, path, raw, email, probe_channels)
        out.append(Subscriber(name=name, telegram=check.chat_id(path + ("telegram",), raw.get("telegram")),
                              digest=digest, agenda=agenda, quiet=quiet_hours, rule_digests=tuple(rule_digests),
                              channels=tuple(channels), **rules))
    return out
