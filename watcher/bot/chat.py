"""One chat as a command or a tap finds it: its id, its state, its rules from sources.yaml, and how to save."""

from __future__ import annotations

from dataclasses import dataclass

from ..watchlists import subscribers as subs
from ..settings import RULE_KINDS

MAX_RULES = 200  # per chat, so that no chat can grow the state, the matcher or a reply without bound


@dataclass
class Chat:
    bot: object  # the WatchBot answering: its config, its store, and save()
    id: int  # the chat id its state is kept under (a group that moved keeps its old id's)
    state: dict
    said: str = ""  # the command as typed (/volg, /watch), for "Gebruik:"
    argument: str = ""  # what follows it, cleaned (text.clean)

    @property
    def store(self):
        return self.bot.store

    @property
    def yaml(self):
        """This chat's subscriber in sources.yaml, if it is one."""
        return next((s for s in self.bot.config.subscribers if s.telegram == self.id), None)

    def yaml_rules(self, kind: str) -> tuple:
        return getattr(self.yaml, kind) if self.yaml else ()

    @property
    def name(self) -> str:
        """The subscriber's name its alerts go by."""
        return self.yaml.name if self.yaml else subs.chat_name(self.id)

    def rules_count(self) -> int:
        return sum(len(self.state.get(k, [])) for k in RULE_KINDS)

    def save(self, value: dict) -> None:
        self.bot.save(self.id, value)
        self.state = value
