"""The sender on a shared database is told of alerts another watcher queued (NOTIFY as that watcher's page
commits) instead of reading the outbox every few seconds; with nothing waiting it asks the database nothing."""

import asyncio

from tests.test_telegram import make_alert
from watcher.commands import run
from watcher.engine.told import Told


def test_the_sender_is_told_of_new_alerts_when_the_page_that_queued_them_commits(two_stores):
    poller, sender = two_stores
    listener = sender.outbox_listener()

    async def story():
        assert poller.enqueue(make_alert(1))
        assert await listener.wait(0.3) is False  # queued, not committed: not said yet
        poller.flush()
        assert await asyncio.wait_for(listener.wait(20), 10) is True
        assert not poller.enqueue(make_alert(1))  # in the outbox already: nothing new to say
        poller.flush()
        assert await listener.wait(0.3) is False

    try:
        asyncio.run(story())
    finally:
        listener.close()


class _Engine:
    """What the sender's loop needs of the engine: a delivery pass, here one that notes it happened and says
    how many alerts still wait (`waiting`, one value a pass)."""

    def __init__(self, store, waiting):
        self.store, self.waiting, self.passes = store, list(waiting), 0
        self.passed = asyncio.Event()

    async def deliver_pending(self, budget=None):
        self.passes += 1
        self.passed.set()
        return 0, (self.waiting.pop(0) if self.waiting else 0)


def test_a_sender_with_nothing_waiting_rests_until_another_watcher_queues_alerts(two_stores, monkeypatch):
    monkeypatch.setattr(run, "IDLE_DELIVERY", 600.0)  # far longer than the test waits: only being told wakes it
    monkeypatch.setattr(run, "RETRY_DELIVERY", 0.05)  # what waits (a retry, a digest) is looked at again soon
    poller, sender = two_stores

    async def story():
        engine, wake, stop = _Engine(sender, waiting=[1]), asyncio.Event(), asyncio.Event()
        beside = asyncio.create_task(run._deliver_beside(engine, wake, stop))
        for _ in range(2):  # an alert waits after the first pass: looked at again after RETRY_DELIVERY
            await asyncio.wait_for(engine.passed.wait(), 10)
            engine.passed.clear()
        await asyncio.sleep(0.5)
        assert engine.passes == 2  # nothing waits, nothing new: no pass
        poller.enqueue(make_alert(2))
        poller.flush()  # another watcher's page with an alert commits
        await asyncio.wait_for(engine.passed.wait(), 10)
        stop.set()
        await beside
        return engine.passes

    assert asyncio.run(story()) == 3


def test_a_watcher_whose_listening_connection_ends_says_so_once_and_looks_every_few_seconds(two_stores, caplog):
    other, sender = two_stores
    told = Told(sender.outbox_listener, "alerts queued by other watchers", fallback=0.05)
    other.marks.execute("SELECT pg_terminate_backend(%s)", (told.listener.connection.info.backend_pid,))

    async def story():
        # Without the fallback each of these would wait its ten minutes: the word can no longer come.
        for _ in range(3):  # the one that finds the connection gone, and those after it
            await asyncio.wait_for(told.wait(600), 10)

    asyncio.run(story())
    assert told.listener is None
    said = [r.getMessage() for r in caplog.records if "no longer told of alerts" in r.getMessage()]
    assert len(said) == 1 and said[0].endswith("looking every 0.05 s"), said
