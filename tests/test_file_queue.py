"""The shared file queue on PostgreSQL (store/_pgfiles.py, engine/share.py): an idle watcher is told when a
file is wanted (LISTEN/NOTIFY) instead of asking the table a few times a second, and asks anyway after a
long safety pause."""

import asyncio

from watcher.engine import share
from watcher.model import Block, Document


def test_a_listener_is_told_of_a_file_wanted_or_given_back_and_of_nothing_else(two_stores):
    poller, idle = two_stores
    listener = idle.files.listener()

    async def story():
        assert await listener.wait(0.2) is False  # nothing happens: nothing said
        told = asyncio.ensure_future(listener.wait(20))
        await asyncio.sleep(0)  # it waits on the socket now
        poller.files.want("tk\x1fa\x1f1", "tk", {"url": "x"})
        assert await asyncio.wait_for(told, 10) is True
        poller.files.want("tk\x1fa\x1f1", "tk", {"url": "x"})  # wanted already: not said again
        assert await listener.wait(0.2) is False
        assert poller.files.claim("tk\x1fa\x1f1") is not None
        poller.files.release("tk\x1fa\x1f1")  # given back undone: free for another
        assert await asyncio.wait_for(listener.wait(20), 10) is True

    try:
        asyncio.run(story())
    finally:
        listener.close()


class _Source:
    """A source whose file is read at once, noting which it was asked for."""

    def __init__(self):
        self.read = asyncio.Event()

    def file(self, spec):
        async def fetch():
            self.read.set()
            return Document(blocks=[Block(f"de tekst van {spec['url']}")])
        return fetch


def test_an_idle_helper_rests_on_the_listener_and_reads_a_wanted_file_when_told(two_stores, monkeypatch):
    poller, idle = two_stores
    rests = []
    real_wait = share.Helper._rest

    async def resting(self):
        rests.append(self.told.listener is not None)
        await real_wait(self)

    monkeypatch.setattr(share.Helper, "_rest", resting)
    monkeypatch.setattr(share, "SAFETY", 25.0)  # far longer than the test waits: only being told wakes it

    class Named:
        name = "tk"

    async def story():
        source = _Source()
        Named.file = source.file
        stop = asyncio.Event()
        helper = share.Helper(idle, [Named()], stop)
        helping = asyncio.create_task(helper.run())
        while not rests:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # nothing is wanted meanwhile: a helper that rests does not look again
        claims = len(rests)
        poller.files.want("tk\x1fb\x1f1", "tk", {"url": "b"})
        await asyncio.wait_for(source.read.wait(), 10)
        stop.set()
        await helping
        return claims

    assert asyncio.run(story()) == 1  # one look at the start, then resting on the listener until told
    assert rests and all(rests)
    assert poller.files.result("tk\x1fb\x1f1")[0] == "done"
