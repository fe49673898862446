"""Polling what happens around documents (a source's streams: votes, agenda), and alerting it.

Each stream has its own cursor in the store (`<source>/<stream>`), is read in the same cycle as the
documents of its source and under the same page transaction: the rows of a page, the states they fold
into, the alerts those states owe and the cursor commit together, so crash safety, rate limits and
digests are those of documents. Deciding what is news is `news/votes.py`'s and `news/agenda.py`'s; this module
reads, matches and queues: `Streams` runs a stream, a `VoteNews` or `AgendaNews` folds its rows and says
who hears what.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from ..alerts import alert as alerts
from ..watchlists import subscribers as subs
from ..news import agenda, debates, toezeggingen, votes
from ..settings import BACKLOG_MARGIN
from ..watchlists import audience
from ..watchlists.match import Hit
from . import cursors
from .outbox import Outbox
from .rules import LiveRules
from ..model import AGENDA, DEBATE, TOEZEGGING, VOTE, Actor, Meta, Subject
from ..sources._base import Source, Stream

log = logging.getLogger("watcher.streams")


def cursor_name(source: Source, stream: Stream) -> str:
    return f"{source.name}/{stream.name}"


class Streams:
    def __init__(self, store, rules: LiveRules, clock, applying):
        self.store = store
        self.rules = rules
        self.applying = applying  # the engine's page transaction
        self.news = {name: news(store, rules, clock) for name, news in NEWS.items()}

    async def poll(self, source: Source, report, started: datetime) -> None:
        """Read the source's streams side by side (a slow upstream's latency is paid once, not per stream);
        their pages are applied one at a time, under the page lock."""
        try:
            async with asyncio.TaskGroup() as group:
                for stream in source.streams():
                    group.create_task(self._poll(source, stream, report, started))
        except ExceptionGroup as e:
            raise e.exceptions[0] from None

    async def _poll(self, source: Source, stream: Stream, report, started: datetime) -> None:
        name = cursor_name(source, stream)
        cursor = await cursors.opened(self.store, name, source.config, stream, started)
        if cursor.first:
            self.store.set_cursor(name, cursor.stored())
        news = self.news[stream.name]
        async for page in stream.poll(cursor.stored()):
            async with self.applying():
                touched = news.fold(page)
                report.records += len(page.rows)
                # The vote of a page's last row may go on in the next page: told when it is whole.
                hold = {news.key_of(page.entity, page.rows[-1])} if page.rows else set()
                pending = list(dict.fromkeys(cursor.pending + touched))
                if pending:
                    await self.rules.ready()
                report.alerts += news.tell([k for k in pending if k not in hold], cursor.quiet)
                cursor.pending = [k for k in pending if k in hold]
                self.store.set_cursor(name, cursor.stored(page.cursor))
        async with self.applying():
            report.alerts += news.tell(cursor.pending, cursor.quiet)
            # All read: nothing held back, and from here on what changes is news.
            cursor.pending, cursor.quiet = [], False
            self.store.set_cursor(name, cursor.stored(self.store.cursor(name) or cursor.position))


class _News:
    def __init__(self, store, rules: LiveRules, clock):
        self.store = store
        self.rules = rules
        self.outbox = Outbox(store, rules)
        self.clock = clock

    @staticmethod
    def key_of(entity: str, row: dict) -> str:
        return row["key"]

    def on_clock(self) -> int:
        """What the clock raises of this stream once a day (clock.py): nothing for most."""
        return 0

    def _followers(self, zaken: list[dict], text: str, meta: Meta) -> tuple[list[Hit], list]:
        """Who hears of what happened to these zaken (watchlists.audience), with their documents."""
        docs = [d for z in zaken if (k := self.store.find_alias(f"zaak:{z['nummer']}"))
                and (d := self.store.document(k)) is not None and not d.deleted]
        for doc in docs:
            if not text and doc.current and (stored := self.store.text(doc.current.hash)) is not None:
                text = stored.text
        what = (zaken[0]["soort"] or "zaak").lower() if zaken else "zaak"
        return audience.of_matter(self.rules.matcher.match(text, meta), docs, what, self.rules.muted), docs


class VoteNews(_News):
    def fold(self, page) -> list[str]:
        """Each vote as the source assembled it, with what was told of it kept."""
        touched = []
        for row in page.rows:
            key, assembled = row["key"], row["state"]
            state = self.store.event_state(votes.KIND, key)
            if state is None and not votes.is_vote(assembled.get("soort", "")):
                continue  # a procedural decision: not a vote
            new = {**(state or {}), **assembled, "told": (state or {}).get("told", {}),
                   "positions": votes.positions(state, assembled)}
            new.pop("withdrawn", None)
            if state is None and votes.from_before(assembled, self.clock() - BACKLOG_MARGIN):
                new = votes.settle(new)  # a vote from long ago re-sent (a data fix): known, not news
            if new != state:
                self.store.set_event_state(votes.KIND, key, new)
                touched.append(key)
        return touched

    def tell(self, keys: list[str], quiet: bool) -> int:
        added = 0
        for key in keys:
            state = self.store.event_state(votes.KIND, key)
            if state is None:
                continue
            state, event = votes.decide(state)
            self.store.set_event_state(votes.KIND, key, state)
            if event is None or quiet:
                continue
            added += self._send_vote(key, state, event)
        return added

    def _send_vote(self, key: str, state: dict, event: votes.Event) -> int:
        zaken = state.get("zaken") or []
        if not zaken:
            return 0  # a vote on nothing we can name
        first = zaken[0]
        actors = [a for z in zaken for a in z.get("actors", [])]
        meta = Meta(soort=first["soort"], onderwerp=first["onderwerp"],
                    zaken=[{"nummer": z["nummer"], "soort": z["soort"]} for z in zaken],
                    dossiers=sorted({d for z in zaken for d in z.get("dossiers", [])}),
                    actors=[Actor(name=a["name"], role=a["role"], party=a["party"], on="zaak",
                                  afkorting=a.get("afkorting", "")) for a in actors])
        hits, docs = self._followers(zaken, "", meta)  # who heard of the motie follows it to its vote
        doc = docs[0] if docs else None
        subject = Subject(document=doc.key if doc else first["nummer"], title=first["onderwerp"],
                          soort=doc.meta.soort if doc else first["soort"], actors=actors,
                          zaken=[z["nummer"] for z in zaken], dossiers=meta.dossiers,
                          links=doc.meta.links if doc else {}, source=doc.source if doc else "")
        people = {s.name: s for s in subs.effective(self.rules.config, self.store)}
        tally = votes.tally(state)
        added = 0
        for hit in hits:
            s = people.get(hit.subscriber)
            own = votes.own_votes(tally, s.parties, s.members, actors, self.rules.matcher.party_key) if s else []
            alert = alerts.around_alert(f"vote:{key}|{event.number}", hit.subscriber, VOTE, event.headline,
                                        subject, hit.reasons, own + event.lines)
            if self.outbox.enqueue(alert):
                added += 1
                log.info("vote %s on %s: %s for %s", key, subject.zaken, event.headline, hit.subscriber)
        return added


class AgendaNews(_News):
    def fold(self, page) -> list[str]:
        """Each meeting as the source assembled it, with what was told of it kept."""
        touched = []
        for row in page.rows:
            key, assembled = row["key"], row["state"]
            state = self.store.event_state(agenda.KIND, key)
            new = {**(state or {}), **assembled, "told": (state or {}).get("told", {})}
            if new != state:
                self.store.set_event_state(agenda.KIND, key, new)
                # A move is told with the old Activiteit: the new one's arrival may complete it.
                touched += [key] + [k for k in new.get("vervangt", []) if self.store.event_state(agenda.KIND, k)]
        return list(dict.fromkeys(touched))

    def tell(self, keys: list[str], quiet: bool) -> int:
        added, today = 0, agenda.kamer_day(self.clock())
        for key in keys:
            state = self.store.event_state(agenda.KIND, key)
            if state is None:
                continue
            replacement = next((r for k in state.get("vervangen_door", [])
                                if (r := self.store.event_state(agenda.KIND, k)) is not None), None)
            state, event = agenda.decide(state, replacement, today)
            self.store.set_event_state(agenda.KIND, key, state)
            if event is None or quiet:
                continue
            added += self._send(key, event.shown, state, event)
        return added

    def on_clock(self) -> int:
        return self.reminders()

    def reminders(self) -> int:
        """The day before a followed debate: told once to its followers who asked for a reminder
        (`agenda: reminder`), by the first cycle of that day (also one that polls nothing new)."""
        today = agenda.kamer_day(self.clock())
        wanted = {s.name for s in subs.effective(self.rules.config, self.store) if s.agenda == "reminder"}
        added = 0
        for key, state in self.store.event_states(agenda.KIND).items() if wanted else ():
            headline = agenda.reminder(state, today)
            if not headline:
                continue
            state["told"]["reminded"] = True
            self.store.set_event_state(agenda.KIND, key, state)
            added += self._send(key, state, state, agenda.Event(0, headline, agenda.lines(state), state), only=wanted,
                                ident="reminder")
        return added

    def _send(self, key: str, shown: dict, state: dict, event, only: set | None = None, ident: str = "") -> int:
        zaken = shown.get("zaken") or state.get("zaken") or []
        committee = [Actor(name=state["commissie"], role="Voortouwcommissie",
                           afkorting=state.get("commissie_afkorting") or "")] if state.get("commissie") else []
        if not zaken and not committee:
            return 0  # a meeting about no zaak, led by no committee: nothing anyone follows
        dossiers = sorted({d for z in zaken for d in z.get("dossiers", [])})
        meta = Meta(soort=state.get("soort", ""), onderwerp=state.get("onderwerp", ""),
                    zaken=[{"nummer": z["nummer"], "soort": z["soort"]} for z in zaken], dossiers=dossiers,
                    actors=committee)
        text = "\n".join(z["onderwerp"] for z in zaken)
        hits, _ = self._followers(zaken, text, meta)
        if only is not None:
            hits = [h for h in hits if h.subscriber in only]
        live = agenda.link(shown)
        subject = Subject(document=shown.get("nummer", ""), title=state.get("onderwerp", ""),
                          soort=state.get("soort", ""), zaken=[z["nummer"] for z in zaken], dossiers=dossiers,
                          links={"tweedekamer.nl (ook live)": live} if live else {})
        added = 0
        heard = list(state.get("heard", []))
        for hit in hits:
            alert = alerts.around_alert(f"agenda:{key}|{ident or event.number}", hit.subscriber, AGENDA, event.headline,
                                        subject, hit.reasons, event.lines)
            if self.outbox.enqueue(alert):
                added += 1
                log.info("agenda %s: %s for %s", state.get("nummer"), event.headline, hit.subscriber)
            if hit.subscriber not in heard:
                heard.append(hit.subscriber)
        if heard != state.get("heard", []):  # whose calendar holds it (alerts/calendar.py)
            state["heard"] = heard
            self.store.set_event_state(agenda.KIND, key, state)
        return added


class PromiseNews(_News):
    """Toezeggingen: a new one to whom it concerns; its status and its date passing to who heard of it."""

    def fold(self, page) -> list[str]:
        touched = []
        for row in page.rows:
            key, assembled = row["key"], row["state"]
            state = self.store.event_state(toezeggingen.KIND, key)
            new = {**(state or {}), **assembled, "told": (state or {}).get("told", {}),
                   "heard": (state or {}).get("heard", [])}
            if new != state:  # re-stamped without change: the same state, nothing to tell
                self.store.set_event_state(toezeggingen.KIND, key, new)
                touched.append(key)
        return touched

    def tell(self, keys: list[str], quiet: bool) -> int:
        added, today = 0, agenda.kamer_day(self.clock())
        for key in keys:
            state = self.store.event_state(toezeggingen.KIND, key)
            if state is None:
                continue
            # First seen now but made long ago: the register's past changing (a status, a date), not a new promise.
            old = not state.get("told") and toezeggingen.made_before(state, today - BACKLOG_MARGIN)
            state, event = toezeggingen.decide(state, today, old=old)
            if event is not None and not quiet:
                added += self._send(key, state, event)
            self.store.set_event_state(toezeggingen.KIND, key, state)
        return added

    def on_clock(self) -> int:
        """Open toezeggingen whose date the clock passed today: told once."""
        today = agenda.kamer_day(self.clock())
        late = [k for k, s in self.store.event_states(toezeggingen.KIND).items()
                if toezeggingen.is_open(s) and not s.get("told", {}).get("overdue")
                and (when := toezeggingen.due(s)) is not None and when < today]
        return self.tell(late, quiet=False)

    def _send(self, key: str, state: dict, event) -> int:
        """Whom its words, its member, party or ministry concern, and who heard of it before; `state` notes who
        was told."""
        # The member or the fractie it was made to counts as a document's indiener does (watchlists/match.py).
        made_to = [Actor(name=state.get("aan", ""), role="Toegezegd aan", party=state.get("fractie", ""))] \
            if state.get("aan") or state.get("fractie") else []
        # Who made it counts for a ministry rule: the bewindspersoon and the ministry; the committee that led the
        # debate it was made in, for a committee rule.
        made_by = [Actor(name=n, role=r) for n, r in ((state.get("bewindspersoon"), "Toegezegd door"),
                                                     (state.get("ministerie"), "Ministerie")) if n]
        debate = state.get("debat") or {}
        led_by = [Actor(name=debate["commissie"], role="Voortouwcommissie", afkorting=debate.get("commissie_afkorting")
                        or "")] if debate.get("commissie") else []
        meta = Meta(soort="Toezegging", onderwerp=state.get("tekst", ""), actors=made_to + made_by + led_by,
                    dossiers=list(state.get("dossiers", [])))
        hits = self.rules.matcher.match(state.get("tekst", ""), meta)
        heard = list(state.get("heard", []))
        named = {h.subscriber for h in hits}
        hits += [Hit(n, reasons=["u kreeg een melding over deze toezegging"]) for n in heard if n not in named]
        subject = Subject(document=state.get("nummer") or key, title=_promise_title(state), soort="Toezegging",
                          datum=state.get("gemaakt") or (state.get("debat") or {}).get("datum", ""),
                          dossiers=list(state.get("dossiers", [])))
        added = 0
        for hit in hits:
            alert = alerts.around_alert(f"toezegging:{key}|{event.number}", hit.subscriber, TOEZEGGING,
                                        event.headline, subject, hit.reasons, event.lines)
            if self.outbox.enqueue(alert):
                added += 1
                log.info("toezegging %s: %s for %s", subject.document, event.headline, hit.subscriber)
            if hit.subscriber not in heard:
                heard.append(hit.subscriber)
        state["heard"] = heard
        return added


def _promise_title(state: dict) -> str:
    """What the promise is about, in a line: its text's first words."""
    words = " ".join((state.get("tekst") or "").split())
    return words if len(words) <= 100 else words[:100].rsplit(" ", 1)[0] + "…"


class DebateNews(_News):
    """Who spoke in a debate, from the Kamer's verslag: told once per debate to whom it concerns (a member who
    spoke, their party, a word said, a dossier of the debate); a correction of their words once more at most."""

    def fold(self, page) -> list[str]:
        touched = []
        for row in page.rows:
            key = row["key"]
            state = self.store.event_state(debates.KIND, key)
            new = {**(state or {}), "now": row["state"], "told": (state or {}).get("told", {}),
                   "heard": (state or {}).get("heard", {})}
            if new != state:
                self.store.set_event_state(debates.KIND, key, new)
                touched.append(key)
        return touched

    def tell(self, keys: list[str], quiet: bool) -> int:
        added = 0
        for key in keys:
            state = self.store.event_state(debates.KIND, key)
            if state is None or (state.get("now") or {}).get("removed"):
                continue
            # A sitting first seen that was held long ago is upstream re-sending old verslagen (a data fix):
            # known, not news.
            old = not state.get("told") and debates.held_before(state["now"], self.clock() - BACKLOG_MARGIN)
            told, events = debates.decide(state.get("told"), state["now"])
            state["told"] = told
            if events and not quiet and not old:
                added += self._send(key, state, events)
            self.store.set_event_state(debates.KIND, key, state)
        return added

    def _send(self, key: str, state: dict, events: list) -> int:
        now, heard, added = state["now"], state.setdefault("heard", {}), 0
        sitting = now.get("vergadering") or {}
        for debate_id in dict.fromkeys(e.debate for e in events):
            debate = now["debates"][debate_id]
            dossiers = sorted({z["dossier"] for z in debate.get("zaken", []) if z.get("dossier")})
            spoke = [debate["speakers"][e.speaker] | {"id": e.speaker} for e in events
                     if e.debate == debate_id and e.kind == "spoke"]
            corrected = [e for e in events if e.debate == debate_id and e.kind == "corrected"]
            # Per subscriber, the speakers their rules matched (a member or party rule on a Kamerlid who spoke, a
            # word in what someone said), and the debate itself for a dossier rule.
            found: dict[str, tuple[list[str], list[dict]]] = {}
            for speaker in spoke + [debate["speakers"][e.speaker] | {"id": e.speaker} for e in corrected]:
                who = [Actor(name=speaker["name"], role="Spreker", party=speaker.get("fractie", ""))] \
                    if speaker.get("soort", "").lower() == "tweede kamerlid" else []
                for hit in self.rules.matcher.match(speaker.get("words", ""), Meta(actors=who)):
                    reasons, people = found.setdefault(hit.subscriber, ([], []))
                    reasons += [r for r in hit.reasons if r not in reasons]
                    people.append(speaker)
            # The debate itself: a dossier on its agenda, the committee whose sitting it is.
            committees = [Actor(name=c.get("naam", ""), role="Voortouwcommissie", afkorting=c.get("afkorting", ""))
                          for c in sitting.get("commissies") or []]
            for hit in self.rules.matcher.match("", Meta(dossiers=dossiers, actors=committees)) \
                    if dossiers or committees else ():
                found.setdefault(hit.subscriber, ([], []))[0].extend(r for r in hit.reasons
                                                                      if r not in found[hit.subscriber][0])
            told_of = heard.setdefault(debate_id, [])
            live = agenda.link({"nummer": debate.get("nummer", ""), "soort": sitting.get("soort", "")})
            subject = Subject(document=debate.get("nummer") or debate_id, title=debate.get("titel", ""),
                              soort=debate.get("soort", ""), datum=sitting.get("datum", ""), dossiers=dossiers,
                              links={"tweedekamer.nl": live} if live else {})
            for name, (reasons, people) in found.items():
                if name in told_of:  # heard of this debate: only a correction of whom they heard of is news
                    fixes = [e for e in corrected if any(p["id"] == e.speaker for p in people)]
                    if not fixes:
                        continue
                    headline, lines, ident = debates.correction_words(fixes, debate)
                else:  # who spoke that concerns them; for a dossier of the debate, everyone who spoke
                    headline, lines, ident = debates.spoke_words(people or spoke, debate)
                alert = alerts.around_alert(f"debate:{key}|{debate_id}{ident}", name, DEBATE, headline, subject,
                                            reasons, lines)
                if self.outbox.enqueue(alert):
                    added += 1
                    log.info("debate %s: %s for %s", subject.title, headline, name)
                if name not in told_of:
                    told_of.append(name)
        self._index(now, heard)
        return added

    def _index(self, now: dict, heard: dict) -> None:
        """Who heard of which debate of a sitting, by its vergaderjaar and number: the Handelingen of it that
        KOOP publishes later are not news to them (engine/documents.py)."""
        sitting = now.get("vergadering") or {}
        if not sitting.get("vergaderjaar") or not sitting.get("nummer"):
            return
        self.store.set_event_state(debates.SITTING, debates.sitting_key(sitting["vergaderjaar"], sitting["nummer"]),
                                   {"debates": {d: {"titel": now["debates"][d].get("titel", ""), "heard": names}
                                                for d, names in heard.items() if d in now.get("debates", {})}})


# How each stream's rows are folded and told, by the stream's name (sources/tweedekamer/source.py STREAMS): a new
# stream is its reader there, its decider in news/, its words in alerts/ and its entry here.
NEWS = {"votes": VoteNews, "agenda": AgendaNews, "toezeggingen": PromiseNews, "debates": DebateNews}
