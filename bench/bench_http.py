"""What one download costs the watcher process in CPU, layer by layer, against the floor of the same bytes read
with asyncio alone: a file of 22 KB (the mean of bench_pipeline's PDFs), 8 requests in flight (watcher's
`PER_HOST`), over kept-alive connections to a loopback HTTP/1.1 server in a process of its own (its CPU is
not counted).

    python bench/bench_http.py [REQUESTS] [ROUNDS]        (default 2,000 requests, 3 rounds)

Each client reads REQUESTS files in each round, the clients in turns; the medians are printed, as CPU ms a
request and as a ratio against the floor:
- asyncio alone: 8 connections, a request written and its answer read by Content-Length (the floor: what the
  event loop and the sockets cost);
- httpcore's connection pool (what httpx sends through);
- httpx's AsyncClient.get;
- watcher's HTTP.get (httpx streamed, with the deadline, the slot per host and the byte cap of
  watcher/sources/http.py): what a document's file costs in a backfill.
"""

import asyncio
import statistics
import subprocess
import sys
import time

from _common import ROOT

from watcher.sources.http import HTTP, PER_HOST

SIZE = 22_000

# The project's loopback server (HTTP/1.1, kept alive, no Nagle delay), in a process of its own.
SERVER = f"""
import threading
from watcher.demo.server import LoopbackServer, Response
answer = Response(200, b"%" * {SIZE}, {{"Content-Type": "application/pdf"}})
print(LoopbackServer(lambda request: answer).start().port, flush=True)
threading.Event().wait()
"""


async def _spread(fetch, requests: int) -> None:
    """`fetch(n)` for n in range(requests), PER_HOST at a time."""
    queue = iter(range(requests))

    async def lane():
        for n in queue:
            await fetch(n)
    await asyncio.gather(*(lane() for _ in range(PER_HOST)))


class Floor:
    """asyncio's streams alone, one kept-alive connection a lane."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list = []

    async def get(self, n: int) -> int:
        reader, writer = self.idle.pop() if self.idle else await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(f"GET /Resources/{n} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        body = await reader.readexactly(length)
        self.idle.append((reader, writer))
        return len(body)

    async def aclose(self) -> None:
        for _, writer in self.idle:
            writer.close()


def clients(port: int) -> dict:
    url = f"http://127.0.0.1:{port}/Resources/"

    async def floor(requests: int) -> None:
        client = Floor(port)
        await _spread(client.get, requests)
        await client.aclose()

    async def httpcore_pool(requests: int) -> None:
        import httpcore

        async with httpcore.AsyncConnectionPool() as pool:
            async def get(n):
                assert len((await pool.request("GET", f"{url}{n}")).content) == SIZE
            await _spread(get, requests)

    async def httpx_client(requests: int) -> None:
        import httpx

        async with httpx.AsyncClient() as client:
            async def get(n):
                assert len((await client.get(f"{url}{n}")).content) == SIZE
            await _spread(get, requests)

    async def watcher_http(requests: int) -> None:
        http = HTTP()

        async def get(n):
            assert len((await http.get(f"{url}{n}", max_bytes=SIZE * 2)).content) == SIZE
        await _spread(get, requests)
        await http.aclose()

    return {"asyncio alone (the floor)": floor, "httpcore's pool": httpcore_pool, "httpx": httpx_client,
            "watcher's HTTP.get": watcher_http}


def cpu_ms_a_request(client, requests: int) -> float:
    async def measured():
        await client(50)  # connections made, modules imported
        started = time.process_time()
        await client(requests)
        return time.process_time() - started
    return asyncio.run(measured()) * 1000 / requests


def main(requests: int, rounds: int) -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        named = clients(port)
        taken = {name: [] for name in named}
        for _ in range(rounds):  # in turns: a machine that slows down for a while slows each of them
            for name, client in named.items():
                taken[name].append(cpu_ms_a_request(client, requests))
    finally:
        server.kill()
    floor = statistics.median(next(iter(taken.values())))
    print(f"{requests:,} files of {SIZE:,} bytes, {PER_HOST} in flight, kept-alive connections to a loopback "
          f"HTTP/1.1 server; CPU of this process a request, median of {rounds} rounds:")
    for name, times in taken.items():
        ms = statistics.median(times)
        print(f"  {name:27s} {ms:6.3f} ms  ({ms / floor:.2f}x the floor)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
