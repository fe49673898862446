"""The buttons under an alert: one small function per action, registered in TAPS. A function takes the chat, the
button (already checked genuine for this chat now: alerts/buttons.py) and how to draw it again, and returns
(the answer shown, the new button rows or None to leave them, an attachment or None)."""

from __future__ import annotations

from ..alerts import buttons
from .chat import MAX_RULES, Chat

FROM_YAML = "Die regel staat in sources.yaml en kan alleen daar weg: vraag het de beheerder."


def follow(chat: Chat, button, row):
    """"Volg dossier 36 600": a dossier rule added."""
    argument = button.argument
    if argument in chat.yaml_rules("dossiers"):
        return f"U volgt {buttons.named(argument)} al (sources.yaml).", row(buttons.done(button, True)), None
    rules = list(chat.state.get("dossiers", []))
    if argument not in rules:
        if chat.rules_count() >= MAX_RULES:
            return f"U volgt al {MAX_RULES} regels, het maximum.", None, None
        chat.save({**chat.state, "started": True, "dossiers": rules + [argument]})
    return f"U volgt nu {buttons.named(argument)}.", row(buttons.done(button)), None


def unfollow(chat: Chat, button, row):
    argument = button.argument
    if argument in chat.yaml_rules("dossiers") and argument not in chat.state.get("dossiers", []):
        return FROM_YAML, None, None
    chat.save({**chat.state, "dossiers": [r for r in chat.state.get("dossiers", []) if r != argument]})
    return f"U volgt {buttons.named(argument)} niet meer.", row(buttons.undone(button)), None


def mute(chat: Chat, button, row):
    """"Niet meer over dit stuk": nor its votes, its debates, its reminders (watchlists/audience.py)."""
    muted = list(chat.state.get("muted", []))
    if button.argument not in muted:
        chat.save({**chat.state, "muted": (muted + [button.argument])[-MAX_RULES:]})
    return f"U krijgt geen meldingen meer over {button.argument}.", row(buttons.done(button)), None


def unmute(chat: Chat, button, row):
    chat.save({**chat.state, "muted": [m for m in chat.state.get("muted", []) if m != button.argument]})
    return f"U krijgt weer meldingen over {button.argument}.", row(buttons.undone(button)), None


def diff_page(chat: Chat, button, row):
    """"Wijzigingen": the revision's diff page, as an attachment."""
    from ..deliver.deliver import revision_page
    page = revision_page(chat.store, button.argument)
    return ("De wijzigingen komen eraan." if page else "Er zijn geen wijzigingen van dit stuk bewaard."), None, page


def noop(chat: Chat, button, row):
    return "Die regel staat in sources.yaml en blijft.", None, None


def forget(chat: Chat, button, row):
    """/vergeet, confirmed."""
    chat.bot.forget(chat.id)
    return "Alles over dit gesprek is gewist.", [], None


TAPS = {buttons.FOLLOW: follow, "un" + buttons.FOLLOW: unfollow, buttons.MUTE: mute, "un" + buttons.MUTE: unmute,
        buttons.DIFF: diff_page, "noop": noop, buttons.FORGET: forget}
