"""The buttons under an alert, and what a tap on one means: the alert as the subscriber's control surface.

A button's callback data is "<action>|<argument>|<signature>" (Telegram allows 64 bytes). The signature is
an HMAC over the chat, the chat's epoch, the action and the argument, under a secret that lives in the
store: a button forged, copied from another chat, or left over from before `/vergeet` (which gives the chat
a new epoch) changes nothing. Nothing is stored per button, so 10,000 subscribers cost no state.

Only decides; taking effect and answering Telegram are the bot's (bot.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from ..model import AGENDA, DEBATE, OVERDUE, REVISED, TOEZEGGING, VOTE, Alert
from ..news.questions import SOORTEN as QUESTION_SOORTEN

MAX_DATA = 64  # bytes of callback_data Telegram takes

# action -> what it does; an undo is the same word with "un" before it
FOLLOW = "volg"  # follow a dossier or zaak (a question is a zaak)
MUTE = "stil"  # no more alerts about this document
DIFF = "diff"  # send the changes as an attachment
FORGET = "vergeet"  # /vergeet, confirmed


@dataclass(frozen=True)
class Button:
    """A button under an alert: its label, what a tap does, and on what."""

    label: str
    action: str
    argument: str


FIRST_EPOCH = "0"  # a chat's epoch until /vergeet gives it a new one


def secret(store) -> str:
    """The bot's signing secret, made once and kept in the store (flushed before any button carries it)."""
    held = store.event_state("bot", "secret")
    if held is None:
        held = {"secret": secrets.token_hex(16)}
        store.set_event_state("bot", "secret", held)
        store.flush()
    return held["secret"]


def new_epoch() -> str:
    return secrets.token_hex(4)


def sign(secret: str, chat_id: int, epoch: str, action: str, argument: str) -> str:
    mac = hmac.new(secret.encode(), f"{chat_id}|{epoch}|{action}|{argument}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:12]).decode().rstrip("=")


def data(secret: str, chat_id: int, epoch: str, button: Button) -> str | None:
    """The callback data of a button; None when it would not fit (a very long argument)."""
    text = f"{button.action}|{button.argument}|{sign(secret, chat_id, epoch, button.action, button.argument)}"
    return text if len(text.encode()) <= MAX_DATA else None


def read(secret: str, chat_id: int, epoch: str, text: str) -> Button | None:
    """The button a tap's data stands for, if it is genuine for this chat and epoch; None otherwise."""
    parts = (text or "").split("|")
    if len(parts) != 3:
        return None
    action, argument, signature = parts
    if not hmac.compare_digest(signature, sign(secret, chat_id, epoch, action, argument)):
        return None
    return Button("", action, argument)


def for_alert(alert: Alert, followed: set[str], has_diff_attached: bool) -> list[Button]:
    """The buttons under one alert: follow its dossier or zaak (its question, for a question's news), no
    more about this document, and the changes when they were not attached. `followed`: the dossiers and
    zaken the chat follows already (no button for those)."""
    out = []
    question = alert.kind == OVERDUE or (alert.soort or "").strip().lower() in QUESTION_SOORTEN
    zaak = next((z for z in alert.zaken if z), "")
    dossier = next((d for d in alert.dossiers if d), "")
    if question and zaak and zaak not in followed:
        out.append(Button("Volg deze vraag", FOLLOW, zaak))
    elif dossier and dossier not in followed:
        out.append(Button(f"Volg dossier {dossier}", FOLLOW, dossier))
    elif zaak and zaak not in followed and alert.kind not in (AGENDA,):
        out.append(Button(f"Volg zaak {zaak}", FOLLOW, zaak))
    if alert.document and alert.kind not in (VOTE, AGENDA, TOEZEGGING, DEBATE):
        out.append(Button("Niet meer over dit document", MUTE, alert.document))
    if alert.kind == REVISED and not has_diff_attached and alert.new_hash:
        out.append(Button("Toon wijzigingen", DIFF, alert.document))
    return out


def named(number: str) -> str:
    """"zaak 2022Z11285" or "dossier 35207"."""
    return f"zaak {number}" if re.fullmatch(r"\d{4}Z\d{5}", number) else f"dossier {number}"


def done(button: Button, yaml_rule: bool = False) -> Button | None:
    """The row that replaces a tapped button: what now holds, and how to undo it (None: nothing to undo)."""
    if button.action == FOLLOW:
        what = named(button.argument)
        if yaml_rule:
            return Button(f"✓ U volgt {what} al (sources.yaml)", "noop", "")
        return Button(f"✓ U volgt {what} · ongedaan maken", "un" + FOLLOW, button.argument)
    if button.action == MUTE:
        return Button(f"✓ Geen meldingen meer over {button.argument} · ongedaan maken", "un" + MUTE, button.argument)
    return None


def undone(button: Button) -> Button:
    """The button back as it was, after an undo."""
    if button.action == "un" + FOLLOW:
        return Button(f"Volg {named(button.argument)}", FOLLOW, button.argument)
    return Button("Niet meer over dit document", MUTE, button.argument)
