"""The live rules: who follows what right now (sources.yaml and chat together), compiled into the matcher, and
kept current while the watcher runs (an edited file, a /volg, another watcher's bot on a shared store)."""

from __future__ import annotations

import asyncio

from ..parliament import Parliament
from ..settings import Config
from ..store import Store
from ..watchlists import subscribers as subs
from ..watchlists.match import Matcher


class LiveRules:
    def __init__(self, config: Config, store: Store):
        self.store = store
        self.matcher: Matcher | None = None
        self._merging: asyncio.Task | None = None
        self.take(config)

    def take(self, config: Config) -> None:
        """Take new rules (from sources.yaml or from chat)."""
        self._seen = self.store.rules_version()  # before reading them: a change meanwhile is seen next time
        people = subs.effective(config, self.store)
        self.config, self.people = config, people
        # The automaton of the rules that did not change is kept: a /watch does not rebuild a million rules.
        self.matcher = Matcher(people, previous=self.matcher, parliament=Parliament.from_store(self.store))
        if self.matcher.wants_merge:
            self._merge_later()
        # documents a chat asked to hear no more about ("Niet meer over dit document")
        self.muted = {s.name: set(s.muted) for s in people if s.muted}

    def changed_elsewhere(self) -> bool:
        """Another watcher's bot changed a chat's rules since they were last read here (a shared store)."""
        return self.store.rules_version() != self._seen

    async def ready(self) -> None:
        """The automata made in a thread when a change first needs them: a cycle with nothing new never pays
        for them, and the bot goes on answering while a big watchlist's are made."""
        if not self.matcher.built:
            await asyncio.to_thread(self.matcher.build)

    def take_parliament(self) -> None:
        """The parties as the Kamer's data names them now (a rename, a new fractie): read each cycle, a few
        hundred rows; the matcher keys its party rules again only when they changed."""
        parliament = Parliament.from_store(self.store)
        if self.matcher.parliament is None or parliament.groups != self.matcher.parliament.groups:
            self.matcher.parliament = parliament

    def _merge_later(self) -> None:
        """Merge the side automaton into the main one in a thread, and swap it in when it is made: the
        event loop goes on answering taps and polling meanwhile, matching with the two beside each other."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.matcher = Matcher(self.people, parliament=self.matcher.parliament)  # made whole when first needed
            return
        if self._merging is None or self._merging.done():
            self._merging = loop.create_task(self._merge())

    async def _merge(self) -> None:
        while self.matcher.wants_merge:
            people = self.people
            parliament = self.matcher.parliament
            merged = await asyncio.to_thread(lambda: Matcher(people, parliament=parliament).build())
            # Rules changed while it was made go into a side automaton beside it again.
            self.matcher = merged if self.people is people else Matcher(self.people, previous=merged)
