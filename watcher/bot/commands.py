"""The bot's commands: one small function each, registered in COMMANDS under the code's (English) name; the
Dutch names map onto them (words.DUTCH). A function takes the chat and returns the reply: text in Telegram's
HTML, a (text, buttons) pair, or None for silence. What it changes is saved before the reply is sent."""

from __future__ import annotations

from functools import partial

from ..alerts import buttons
from ..alerts.alert import headline
from ..deliver import quiet
from ..parliament import Parliament, dossier_key, dutch_date
from ..settings import RULE_WORD
from ..watchlists.rules import rule_problem
from .chat import MAX_RULES, RULE_KINDS, Chat
from .text import escaped, shown, size_problem
from .words import (ADDRESS_NAMES, ADDRESSES, ARGUMENT_WORD, FREQUENCY, FREQUENCY_WORDS, HELP, LIST_TITLES,
                    NO_ADDRESSES, PRIVACY)

RECENT = 10  # alerts /recent lists
PREVIEW_DAYS = 30  # how far back /preview looks
PREVIEW_SHOWN = 10  # documents /preview lists; the rest are counted
MAX_LISTED = 150  # rules in /list before "… en N meer"


def start(chat: Chat):
    if chat.state:  # a chat with no state has nothing to turn back on: a stranger's /start stores nothing
        chat.save({**chat.state, "started": True, "stopped": False, "blocked": False, "paused": False})
    return "Welkom.\n\n" + escaped(HELP)


def help_(chat: Chat):
    return escaped(HELP)


def follow(chat: Chat, kind: str, command: str):
    """/volg, /lid, /dossier, /partij, /commissie, /ministerie, /nooit: a rule of `kind` added (with its own
    frequency: "/volg X dagelijks")."""
    argument, state = chat.argument, chat.state
    *words, last = argument.split(" ") if argument else [""]
    every = FREQUENCY.get(last.lower()) if words and kind != "exclude" else None
    if every is not None:
        argument = " ".join(words)  # "/watch Xinjiang daily": the rule, with its own frequency
    if kind == "dossiers":
        argument = dossier_key(argument)  # "35 207" as the Kamer prints it is the rule 35207
    if not argument:
        return f"Gebruik: /{chat.said} &lt;{ARGUMENT_WORD[command]}&gt;"
    problem = size_problem(argument) or rule_problem(kind, argument, dutch=True)
    parliament = Parliament.from_store(chat.store, people=kind == "members",
                                       bodies=kind in ("committees", "ministries"))
    problem = problem or parliament.problem(kind, argument, dutch=True)
    if problem:
        return f"Dat gaat niet: {escaped(problem)}"
    # Before the first run there is no list of the Kamer's parties and members to check a name against.
    unchecked = "" if parliament.checks(kind) else (
        "\n(Nog niet nagekeken: watcher leest de namen van de Kamer bij de eerste ronde.)")
    rules = list(state.get(kind, []))
    reason = f"{RULE_WORD[kind]} {argument}" if kind in RULE_WORD else ""
    if every is not None and argument in rules:
        chat.save({**state, "digests": {**state.get("digests", {}), reason: every}})
        return f"<b>{shown(argument)}</b>: voortaan {FREQUENCY_WORDS[every]}."
    if argument in rules or argument in chat.yaml_rules(kind):
        return f"U volgt <b>{shown(argument)}</b> al."
    if chat.rules_count() >= MAX_RULES:
        return f"U volgt al {MAX_RULES} regels, het maximum voor één gesprek: haal er eerst een weg met /ontvolg."
    digests = dict(state.get("digests", {}))
    if every is not None:
        digests[reason] = every
    chat.save({**state, "started": True, kind: rules + [argument], "digests": digests})
    if every is not None:
        return f"U volgt nu <b>{shown(argument)}</b>, {FREQUENCY_WORDS[every]}.{unchecked}"
    if kind == "exclude":
        return f"U krijgt niets meer waarin <b>{shown(argument)}</b> staat."
    return f"U volgt nu <b>{shown(argument)}</b>.{unchecked}"


def unwatch(chat: Chat):
    argument = chat.argument
    for kind in RULE_KINDS:
        rules = list(chat.state.get(kind, []))
        if kind == "dossiers" and dossier_key(argument) in rules:
            argument = dossier_key(argument)
        if argument in rules:
            rules.remove(argument)
            chat.save({**chat.state, kind: rules})
            return f"U volgt <b>{shown(argument)}</b> niet meer."
    if any(argument in chat.yaml_rules(k) for k in RULE_KINDS):
        return "Die regel staat in sources.yaml en kan alleen daar weg: vraag het de beheerder."
    return f"<b>{shown(argument)}</b> staat niet in uw lijst."


def list_rules(chat: Chat):
    """One rule a line under its kind; past MAX_LISTED rules, how many more."""
    state, yaml = chat.state, chat.yaml
    lines, listed, hidden = [], 0, 0
    default = yaml.digest if yaml else "instant"
    own = {**dict(yaml.rule_digests if yaml else ()), **state.get("digests", {})}

    def often(rule: str, kind: str) -> str:  # each rule with its own frequency
        every = own.get(f"{RULE_WORD.get(kind, '')} {rule}", default)
        return f" ({FREQUENCY_WORDS[every]})" if kind != "exclude" else ""

    for kind, title in LIST_TITLES.items():
        rules = [f"{shown(r)}{often(r, kind)} <i>(sources.yaml)</i>" for r in chat.yaml_rules(kind)]
        rules += [shown(r) + often(r, kind) for r in state.get(kind, [])]
        if not rules:
            continue
        room = max(0, MAX_LISTED - listed)
        lines.append(f"<b>{title}</b> ({len(rules)})")
        lines += [f"• {r}" for r in rules[:room]]
        listed += min(room, len(rules))
        hidden += max(0, len(rules) - room)
    if hidden:
        lines.append(f"… en {hidden} meer")
    status = "gepauzeerd" if state.get("paused") else "gestopt" if state.get("stopped") else "actief"
    if state.get("quiet"):
        status += f"; stille uren {shown(state['quiet'])}"
    return ("\n".join(lines) or "U volgt nog niets: /volg Xinjiang") + f"\n\nStatus: {status}"


def recent(chat: Chat):
    import html

    sent = chat.store.recent_sent(chat.name, RECENT)
    if not sent:
        return "Dit gesprek kreeg nog geen meldingen (of ze zijn al gewist)."
    lines = [f"<b>De laatste {len(sent)} meldingen</b>"]
    for number, alert in enumerate(sent, 1):
        link = next(iter(alert.links.values()), "")
        title = shown(alert.title or alert.document)
        title = f'<a href="{html.escape(link, quote=True)}">{title}</a>' if link else title
        lines.append(f"{number}. <b>{escaped(headline(alert))}</b>: {escaped(alert.document)} — {title}")
    return "\n".join(lines)


def addresses(chat: Chat):
    """Where this chat's subscriber reads its calendar (and, with `feed: true`, its feeds) elsewhere."""
    import html

    from ..alerts.alert import reasons_in_dutch
    from ..watchlists import subscribers as subs
    from ..web import pages

    subscriber = next((s for s in subs.effective(chat.bot.config, chat.store) if s.name == chat.name), None)
    found = pages.addresses(chat.bot.config, chat.store, subscriber) if subscriber is not None else {}
    if not found:
        return NO_ADDRESSES
    lines = [ADDRESSES]
    for name, url in found.items():
        label = ADDRESS_NAMES.get(name) or f"Alleen {reasons_in_dutch([name.removeprefix('regel ')], [])}"
        lines.append(f"{escaped(label)}: <a href=\"{html.escape(url, quote=True)}\">{escaped(url)}</a>")
    return "\n".join(lines)


def quiet_hours(chat: Chat):
    if chat.argument.lower() == "uit":
        chat.save({**chat.state, "quiet": ""})
        return "Geen stille uren meer: meldingen komen weer met geluid."
    try:
        window = quiet.parse(chat.argument)
    except ValueError as e:
        return f"Gebruik: /stil 22:00-07:00 (of /stil 22:00-07:00 bewaar, of /stil uit): {escaped(str(e))}"
    chat.save({**chat.state, "started": True, "quiet": str(window)})
    how = "bewaard tot het einde ervan" if window.hold else "zonder geluid verstuurd"
    return f"Stille uren {window.start:%H:%M}–{window.end:%H:%M} (Nederlandse tijd): meldingen worden dan {how}."


def preview(chat: Chat):
    """What a keyword would have sent in the last PREVIEW_DAYS days, from the store: numbered, capped."""
    from datetime import datetime, timedelta, timezone

    from ..commands.preview import matches
    from ..settings import Subscriber

    rule = chat.argument
    if not rule:
        return f"Gebruik: /{chat.said} &lt;woord&gt; – wat die regel de afgelopen 30 dagen had gemeld"
    problem = size_problem(rule) or rule_problem("keywords", rule, dutch=True)
    if problem:
        return f"Dat gaat niet: {escaped(problem)}"
    cutoff = datetime.now(timezone.utc) - timedelta(days=PREVIEW_DAYS)
    _, found = matches(chat.store, [Subscriber(name="preview", keywords=(rule,))], cutoff)
    hits = sorted(found["preview"], key=lambda f: f.datum, reverse=True)
    if not hits:
        return f"<b>{shown(rule)}</b> had de afgelopen {PREVIEW_DAYS} dagen niets gemeld."
    lines = [f"<b>{shown(rule)}</b> had de afgelopen {PREVIEW_DAYS} dagen {len(hits)} "
             f"stuk{'ken' if len(hits) != 1 else ''} gemeld:"]
    lines += [f"{n}. {escaped(f.key)} · {dutch_date(f.datum)} · {escaped(f.soort)}: {shown(f.title)}"
              for n, f in enumerate(hits[:PREVIEW_SHOWN], 1)]
    if len(hits) > PREVIEW_SHOWN:
        lines.append(f"… en {len(hits) - PREVIEW_SHOWN} meer")
    lines.append(f"Volgen: /volg {shown(rule)}")
    return "\n".join(lines)


def explain(chat: Chat):
    from ..alerts.explain import telegram_lines
    return "\n".join(telegram_lines())


def privacy(chat: Chat):
    from ..store._local import OUTBOX_KEEP
    return escaped(PRIVACY.format(days=OUTBOX_KEEP.days))


def forget(chat: Chat):
    """/vergeet asks first: a button confirms (taps.forget)."""
    confirm = buttons.Button("Ja, wis alles over dit gesprek", buttons.FORGET, "")
    epoch = chat.state.get("epoch", buttons.FIRST_EPOCH)
    return ("Weet u het zeker? Uw regels, de meldingen aan dit gesprek en wat de bot verder over dit gesprek weet, "
            "worden gewist.", [(confirm.label, buttons.data(buttons.secret(chat.store), chat.id, epoch, confirm))])


def pause(chat: Chat):
    chat.save({**chat.state, "paused": True})
    return "Gepauzeerd: tot /resume krijgt u geen meldingen (wat intussen gebeurt, mist u)."


def resume(chat: Chat):
    chat.save({**chat.state, "paused": False, "stopped": False})
    return "U krijgt weer meldingen."


def stop(chat: Chat):
    chat.save({**chat.state, "stopped": True})
    return "Gestopt. Uw lijst blijft bewaard; /start zet de meldingen weer aan."


def unknown(chat: Chat):
    return "Dat commando ken ik niet. /help zegt wat kan."


COMMANDS = {
    "start": start, "help": help_, "": help_,
    "watch": partial(follow, kind="keywords", command="watch"),
    "member": partial(follow, kind="members", command="member"),
    "dossier": partial(follow, kind="dossiers", command="dossier"),
    "party": partial(follow, kind="parties", command="party"),
    "committee": partial(follow, kind="committees", command="committee"),
    "ministry": partial(follow, kind="ministries", command="ministry"),
    "exclude": partial(follow, kind="exclude", command="exclude"),
    "unwatch": unwatch, "list": list_rules, "recent": recent, "stil": quiet_hours, "preview": preview,
    "addresses": addresses,
    "explain": explain, "privacy": privacy, "vergeet": forget, "pause": pause, "resume": resume, "stop": stop,
}
