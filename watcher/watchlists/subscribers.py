"""Who subscribes: the subscribers of sources.yaml, and what chats added or changed with bot commands.

Chat state lives in the store, one record per chat id ("chat:<id>"): rules added with /watch, /member and
/dossier, paused or stopped, blocked (Telegram said Forbidden), migrated to a new chat id, and when its last
digest went out. A YAML subscriber with a chat id gets that chat's rules on top of its own; a chat that is not
in sources.yaml is a subscriber of its own, named "chat <id>". YAML rules stay: the bot cannot remove them.
"""

from __future__ import annotations

from dataclasses import replace

from ..settings import RULE_KINDS, Config, Subscriber
from ..store import Store



def key(chat_id: int) -> str:
    return f"chat:{chat_id}"


def state(store: Store, chat_id: int) -> dict:
    return dict(store.chat_rule(key(chat_id)) or {})


def save(store: Store, chat_id: int, value: dict) -> bool:
    """Keep a chat's state; True when what it changed is what the matcher reads (`rules_of`), so that the
    rules are read again only then (a stranger's /start, a digest's time, an epoch change nothing)."""
    moved = rules_of(state(store, chat_id)) != rules_of(value)
    store.set_chat_rules({key(chat_id): value}, moved=moved)
    return moved


def rules_of(value: dict) -> dict:
    """What `effective` reads of a chat's state (an empty or false value as one missing: read alike)."""
    return {k: value.get(k) or None for k in RULE_KINDS + ("started", "paused", "stopped", "blocked", "muted", "quiet",
                                                   "digests", "digest")}


def moved(store: Store, old: int, new: int) -> None:
    """A group became a supergroup (`new`): its messages go there, and its commands from there reach the
    state kept under `old` (`home`)."""
    save(store, old, {**state(store, old), "migrated_to": new})
    store.set_event_state("home", str(new), {"chat": old})


def home(store: Store, chat_id: int) -> int:
    """The chat id a chat's state is kept under: its own, or the group's it was before it moved. One
    lookup, whatever the number of chats (a bot flooded by strangers asks it for every update)."""
    found = store.event_state("home", str(chat_id))
    return found["chat"] if found else chat_id


def index_homes(store: Store) -> None:
    """`home` for moves recorded before it existed: once, when the bot starts."""
    for old, value in chats(store).items():
        if value.get("migrated_to") and store.event_state("home", str(value["migrated_to"])) is None:
            store.set_event_state("home", str(value["migrated_to"]), {"chat": old})


REFUSED_KEPT = 20  # the last chats the bot turned away, for `watcher subscribers`; a flood cannot grow it


def note_refused(store: Store, chat_id: int, when: str) -> None:
    """A chat the bot turned away (not allowed), kept among the last REFUSED_KEPT so that the operator who
    is asked to let a colleague in finds its id. Written with the next flush: a refusal commits nothing."""
    kept = [r for r in (store.event_state("refused", "last") or {}).get("chats", []) if r["chat"] != chat_id]
    store.set_event_state("refused", "last", {"chats": (kept + [{"chat": chat_id, "at": when}])[-REFUSED_KEPT:]})


def refused(store: Store) -> list[dict]:
    """{"chat", "at"} of the chats turned away last, the newest last."""
    return list((store.event_state("refused", "last") or {}).get("chats", []))


def chats(store: Store) -> dict[int, dict]:
    return {int(k.split(":", 1)[1]): v for k, v in store.chat_rules().items() if k.startswith("chat:")}


def active(value: dict) -> bool:
    return not (value.get("paused") or value.get("stopped") or value.get("blocked"))


def effective(config: Config, store: Store) -> list[Subscriber]:
    """Every subscriber that should get alerts now, with the rules added in chat."""
    by_chat = chats(store)
    out = []
    for s in config.subscribers:
        extra = by_chat.pop(s.telegram, None) if s.telegram is not None else None
        if extra is not None:
            if not active(extra):
                continue
            s = replace(s, muted=tuple(extra.get("muted", ())), quiet=extra.get("quiet", s.quiet),
                        rule_digests=s.rule_digests + tuple(extra.get("digests", {}).items()),
                        **{k: tuple(dict.fromkeys(getattr(s, k) + tuple(extra.get(k, ())))) for k in RULE_KINDS})
        out.append(s)
    for chat_id, value in sorted(by_chat.items()):
        if value.get("started") and active(value) and any(value.get(k) for k in RULE_KINDS):
            out.append(Subscriber(name=chat_name(chat_id), telegram=chat_id, digest=value.get("digest", "instant"),
                                  muted=tuple(value.get("muted", ())), quiet=value.get("quiet", ""),
                                  rule_digests=tuple(value.get("digests", {}).items()),
                                  **{k: tuple(value.get(k, ())) for k in RULE_KINDS}))
    return out


def chat_name(chat_id: int) -> str:
    return f"chat {chat_id}"


def chat_of(subscriber: Subscriber, store: Store) -> int | None:
    """Where the subscriber's messages go now (a group that became a supergroup has a new id)."""
    if subscriber.telegram is None:
        return None
    return state(store, subscriber.telegram).get("migrated_to") or subscriber.telegram


SPEED = ("instant", "hourly", "daily")  # fastest first


def period_of(subscriber: Subscriber, reasons: list[str]) -> str:
    """How soon an alert goes to a subscriber: the fastest of the frequencies of the rules that made it
    (a rule without its own has the subscriber's; so has a follow-through, "u volgt deze vraag")."""
    own = dict(subscriber.rule_digests)
    periods = []
    for reason in reasons or [""]:
        rule = reason.split(" (", 1)[0] if reason.startswith("member ") else reason  # "member Ceder (D.G.M. Ceder)"
        periods.append(own.get(rule, subscriber.digest))
    return min(periods, key=lambda p: SPEED.index(p) if p in SPEED else 0)
