"""How the roles spread over the watchers of one database (roles.py), on real PostgreSQL connections: each
watcher here is a store of its own, joined as `watcher run` joins, and dies by closing its connection (what
a SIGKILL does to it). Whatever joins and dies in whatever order, once each has looked twice: every role is
held, once; no watcher holds more units of work than its share; sending and the clock are together."""

import math
import random
from types import SimpleNamespace

import pytest

from watcher.engine import roles
from watcher.store import PostgresStore


def config(sources: int):
    return SimpleNamespace(sources=[SimpleNamespace(name=f"source{n}") for n in range(sources)])


def held(dsn: str, config) -> dict:
    """role -> the pid that holds it, as `watcher status` reads it."""
    with PostgresStore(dsn, readonly=True) as reader:
        return {role: who["pid"] for role, who in roles.holders(reader, config) if who}


def die(store: PostgresStore, dsn: str) -> None:
    """A watcher's connections end, as a SIGKILL ends them, and the server lets its roles go. It does so as its
    backend exits, a moment after the socket closes: on a busy machine a look within that moment still found
    them held (once in a full run). Watchers look 10 s apart, so the test waits for the backend to be gone."""
    import time

    import psycopg

    pid = store.marks.execute("SELECT pg_backend_pid()").fetchone()[0]
    store.close()
    with psycopg.connect(dsn, autocommit=True) as db:
        deadline = time.monotonic() + 30
        while db.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]:
            assert time.monotonic() < deadline, f"the server kept backend {pid} 30 s after its connection closed"
            time.sleep(0.01)


@pytest.mark.parametrize("sources", [1, 2, 3])
def test_roles_are_all_held_once_and_spread_whoever_joins_or_dies(sources, postgres_server):
    rng = random.Random(sources)
    settings = config(sources)
    for trial in range(4):
        dsn = postgres_server.new_database()
        watchers = []
        try:
            for step in range(12):
                if not watchers or rng.random() < 0.45:
                    watchers.append(roles.Shared(PostgresStore(dsn), settings))
                elif len(watchers) > 1 and rng.random() < 0.5:
                    die(watchers.pop(rng.randrange(len(watchers))).store, dsn)
                for watcher in rng.sample(watchers, len(watchers)):
                    watcher.claim()
                    watcher.spread()
            for _ in range(2):
                for watcher in watchers:
                    watcher.claim()
                    watcher.spread()
            mine = [watcher.held for watcher in watchers]
            assert sorted(r for h in mine for r in h) == sorted(roles.every_role(settings)), mine
            assert set(held(dsn, settings)) == set(roles.every_role(settings))
            share = math.ceil((sources + 1) / len(watchers))
            assert max(roles.units(h) for h in mine) <= share, (mine, share)
            assert all((roles.SENDER in h) == (roles.CLOCK in h) for h in mine), mine
        finally:
            for watcher in watchers:
                watcher.store.close()


def test_two_watchers_on_two_sources_poll_one_each_and_one_of_them_sends(postgres_dsn):
    settings = config(2)
    first = roles.Shared(PostgresStore(postgres_dsn), settings)
    first.claim()
    assert first.held == set(roles.every_role(settings))  # alone, it does everything
    second = roles.Shared(PostgresStore(postgres_dsn), settings)
    try:
        for watcher in (second, first, second):  # the first hands a source over at its cycle's end
            watcher.claim()
            watcher.spread()
        polls = [{r for r in w.held if r.startswith("poll ")} for w in (first, second)]
        assert [len(p) for p in polls] == [1, 1] and polls[0] != polls[1], polls
        assert roles.PAIR <= first.held and not roles.PAIR & second.held
    finally:
        first.store.close()
        second.store.close()


def test_the_clock_taken_apart_from_the_sender_is_handed_to_it(postgres_dsn):
    """Two watchers looking at the same moment can take one half of the pair each; the one with the clock alone
    gives it up at its cycle's end, and the sender takes it at its next look."""
    settings = config(1)
    one, other = (roles.Shared(PostgresStore(postgres_dsn), settings) for _ in range(2))
    try:
        for watcher, role in ((one, roles.CLOCK), (other, roles.SENDER)):  # as looks at that moment left them
            assert watcher.store.take_role(role)
            watcher.held.add(role)
        for watcher in (one, other, one):
            watcher.spread()
            watcher.claim()
        assert roles.PAIR <= other.held and one.held == {"poll source0"}, (one.held, other.held)
    finally:
        one.store.close()
        other.store.close()


def test_a_watcher_that_holds_every_role_asks_the_database_nothing_when_it_looks_again(postgres_server, monkeypatch):
    store = PostgresStore(postgres_server.new_database())
    watcher = roles.Shared(store, config(2))
    try:
        assert sorted(watcher.claim()) == sorted(roles.every_role(watcher.config))
        asked = []
        monkeypatch.setattr(store.marks, "execute", lambda *args, **kwargs: asked.append(args))
        assert watcher.claim() == []
        assert asked == []  # the look every ten seconds of a resting watcher: no statement
    finally:
        monkeypatch.undo()
        store.close()
