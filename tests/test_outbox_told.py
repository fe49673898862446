"""The sender on a shared database is told of alerts another watcher queued (NOTIFY as that watcher's page
commits) instead of reading the outbox every few seconds; with nothing waiting it asks the database nothing."""

import asyncio

from tests.test_telegram import make_alert
from watcher.commands import run
from watcher.store import open_store


def _stores(dsn):
    return (open_store(None, kind="postgresql", dsn=dsn), open_store(None, kind="postgresql", dsn=dsn))


def test_the_sender_is_told_of_new_alerts_when_the_page_that_queued_them_commits(postgres_dsn):
    poller, sender = _stores(postgres_dsn)
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
        poller.close()
        sender.close()


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


def test_a_sender_with_nothing_waiting_rests_until_another_watcher_queues_alerts(postgres_dsn, monkeypatch):
    monkeypatch.setattr(run, "IDLE_DELIVERY", 600.0)  # far longer than the test waits: only being told wakes it
    monkeypatch.setattr(run, "RETRY_DELIVERY", 0.05)  # what waits (a retry, a digest) is looked at again soon
    poller, sender = _stores(postgres_dsn)

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

    try:
        assert asyncio.run(story()) == 3
    finally:
        poller.close()
        sender.close()
