"""`watcher subscribers`: who follows what, from sources.yaml and from chat, for an operator asked "who
follows Ceder?". Reads the state beside a running watcher, as `status` does."""

from __future__ import annotations

import json

from ..watchlists import subscribers as subs
from ..settings import RULE_KINDS, Config
from ..store import open_reader


def roster(config: Config, chats: dict[int, dict], channel_states: dict[str, dict] | None = None) -> list[dict]:
    """Every subscriber, with where its rules come from and whether it gets alerts now: sources.yaml's in
    their order, then the chats that made their own, by id. `chats`: the chats' states (subscribers.chats);
    `channel_states`: the other channels' (a failing one says so)."""
    chats = dict(chats)
    out = []
    for s in config.subscribers:
        own = chats.pop(s.telegram, {}) if s.telegram is not None else {}
        rules = {k: [{"rule": r, "from": "sources.yaml"} for r in getattr(s, k)]
                 + [{"rule": r, "from": "chat"} for r in own.get(k, []) if r not in getattr(s, k)] for k in RULE_KINDS}
        channels = []
        for c in s.channels:
            state = (channel_states or {}).get(f"{s.name}|{c.key}", {})
            channels.append({"channel": c.label, **({"failing": state["error"], "tries": state["failures"],
                                                     "next_try": state["retry_at"]} if state.get("failures") else {})})
        out.append({"name": s.name, "telegram": s.telegram, "status": _status(own), "digest": s.digest,
                    "channels": channels, "rules": {k: v for k, v in rules.items() if v}})
    for chat, state in sorted(chats.items()):
        if not any(state.get(k) for k in RULE_KINDS):
            continue  # a chat without rules (said /start, or /vergeet) follows nothing
        out.append({"name": subs.chat_name(chat), "telegram": chat, "status": _status(state),
                    "digest": state.get("digest", "instant"), "channels": [],
                    "rules": {k: [{"rule": r, "from": "chat"} for r in state.get(k, [])] for k in RULE_KINDS if state.get(k)}})
    return out


def _status(state: dict) -> str:
    if state.get("blocked"):
        return "blocked the bot"
    if state.get("stopped"):
        return "stopped"
    if state.get("paused"):
        return "paused"
    return "active"


def following(entries: list[dict], word: str) -> list[dict]:
    """Those with a rule that holds `word` (any case): "Ceder" finds `members: [Ceder]` and `keywords: [Ceder*]`."""
    word = word.casefold()
    return [e for e in entries if any(word in r["rule"].casefold() for rules in e["rules"].values() for r in rules)]


def print_roster(config: Config, out, err, follows: str | None = None, as_json: bool = False) -> int:
    store = open_reader(config, err, first="the subscribers of sources.yaml only; run `watcher run --once` first")
    if store is None and config.store == "postgresql":
        return 1  # the database cannot be read: said above
    chats, turned_away, channel_states = {}, [], {}
    if store is not None:
        with store:
            chats, turned_away = subs.chats(store), subs.refused(store)
            channel_states = store.event_states("channel")
    entries = roster(config, chats, channel_states)
    if follows:
        entries, turned_away = following(entries, follows), []
    # The chats the bot turned away, newest first: the id an operator asked to let a colleague in looks for.
    refused = [{"name": subs.chat_name(r["chat"]), "telegram": r["chat"], "status": "refused", "refused_at": r["at"],
                "channels": [], "rules": {}} for r in reversed(turned_away)]
    if as_json:
        out.write(json.dumps(entries + refused, ensure_ascii=False, indent=2) + "\n")
        return 0
    for e in entries:
        places = ([f"chat {e['telegram']}"] if e["telegram"] is not None else []) + [c["channel"] for c in e["channels"]]
        where = f" ({', '.join(places or ['stdout'])})"
        out.write(f"{e['name']}{where}: {e['status']}{'' if e['digest'] == 'instant' else ', ' + e['digest']}\n")
        for c in e["channels"]:
            if "failing" in c:
                out.write(f"  {c['channel']}: failing ({c['tries']} tries, the next at {c['next_try']}): "
                          f"{c['failing']}\n")
        for kind, rules in e["rules"].items():
            out.write(f"  {kind}: " + ", ".join(r["rule"] + (" (chat)" if r["from"] == "chat" else "")
                                                for r in rules) + "\n")
    if not entries:
        out.write(f"nobody follows {follows!r}\n" if follows else "no subscribers\n")
    if refused:
        out.write("refused by the bot (to let one in, add its id to telegram.allow or as a subscriber's telegram:):\n")
        out.writelines(f"  chat {r['telegram']}, last at {r['refused_at']}\n" for r in refused)
    return 0
