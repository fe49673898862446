"""Being told by the database rather than asking it: what one watcher says with NOTIFY on a channel, another
waits for with LISTEN, without a query in between (the file queue, _pgfiles.py; the outbox, _postgres.py)."""

from __future__ import annotations

import asyncio


class Listener:
    """Waits, without a query, until another watcher says something on a channel: LISTEN on a connection of its
    own, whose socket the event loop watches."""

    def __init__(self, connect, channel: str):
        """`connect()`: a new autocommitting connection (the store's settings: deadline, keepalives, its name)."""
        self.connection = connect()
        self.connection.execute(f"LISTEN {channel}")

    async def wait(self, timeout: float, *events: asyncio.Event) -> bool:
        """Until told, one of `events` is set (a stop request, a wake-up from this process), or `timeout` seconds
        pass; True when told. What was said is read off the socket (there may be several at once: one look is
        enough for all). A connection that ended raises (psycopg's OperationalError)."""
        loop = asyncio.get_running_loop()
        told = asyncio.Event()
        socket = self.connection.fileno()  # asked once: a connection closed meanwhile has none to give
        loop.add_reader(socket, told.set)
        waits = [asyncio.ensure_future(event.wait()) for event in (told, *events)]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            loop.remove_reader(socket)
            for waiting in waits:
                waiting.cancel()
        return bool(list(self.connection.notifies(timeout=0))) if told.is_set() else False

    def close(self) -> None:
        self.connection.close()
