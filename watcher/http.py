"""HTTP to upstream services: timeouts, a User-Agent that names us, few requests in flight, and retries
with backoff on timeouts, connection errors, 429 and 5xx. Anything else is the caller's to judge."""

from __future__ import annotations

import asyncio
import logging
import random

import httpx

from . import __version__
from .config import HTTPSettings

log = logging.getLogger("watcher.http")

USER_AGENT = f"watcher/{__version__} (Dutch parliament and gazette monitor; python-httpx)"
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_IN_FLIGHT = 4
MAX_RETRY_AFTER = 300.0


class FetchError(Exception):
    """Upstream did not give a usable answer after the retries."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class HTTP:
    def __init__(self, settings: HTTPSettings = HTTPSettings(), *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep=asyncio.sleep):
        self.settings = settings
        self._sleep = sleep
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout), headers={"User-Agent": USER_AGENT},
            follow_redirects=True, transport=transport)

    async def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
                  ok: tuple[int, ...] = (200,)) -> httpx.Response:
        """GET with retries. Returns a response whose status is in `ok`; raises FetchError otherwise."""
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            problem, wait = None, None
            try:
                async with self._slots:
                    response = await self.client.get(url, params=params, headers=headers)
            except httpx.TransportError as e:  # timeouts, refused connections, resets
                problem = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                status = None
            else:
                status = response.status_code
                if status in ok:
                    return response
                if status not in RETRY_STATUS:
                    raise FetchError(f"HTTP {status} from {_short(response.url)}", status)
                problem = f"HTTP {status}"
                wait = _retry_after(response)
            if attempt == attempts:
                raise FetchError(f"{problem} from {_short(url)} after {attempts} attempts", status)
            delay = wait if wait is not None else self.settings.backoff * 2 ** (attempt - 1)
            delay = min(delay, MAX_RETRY_AFTER) * (1 + random.random() * 0.1)
            log.info("%s from %s; retry %d of %d in %.1fs", problem, _short(url), attempt,
                     attempts - 1, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self.client.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _short(url) -> str:
    text = str(url)
    return text if len(text) <= 160 else text[:157] + "..."
