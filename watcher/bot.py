"""The Telegram bot: subscribers manage their own watchlists (what admins hear: deliver/admins.py).

It runs in the same process as the poller (one process, one store), with python-telegram-bot's
Application polling for updates. Rules made in chat are stored in the state store and listed beside the
ones from sources.yaml; a YAML rule cannot be removed from chat, and the bot says so.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
import unicodedata
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Callable

from .alerts import buttons
from .deliver import quiet
from .watchlists import subscribers as subs
from .alerts.alert import headline, pack
from .config import RULE_WORD
from .settings import Config
from .watchlists.match import rule_problem
from .parliament import Parliament, dossier_key
from .deliver.ratelimit import RateLimiter
from .store import Store

log = logging.getLogger("watcher.bot")

HELP = """Ik meld nieuwe en gewijzigde stukken van de Tweede Kamer en officielebekendmakingen.nl.

/volg <woord> – volg een onderwerp (Xinjiang, Oeigoer*, "sociaal krediet", *surveillance*);
  met dagelijks of uurlijks erachter komt die regel in een dagelijks of uurlijks overzicht
/ontvolg <woord> – volg het niet meer
/lid <naam> – volg een Kamerlid (Van der Staaij)
/dossier <nummer> – volg een dossier of zaak (35207, 2022Z11285)
/partij <naam> – volg een partij (SGP, ChristenUnie)
/nooit <woord> – nooit iets met dit woord (Tibet)
/lijst – wat u volgt
/proef <woord> – wat die regel de afgelopen 30 dagen had gemeld
/recent – de laatste 10 meldingen aan dit gesprek
/stil 22:00-07:00 – stille uren: meldingen zonder geluid (met "bewaar": erna); /stil uit
/pauze, /hervat – meldingen even uit en weer aan
/stop – geen meldingen meer (uw lijst blijft bewaard; /start zet ze weer aan)
/uitleg – wat elke soort melding betekent, met voorbeelden
/privacy – wat over dit gesprek bewaard wordt, en hoe lang
/vergeet – wis alles over dit gesprek

Onder elke melding staan knoppen: volg het dossier of de vraag, of niets meer over dat stuk.
De Engelse namen werken ook: /watch, /unwatch, /member, /party, /exclude, /list, /preview, /explain, /pause,
/resume."""

# The Dutch command names, for the English ones the code knows (which work as well).
DUTCH = {"volg": "watch", "ontvolg": "unwatch", "lid": "member", "partij": "party", "nooit": "exclude",
         "lijst": "list", "proef": "preview", "pauze": "pause", "hervat": "resume", "uitleg": "explain"}
# What Telegram shows in its menu (setMyCommands): the Dutch names, in the order a new subscriber needs them.
MENU = [("volg", "volg een onderwerp"), ("lid", "volg een Kamerlid"), ("dossier", "volg een dossier of zaak"),
        ("partij", "volg een partij"), ("lijst", "wat u volgt"), ("ontvolg", "volg iets niet meer"),
        ("nooit", "nooit iets met dit woord"), ("proef", "wat een regel had gemeld"),
        ("recent", "de laatste meldingen"), ("stil", "stille uren"), ("pauze", "meldingen even uit"),
        ("hervat", "meldingen weer aan"), ("stop", "geen meldingen meer"), ("privacy", "wat er bewaard wordt"),
        ("vergeet", "wis alles over dit gesprek"), ("uitleg", "wat een melding betekent"),
        ("help", "wat deze bot kan")]

# The chat's id is what the operator needs to let it in (`telegram.allow` or a subscriber's `telegram:`).
REFUSAL = ("Deze bot is niet open voor dit gesprek. Vraag de beheerder om u toe te voegen, met dit nummer: "
           "{chat}")

COMMAND_RULE = {"watch": "keywords", "member": "members", "dossier": "dossiers", "party": "parties",
                "exclude": "exclude"}
FREQUENCY = {"instant": "instant", "direct": "instant", "hourly": "hourly", "uurlijks": "hourly",
             "daily": "daily", "dagelijks": "daily"}  # the last word of /watch Xinjiang daily
FREQUENCY_WORDS = {"instant": "direct", "hourly": "elk uur", "daily": "dagelijks"}
ARGUMENT_WORD = {"watch": "woord", "member": "naam", "dossier": "nummer", "party": "naam", "exclude": "woord"}
RECENT = 10  # alerts /recent lists
PREVIEW_DAYS = 30  # how far back /preview looks
PREVIEW_SHOWN = 10  # documents /preview lists; the rest are counted
STALE = "Deze knop werkt niet (meer): er is niets veranderd."
PRIVACY = """Wat deze bot over dit gesprek bewaart:
• het nummer van dit gesprek, en wat u volgt of uitsluit (/list), gepauzeerd of gestopt, stille stukken;
• de meldingen die naar dit gesprek gingen: {days} dagen, daarna worden ze gewist;
• bij elk stuk dat u werd gemeld, dat u het kreeg (zo hoort u van een antwoord op een vraag die u volgt).
Een gesprek dat de bot niet mag gebruiken, wordt één keer geweigerd en 24 uur onthouden, alleen in het geheugen.
/vergeet wist dit alles."""
RULE_KINDS = ("keywords", "members", "dossiers", "parties", "exclude")

# Per chat, so that no chat can grow the state, the matcher or a reply without bound.
MAX_RULES = 200
MAX_RULE_CHARS = 100
MAX_RULE_WORDS = 8
SHOWN_RULE_CHARS = 100  # of a rule echoed or listed (a YAML rule has no limit of its own)
MAX_LISTED = 150  # rules in /list before "… en N meer"
MAX_REPLY_PARTS = 3  # messages one reply may take; the rest is cut with "… en N meer"
WAITING_BATCHES = 20  # of up to 100 updates, read by one `run --once`; the rest waits for the next run
# Strangers are refused once, then ignored; remembered in memory for a day, and at most this many (the
# state keeps only the last few ids, for the operator: subscribers.note_refused).
MAX_STRANGERS = 1000
REFUSAL_MEMORY = 24 * 3600.0


class WatchBot:
    def __init__(self, config: Config, store: Store, token: str, rules_changed: Callable[[], None],
                 page_lock: asyncio.Lock | None = None, clock=time.monotonic, limiter: RateLimiter | None = None,
                 bot=None):
        """`page_lock`: the poller's (Engine.page_lock): a command's flush waits until no page is half applied.
        `limiter`: the alerts' (one bot, one set of Telegram's limits): replies take their turns there too.
        `bot`: the alerts' python-telegram-bot Bot, to share (a cron run asks Telegram who it is once); stop()
        shuts it down with the bot's own."""
        self.config, self.store, self.token = config, store, token
        self.rules_changed = rules_changed
        self.page_lock = page_lock or asyncio.Lock()
        self.limiter = limiter or RateLimiter(config.telegram.per_second, config.telegram.chat_interval,
                                              config.telegram.group_per_minute)
        self.app = None
        self._bot = bot
        self._clock = clock
        self._refused: OrderedDict[int, float] = OrderedDict()  # stranger's chat id -> when refused

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Listen for commands and taps until stop() (`watcher run`)."""
        await self._open()
        await self.app.updater.start_polling(poll_interval=0.5, timeout=10, error_callback=_polling_failed)
        log.info("bot @%s is listening for commands", self.app.bot.username)

    async def answer_waiting(self) -> int:
        """What the chats said since the last run, answered and acted on once (`watcher run --once`: under cron
        no bot listens, and Telegram keeps a chat's commands and taps for 24 hours). Returns how many.

        Each batch is confirmed by asking for the next one past it (Telegram's offset): a run cut short
        answers its last batch again at the next run, which the commands and taps bear (they say what
        already holds); none is lost."""
        from telegram import Update
        from telegram.error import InvalidToken

        from .deliver.notify import TokenRefused
        if self._bot is None:
            await self._open()
        bot = self.app.bot if self.app is not None else self._bot
        try:
            await bot.initialize()  # getMe, unless the alerts' Bot asked already
        except InvalidToken:
            raise TokenRefused() from None  # its words quote the token
        offset, taken = None, 0
        for _ in range(WAITING_BATCHES):
            updates = await bot.get_updates(offset=offset, timeout=0, allowed_updates=Update.ALL_TYPES)
            if not updates:
                break
            if self.app is None:
                await self._open()  # the handlers, the menu: only for a run that has something to answer
            for update in updates:
                await self.app.process_update(update)
            taken += len(updates)
            offset = updates[-1].update_id + 1
        else:
            await bot.get_updates(offset=offset, timeout=0, limit=1)  # the last batch confirmed
        if taken:
            log.info("answered %d update%s the chats sent since the last run", taken, "" if taken == 1 else "s")
        return taken

    async def _open(self) -> None:
        from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

        builder = Application.builder()
        self.app = (builder.bot(self._bot) if self._bot is not None else
                    builder.token(self.token).base_url(f"{self.config.telegram.api_url}/bot")).build()
        self.app.add_handler(MessageHandler(filters.TEXT, self._on_message))
        self.app.add_handler(CallbackQueryHandler(self._on_tap))
        async with self.page_lock:
            subs.index_homes(self.store)
            self.store.flush()
        from telegram.error import InvalidToken, TelegramError

        from .deliver.notify import TokenRefused
        try:
            await self.app.initialize()  # getMe
        except InvalidToken:
            raise TokenRefused() from None  # its words quote the token
        await self.app.start()
        try:
            await self.app.bot.set_my_commands(MENU)  # Telegram's menu beside the text box
        except TelegramError as e:  # a nicety: the commands work without it
            log.warning("could not set the bot's menu (%s)", e)

    async def stop(self) -> None:
        """Whatever of start() was done, undone (a refused token stops it halfway)."""
        if self.app is not None:
            if self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
            self.app = None

    # ------------------------------------------------------------------ access
    def _home(self, chat_id: int) -> int:
        """The chat id a state is kept under (a group that moved keeps its old id's state)."""
        return subs.home(self.store, chat_id)

    def allowed(self, chat_id: int) -> bool:
        allow = self.config.telegram.allow
        known = {s.telegram for s in self.config.subscribers} | set(self.config.telegram.admins)
        return allow == "open" or chat_id in allow or chat_id in known

    def _yaml_subscriber(self, chat_id: int):
        return next((s for s in self.config.subscribers if s.telegram == chat_id), None)

    # ------------------------------------------------------------------ commands
    async def _on_message(self, update, context) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        async with self.page_lock:
            chat_id = self._home(update.effective_chat.id)
            reply = self.answer(chat_id, message.text)
        keys = []
        if isinstance(reply, tuple):  # a reply with buttons (/vergeet asks to confirm)
            reply, keys = reply
        parts = reply_parts(reply or "")
        for number, part in enumerate(parts, 1):
            async with self.limiter.slot(message.chat_id):
                await message.reply_text(part, parse_mode="HTML", disable_web_page_preview=True,
                                         reply_markup=_markup(keys) if number == len(parts) and keys else None)

    async def _on_tap(self, update, context) -> None:
        """A button under an alert: it takes effect (stored) before it is acknowledged."""
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        async with self.page_lock:
            chat_id = self._home(update.effective_chat.id)
            answer, keys, attachment = self.tap(chat_id, query.data or "")
        from telegram.error import BadRequest
        try:
            await query.answer(answer)  # not a message: outside the limits
        except BadRequest:
            # Telegram takes an answer for a few seconds only: a tap read by a later cron run is told in the chat.
            if answer:
                async with self.limiter.slot(update.effective_chat.id):
                    await context.bot.send_message(chat_id=update.effective_chat.id, text=answer)
        if keys is not None:
            async with self.limiter.slot(update.effective_chat.id):
                await query.edit_message_reply_markup(reply_markup=_markup(keys))
        if attachment is not None:
            from telegram import InputFile
            filename, data, caption = attachment
            async with self.limiter.slot(update.effective_chat.id):
                await context.bot.send_document(chat_id=update.effective_chat.id, caption=caption,
                                                document=InputFile(data, filename=filename))

    def tap(self, chat_id: int, text: str):
        """What a tap with callback data `text` from `chat_id` does: (the answer shown, the new button
        rows as (label, data) or None to leave them, an attachment or None). Changes nothing unless the
        data is genuine for this chat now."""
        if not self.allowed(chat_id):
            return REFUSAL.format(chat=chat_id), None, None
        state = subs.state(self.store, chat_id)
        secret = buttons.secret(self.store)
        epoch = state.get("epoch", buttons.FIRST_EPOCH)
        button = buttons.read(secret, chat_id, epoch, text)
        if button is None:
            return STALE, None, None

        def row(b):
            return [(b.label, buttons.data(secret, chat_id, epoch, b) or "noop")]

        argument = button.argument
        if button.action == buttons.FOLLOW:
            if argument in self._yaml_rules(chat_id, "dossiers"):
                return f"U volgt {buttons.named(argument)} al (sources.yaml).", row(buttons.done(button, True)), None
            rules = list(state.get("dossiers", []))
            if argument not in rules:
                if sum(len(state.get(k, [])) for k in RULE_KINDS) >= MAX_RULES:
                    return f"U volgt al {MAX_RULES} regels, het maximum.", None, None
                self._save(chat_id, {**state, "started": True, "dossiers": rules + [argument]})
            return f"U volgt nu {buttons.named(argument)}.", row(buttons.done(button)), None
        if button.action == "un" + buttons.FOLLOW:
            rules = [r for r in state.get("dossiers", []) if r != argument]
            if argument in self._yaml_rules(chat_id, "dossiers") and argument not in state.get("dossiers", []):
                return "Die regel staat in sources.yaml en kan alleen daar weg: vraag het de beheerder.", None, None
            self._save(chat_id, {**state, "dossiers": rules})
            return f"U volgt {buttons.named(argument)} niet meer.", row(buttons.undone(button)), None
        if button.action == buttons.MUTE:
            muted = list(state.get("muted", []))
            if argument not in muted:
                self._save(chat_id, {**state, "muted": (muted + [argument])[-MAX_RULES:]})
            return f"U krijgt geen meldingen meer over {argument}.", row(buttons.done(button)), None
        if button.action == "un" + buttons.MUTE:
            self._save(chat_id, {**state, "muted": [m for m in state.get("muted", []) if m != argument]})
            return f"U krijgt weer meldingen over {argument}.", row(buttons.undone(button)), None
        if button.action == buttons.DIFF:
            from .deliver.deliver import revision_page
            page = revision_page(self.store, argument)
            return ("De wijzigingen komen eraan." if page else "Er zijn geen wijzigingen van dit stuk bewaard."), None, page
        if button.action == "noop":
            return "Die regel staat in sources.yaml en blijft.", None, None
        if button.action == buttons.FORGET:
            self.forget(chat_id)
            return "Alles over dit gesprek is gewist.", [], None
        return STALE, None, None

    def forget(self, chat_id: int) -> None:
        """/vergeet, confirmed: rules, alert history and refusal memory of this chat go. What stays is a new
        epoch, so that its old buttons change nothing."""
        name = self._subscriber_name(chat_id)
        self.store.forget_alerts(name)
        for doc in self.store.all_documents():
            if name in doc.alerted:
                doc.alerted = [n for n in doc.alerted if n != name]
                self.store.put_document(doc)
        self._refused.pop(chat_id, None)
        self._save(chat_id, {"epoch": buttons.new_epoch()})

    def _subscriber_name(self, chat_id: int) -> str:
        yaml = self._yaml_subscriber(chat_id)
        return yaml.name if yaml else subs.chat_name(chat_id)

    def answer(self, chat_id: int, text: str) -> str | None:
        """What the bot says to `text` from `chat_id`, after updating the chat's state. None: silence."""
        if not self.allowed(chat_id):
            return self._refuse(chat_id)
        state = subs.state(self.store, chat_id)
        word, _, argument = text.strip().partition(" ")
        said = word.lstrip("/").split("@")[0].lower() if word.startswith("/") else ""  # as typed, for "Gebruik:"
        command = DUTCH.get(said, said)
        argument = clean(argument)
        if command in ("start", "help", ""):
            if command == "start":
                if state:  # a chat with no state has nothing to turn back on: a stranger's /start stores nothing
                    self._save(chat_id, {**state, "started": True, "stopped": False, "blocked": False,
                                         "paused": False})
                return "Welkom.\n\n" + html.escape(HELP, quote=False)
            return html.escape(HELP, quote=False)
        if command in COMMAND_RULE:
            kind = COMMAND_RULE[command]
            *words, last = argument.split(" ") if argument else [""]
            every = FREQUENCY.get(last.lower()) if words and kind != "exclude" else None
            if every is not None:
                argument = " ".join(words)  # "/watch Xinjiang daily": the rule, with its own frequency
            if kind == "dossiers":
                argument = dossier_key(argument)  # "35 207" as the Kamer prints it is the rule 35207
            if not argument:
                return f"Gebruik: /{said} &lt;{ARGUMENT_WORD[command]}&gt;"
            problem = size_problem(argument) or rule_problem(kind, argument, dutch=True)
            parliament = Parliament.from_store(self.store, people=kind == "members")
            problem = problem or parliament.problem(kind, argument, dutch=True)
            if problem:
                return f"Dat gaat niet: {html.escape(problem, quote=False)}"
            # Before the first run there is no list of the Kamer's parties and members to check a name against.
            unchecked = "" if parliament.checks(kind) else (
                "\n(Nog niet nagekeken: watcher leest de namen van de Kamer bij de eerste ronde.)")
            rules = list(state.get(kind, []))
            reason = f"{RULE_WORD[kind]} {argument}" if kind in RULE_WORD else ""
            if every is not None and argument in rules:
                self._save(chat_id, {**state, "digests": {**state.get("digests", {}), reason: every}})
                return f"<b>{shown(argument)}</b>: voortaan {FREQUENCY_WORDS[every]}."
            if argument in rules or argument in self._yaml_rules(chat_id, kind):
                return f"U volgt <b>{shown(argument)}</b> al."
            if sum(len(state.get(k, [])) for k in RULE_KINDS) >= MAX_RULES:
                return (f"U volgt al {MAX_RULES} regels, het maximum voor één gesprek: haal er eerst een weg "
                        "met /ontvolg.")
            digests = dict(state.get("digests", {}))
            if every is not None:
                digests[reason] = every
            self._save(chat_id, {**state, "started": True, kind: rules + [argument], "digests": digests})
            if every is not None:
                return f"U volgt nu <b>{shown(argument)}</b>, {FREQUENCY_WORDS[every]}.{unchecked}"
            if kind == "exclude":
                return f"U krijgt niets meer waarin <b>{shown(argument)}</b> staat."
            return f"U volgt nu <b>{shown(argument)}</b>.{unchecked}"
        if command == "unwatch":
            for kind in RULE_KINDS:
                rules = list(state.get(kind, []))
                if kind == "dossiers" and dossier_key(argument) in rules:
                    argument = dossier_key(argument)
                if argument in rules:
                    rules.remove(argument)
                    self._save(chat_id, {**state, kind: rules})
                    return f"U volgt <b>{shown(argument)}</b> niet meer."
            if any(argument in self._yaml_rules(chat_id, k) for k in RULE_KINDS):
                return ("Die regel staat in sources.yaml en kan alleen daar weg: vraag het de beheerder.")
            return f"<b>{shown(argument)}</b> staat niet in uw lijst."
        if command == "list":
            return self._list(chat_id, state)
        if command == "recent":
            return self._recent(chat_id)
        if command == "stil":
            if argument.lower() == "uit":
                self._save(chat_id, {**state, "quiet": ""})
                return "Geen stille uren meer: meldingen komen weer met geluid."
            try:
                window = quiet.parse(argument)
            except ValueError as e:
                return f"Gebruik: /stil 22:00-07:00 (of /stil 22:00-07:00 bewaar, of /stil uit): {html.escape(str(e), quote=False)}"
            self._save(chat_id, {**state, "started": True, "quiet": str(window)})
            how = ("bewaard tot het einde ervan" if window.hold else "zonder geluid verstuurd")
            return f"Stille uren {window.start:%H:%M}–{window.end:%H:%M} (Nederlandse tijd): meldingen worden dan {how}."
        if command == "preview":
            if not argument:
                return f"Gebruik: /{said} &lt;woord&gt; – wat die regel de afgelopen 30 dagen had gemeld"
            problem = size_problem(argument) or rule_problem("keywords", argument, dutch=True)
            if problem:
                return f"Dat gaat niet: {html.escape(problem, quote=False)}"
            return self._preview(argument)
        if command == "explain":
            from .alerts.explain import telegram_lines
            return "\n".join(telegram_lines())
        if command == "privacy":
            from .store._local import OUTBOX_KEEP
            return html.escape(PRIVACY.format(days=OUTBOX_KEEP.days), quote=False)
        if command == "vergeet":
            confirm = buttons.Button("Ja, wis alles over dit gesprek", buttons.FORGET, "")
            epoch = state.get("epoch", buttons.FIRST_EPOCH)
            return ("Weet u het zeker? Uw regels, de meldingen aan dit gesprek en wat de bot verder over dit "
                    "gesprek weet, worden gewist.",
                    [(confirm.label, buttons.data(buttons.secret(self.store), chat_id, epoch, confirm))])
        if command in ("pause", "resume", "stop"):
            value = {"pause": {"paused": True}, "resume": {"paused": False, "stopped": False},
                     "stop": {"stopped": True}}[command]
            self._save(chat_id, {**state, **value})
            return {"pause": "Gepauzeerd: tot /resume krijgt u geen meldingen (wat intussen gebeurt, mist u).",
                    "resume": "U krijgt weer meldingen.",
                    "stop": "Gestopt. Uw lijst blijft bewaard; /start zet de meldingen weer aan."}[command]
        return "Dat commando ken ik niet. /help zegt wat kan."

    def _yaml_rules(self, chat_id: int, kind: str) -> tuple:
        subscriber = self._yaml_subscriber(chat_id)
        return getattr(subscriber, kind) if subscriber else ()

    def _list(self, chat_id: int, state: dict) -> str:
        """One rule a line under its kind; past MAX_LISTED rules, how many more."""
        names = {"keywords": "Onderwerpen", "members": "Kamerleden", "dossiers": "Dossiers",
                 "parties": "Partijen", "exclude": "Uitgezonderd"}
        lines, listed, hidden = [], 0, 0
        yaml = self._yaml_subscriber(chat_id)
        default = yaml.digest if yaml else "instant"
        own = {**dict(yaml.rule_digests if yaml else ()), **state.get("digests", {})}

        def often(rule: str, kind: str) -> str:  # each rule with its own frequency
            every = own.get(f"{RULE_WORD.get(kind, '')} {rule}", default)
            return f" ({FREQUENCY_WORDS[every]})" if kind != "exclude" else ""

        for kind, title in names.items():
            rules = [f"{shown(r)}{often(r, kind)} <i>(sources.yaml)</i>" for r in self._yaml_rules(chat_id, kind)]
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

    def _preview(self, rule: str) -> str:
        """What a keyword would have sent in the last PREVIEW_DAYS days, from the store: numbered, capped."""
        from datetime import datetime, timedelta, timezone

        from .alerts.alert import dutch_date
        from .settings import Subscriber
        from .commands.preview import matches

        cutoff = datetime.now(timezone.utc) - timedelta(days=PREVIEW_DAYS)
        _, found = matches(self.store, [Subscriber(name="preview", keywords=(rule,))], cutoff)
        hits = sorted(found["preview"], key=lambda f: f.datum, reverse=True)
        if not hits:
            return f"<b>{shown(rule)}</b> had de afgelopen {PREVIEW_DAYS} dagen niets gemeld."
        lines = [f"<b>{shown(rule)}</b> had de afgelopen {PREVIEW_DAYS} dagen {len(hits)} "
                 f"stuk{'ken' if len(hits) != 1 else ''} gemeld:"]
        lines += [f"{n}. {html.escape(f.key, quote=False)} · {dutch_date(f.datum)} · {html.escape(f.soort, quote=False)}: "
                  f"{shown(f.title)}" for n, f in enumerate(hits[:PREVIEW_SHOWN], 1)]
        if len(hits) > PREVIEW_SHOWN:
            lines.append(f"… en {len(hits) - PREVIEW_SHOWN} meer")
        lines.append(f"Volgen: /volg {shown(rule)}")
        return "\n".join(lines)

    def _recent(self, chat_id: int) -> str:
        sent = self.store.recent_sent(self._subscriber_name(chat_id), RECENT)
        if not sent:
            return "Dit gesprek kreeg nog geen meldingen (of ze zijn al gewist)."
        lines = [f"<b>De laatste {len(sent)} meldingen</b>"]
        for number, alert in enumerate(sent, 1):
            link = next(iter(alert.links.values()), "")
            title = shown(alert.title or alert.document)
            title = f'<a href="{html.escape(link, quote=True)}">{title}</a>' if link else title
            lines.append(f"{number}. <b>{html.escape(headline(alert), quote=False)}</b>: "
                         f"{html.escape(alert.document, quote=False)} — {title}")
        return "\n".join(lines)

    def _refuse(self, chat_id: int) -> str | None:
        now = self._clock()
        while self._refused and now - next(iter(self._refused.values())) > REFUSAL_MEMORY:
            self._refused.popitem(last=False)  # oldest first: they expire in the order they came
        if chat_id in self._refused:
            return None  # one polite refusal, and nothing else
        if len(self._refused) >= MAX_STRANGERS:
            self._refused.popitem(last=False)
        self._refused[chat_id] = now
        log.info("refused chat %s: not in telegram.allow nor a subscriber's telegram: (add it there to let it in)",
                 chat_id)
        subs.note_refused(self.store, chat_id, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        return REFUSAL.format(chat=chat_id)

    def _save(self, chat_id: int, value: dict) -> None:
        moved = subs.save(self.store, chat_id, value)
        self.store.flush()  # a command is answered only once what it changed is on disk
        if moved:
            self.rules_changed()


def _polling_failed(error) -> None:
    """A getUpdates that failed (a 502 page from a proxy, a timeout): one line, not python-telegram-bot's
    traceback of the HTML it could not read. It tries again by itself."""
    said = " ".join(str(error).split())
    log.warning("could not get the bot's updates from Telegram (%s: %s); trying again", type(error).__name__,
                said if len(said) <= 200 else said[:200] + "…")


def _markup(keys: list[tuple[str, str]]):
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in keys])


def clean(argument: str) -> str:
    """A command's argument without control, format (zero-width, bidi override) or other invisible
    characters, which would make a rule look like another or reorder a reply; spaces collapsed."""
    kept = "".join(" " if ch.isspace() else ch for ch in argument
                   if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


def size_problem(rule: str) -> str | None:
    if len(rule) > MAX_RULE_CHARS:
        return f"een regel mag hoogstens {MAX_RULE_CHARS} tekens lang zijn (deze heeft er {len(rule)})"
    if len(rule.split()) > MAX_RULE_WORDS:
        return f"een regel mag hoogstens {MAX_RULE_WORDS} woorden hebben"
    return None


def shown(rule: str) -> str:
    """A rule as echoed in a reply: escaped, and cut (a YAML rule has no length limit)."""
    if len(rule) > SHOWN_RULE_CHARS:
        rule = rule[:SHOWN_RULE_CHARS] + "…"
    return html.escape(rule, quote=False)


def reply_parts(reply: str) -> list[str]:
    """A reply as Telegram messages: split between lines into numbered parts, at most MAX_REPLY_PARTS;
    what does not fit is cut with how many lines were left out."""
    parts = pack(reply.split("\n"))
    lines, kept = reply.split("\n"), reply.count("\n") + 1
    while len(parts) > MAX_REPLY_PARTS and kept > 0:
        kept -= max(1, kept // 10)
        parts = pack(lines[:kept] + [f"… en {len(lines) - kept} regels meer"])
    return parts
