"""Who does what when several `watcher run` share one database (`store: postgresql`).

The work is cut into roles: polling each source (`poll <name>`: its documents and their streams), sending
(`sender`: the outbox, the bot and the admins' reports: one process per bot token calls Telegram, which is
all Telegram allows), and the clock (`clock`: overdue questions and agenda reminders, put in the outbox).
Each is held by one process at a time (PostgresStore.take_role); a process that holds none stands by and
reads files for the others (share.py). A role whose holder dies is free at once and taken by whoever looks
next: every watcher looks at the start of each cycle and every half poll interval, so a role is never left
for longer than one.

Roles are spread rather than grabbed, counted in units: each source is one, and sending with the clock is
one (they go together: neither is much work, and the clock's alerts wait for the sender anyway). A watcher
takes a free unit only while it holds fewer than its share (units divided by the watchers connected), and
gives up a source beyond its share at a cycle's end, where everything it read is committed. So two
watchers on two sources poll one each, and one of them sends. Sending and the clock are never handed over
while their holder lives: the sender's rate and the bot's updates would start over. Every free role is
taken by someone: the shares add up to at least the units, so while one is free a watcher is under its
share (or holds the other half of the pair).

On a local store (SQLite, TinyDB) there is one process, and it holds every role (`Alone`).
"""

from __future__ import annotations

import logging
import math

log = logging.getLogger("watcher")

SENDER = "sender"
CLOCK = "clock"


def poll(source: str) -> str:
    return f"poll {source}"


def every_role(config) -> list[str]:
    return [poll(s.name) for s in config.sources] + [SENDER, CLOCK]


PAIR = {SENDER, CLOCK}  # one unit of work between them


def units(roles) -> int:
    """How much of the work these roles are: a unit per source, one for sending with the clock."""
    return sum(r.startswith("poll ") for r in roles) + bool(PAIR & set(roles))


class Alone:
    """Every role, always: the state_dir lock already keeps other processes out."""

    def __init__(self, config):
        self.held = set(every_role(config))

    def claim(self, greedy: bool = False) -> list[str]:
        return []

    def spread(self) -> list[str]:
        return []

    def holds(self, role: str) -> bool:
        return True


class Shared:
    def __init__(self, store, config, member: bool = True):
        """`member`: counted among the watchers the work is shared by (a `watcher run`); a `run --once` takes what
        is free and is gone again, and moving the others' shares for it would only move roles about."""
        self.store, self.config = store, config
        self.held: set[str] = set()
        if member:
            store.join()

    def holds(self, role: str) -> bool:
        return role in self.held

    def _share(self) -> int:
        return math.ceil((len(self.config.sources) + 1) / max(1, self.store.watchers()))

    def claim(self, greedy: bool = False) -> list[str]:
        """Take the free roles this process may have; `greedy` (a `run --once`): every free one. Returns those
        taken now."""
        free = [role for role in every_role(self.config) if role not in self.held]
        if not free:
            return []  # every role is held here: nothing to ask the database (a resting watcher's usual look)
        taken = []
        share = math.inf if greedy else self._share()
        for role in free:
            # The other half of a pair held here is no more work: taken whatever the share.
            if not (role in PAIR and PAIR & self.held) and units(self.held) >= share:
                continue
            if self.store.take_role(role):
                self.held.add(role)
                taken.append(role)
                log.info("took the role %s on %s", role, self.store.where)
        return taken

    def spread(self) -> list[str]:
        """Give up the sources held beyond this process's share, for a watcher with fewer to take, and the clock
        held without the sender (two watchers took one each at the same moment), for the sender to take.
        Returns those given up. Called between cycles, when nothing read is uncommitted."""
        share = self._share()
        given = [CLOCK] if CLOCK in self.held and SENDER not in self.held else []
        for role in sorted(r for r in self.held if r.startswith("poll ")):
            if units(self.held - set(given)) <= share:
                break
            given.append(role)
        for role in given:
            self.store.drop_role(role)
            self.held.discard(role)
            log.info("gave up the role %s: another watcher on %s takes it", role, self.store.where)
        return given


def holders(store, config) -> list[tuple[str, dict | None]]:
    """(role, who holds it or None) for `watcher status`."""
    return [(role, store.role_holder(role)) for role in every_role(config)]
