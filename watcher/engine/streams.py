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
from ..news import agenda, votes
from ..settings import BACKLOG_MARGIN
from ..watchlists.match import Hit
from ..model import AGENDA, VOTE, Actor, Meta
from ..sources._base import Source, Stream

log = logging.getLogger("watcher.streams")


def cursor_name(source: Source, stream: Stream) -> str:
    return f"{source.name}/{stream.name}"


class Streams:
    def __init__(self, watcher):
        self.watcher = watcher
        self.news = {"votes": VoteNews(watcher), "agenda": AgendaNews(watcher)}

    @property
    def store(self):
        return self.watcher.store

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
        cursor = self.store.cursor(name)
        if cursor is None:
            since = source.config.since_datetime()
            if since is None:
                cursor = await stream.baseline(started)  # not news: what was there before the first run
            else:
                cursor = {**stream.start(since), "quiet": not source.config.backfill_alerts}
            self.store.set_cursor(name, cursor)
        quiet = bool(cursor.get("quiet"))
        news = self.news[stream.name]
        pending = list(cursor.get("pending", []))  # votes folded but not yet told: rows may follow
        async for page in stream.poll(cursor):
            async with self.watcher._applying():
                touched = news.fold(page)
                report.records += len(page.rows)
                # The vote of a page's last row may go on in the next page: told when it is whole.
                hold = {news.key_of(page.entity, page.rows[-1])} if page.rows else set()
                pending = list(dict.fromkeys(pending + touched))
                if pending:
                    await self.watcher.matcher_ready()
                report.alerts += news.tell([k for k in pending if k not in hold], quiet)
                pending = [k for k in pending if k in hold]
                self.store.set_cursor(name, {**page.cursor, "pending": pending, "quiet": quiet})
        async with self.watcher._applying():
            report.alerts += news.tell(pending, quiet)
            done = dict(self.store.cursor(name) or cursor)
            done.update(pending=[])
            done.pop("quiet", None)  # caught up: from here on what changes is news
            self.store.set_cursor(name, done)

class _News:
    def __init__(self, watcher):
        self.watcher = watcher

    @property
    def store(self):
        return self.watcher.store

    @staticmethod
    def key_of(entity: str, row: dict) -> str:
        return row["key"]

    def _followers(self, zaken: list[dict], text: str, meta: Meta) -> tuple[list[Hit], list]:
        """Who hears of what happened to these zaken: whoever the matter matches, and whoever was alerted
        about one of its documents; with those documents."""
        docs = [d for z in zaken if (k := self.store.find_alias(f"zaak:{z['nummer']}"))
                and (d := self.store.document(k)) is not None and not d.deleted]
        for doc in docs:
            if not text and doc.current and (stored := self.store.text(doc.current.hash)) is not None:
                text = stored.text
        hits = self.watcher.matcher.match(text, meta)
        told = {h.subscriber for h in hits}
        what = (zaken[0]["soort"] or "zaak").lower() if zaken else "zaak"
        for doc in docs:
            hits += [Hit(n, reasons=[f"u kreeg een melding over deze {what}"]) for n in doc.alerted if n not in told]
            told |= set(doc.alerted)
        for doc in docs:  # "Niet meer over dit document": nor of its vote, its debate, its reminder
            hits = self.watcher.unmuted(hits, doc.key)
        return hits, docs


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
            if state is None and votes.from_before(assembled, self.watcher.clock() - BACKLOG_MARGIN):
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
                    actors=[Actor(name=a["name"], role=a["role"], party=a["party"], on="zaak") for a in actors])
        hits, docs = self._followers(zaken, "", meta)  # who heard of the motie follows it to its vote
        doc = docs[0] if docs else None
        subject = {"document": doc.key if doc else first["nummer"], "title": first["onderwerp"],
                   "soort": doc.meta.soort if doc else first["soort"], "actors": actors,
                   "zaken": [z["nummer"] for z in zaken], "dossiers": meta.dossiers,
                   "links": doc.meta.links if doc else {}, "source": doc.source if doc else ""}
        people = {s.name: s for s in subs.effective(self.watcher.config, self.store)}
        tally = votes.tally(state)
        added = 0
        for hit in hits:
            s = people.get(hit.subscriber)
            own = votes.own_votes(tally, s.parties, s.members, actors, self.watcher.matcher.party_key) if s else []
            alert = alerts.around_alert(f"vote:{key}|{event.number}", hit.subscriber, VOTE, event.headline,
                                        subject, hit.reasons, own + event.lines)
            if self.store.enqueue(alert):
                added += 1
                log.info("vote %s on %s: %s for %s", key, subject["zaken"], event.headline, hit.subscriber)
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
        added, today = 0, agenda.kamer_day(self.watcher.clock())
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

    def reminders(self) -> int:
        """The day before a followed debate: told once to its followers who asked for a reminder
        (`agenda: reminder`), by the first cycle of that day (also one that polls nothing new)."""
        today = agenda.kamer_day(self.watcher.clock())
        wanted = {s.name for s in subs.effective(self.watcher.config, self.store) if s.agenda == "reminder"}
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
        if not zaken:
            return 0  # a meeting about no zaak: nothing anyone follows
        dossiers = sorted({d for z in zaken for d in z.get("dossiers", [])})
        meta = Meta(soort=state.get("soort", ""), onderwerp=state.get("onderwerp", ""),
                    zaken=[{"nummer": z["nummer"], "soort": z["soort"]} for z in zaken], dossiers=dossiers)
        text = "\n".join(z["onderwerp"] for z in zaken)
        hits, _ = self._followers(zaken, text, meta)
        if only is not None:
            hits = [h for h in hits if h.subscriber in only]
        live = agenda.link(shown)
        subject = {"document": shown.get("nummer", ""), "title": state.get("onderwerp", ""),
                   "soort": state.get("soort", ""), "zaken": [z["nummer"] for z in zaken], "dossiers": dossiers,
                   "links": {"tweedekamer.nl (ook live)": live} if live else {}, "source": ""}
        added = 0
        for hit in hits:
            alert = alerts.around_alert(f"agenda:{key}|{ident or event.number}", hit.subscriber, AGENDA, event.headline,
                                        subject, hit.reasons, event.lines)
            if self.store.enqueue(alert):
                added += 1
                log.info("agenda %s: %s for %s", state.get("nummer"), event.headline, hit.subscriber)
        return added
