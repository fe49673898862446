"""HTTP to upstream services: a User-Agent that names us, few requests in flight, retries with backoff on
timeouts, connection errors, 429 and 5xx, and bounds on what one answer may cost. Anything else is the
caller's to judge.

Bounds, because an upstream may be broken or hostile:
- time: `timeout` is the whole request (waiting for the connection, the headers and every byte of the
  body), not each read: a server that drips a byte every second would never trip a read timeout;
- bytes: a body is read as it streams in and reading stops at the caller's cap, whatever Content-Length
  says (an answer that announces more is refused before its body is read at all); compressed bodies
  count as they unpack, so a gzip bomb stops at the cap too;
- place: redirects are followed only within the origin asked (or to `http.redirect_hosts`), so a source
  never silently fetches from somewhere else; a URL that upstream data names (a record's file, a feed's
  item) is fetched only `within` the source's own origin and the hosts it is known to use, so a spoofed or
  compromised answer cannot make watcher read an internal address and quote it to subscribers.
"""

from __future__ import annotations

import json
import logging
import random
import re
from urllib.parse import urljoin


from typing import TYPE_CHECKING

from .. import __version__
from ..settings import HTTPSettings

if TYPE_CHECKING:
    import asyncio

    import httpx

log = logging.getLogger("watcher.http")

USER_AGENT = f"watcher/{__version__} (Dutch parliament and gazette monitor; python-httpx)"
RETRY_STATUS = {429, 500, 502, 503, 504}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
PER_HOST = 8  # requests in flight to one host
MAX_RETRY_AFTER = 300.0
MAX_REDIRECTS = 5
LISTING_LIMIT = 64 * 1024 * 1024  # a page of 250 expanded rows is ~2 MB, of 1000 SRU records ~5 MB
ERROR_BODY_LIMIT = 64 * 1024  # of an error answer, enough for the server's own message


class FetchError(Exception):
    """Upstream did not give a usable answer after the retries.

    `permanent`: asking again for the same thing will not help (the file is over the cap, a redirect
    was refused), so whoever keeps a count of failures may give up at once."""

    def __init__(self, message: str, status: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.status = status
        self.permanent = permanent


class TooLarge(FetchError):
    def __init__(self, message: str):
        super().__init__(message, permanent=True)


class _Retry(Exception):
    """One attempt failed in a way worth another (a timeout, a dropped connection, 429, 5xx)."""

    def __init__(self, problem: str, status: int | None = None, wait: float | None = None):
        super().__init__(problem)
        self.status, self.wait = status, wait


class HTTP:
    def __init__(self, settings: HTTPSettings = HTTPSettings(), *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep=None):
        import asyncio

        import httpx  # here: a verb that fetches nothing (`status`, `check`) does not pay for it

        self.settings = settings
        self._sleep = sleep or asyncio.sleep
        # At most PER_HOST requests in flight to one host: polite to a public API, and enough to hide its
        # latency (a listing read ahead while a page's files download).
        self._slots: dict[str, asyncio.Semaphore] = {}
        # httpx's own timeout is per phase (connect, each read); the deadline over the whole request is ours.
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout), headers={"User-Agent": USER_AGENT},
            follow_redirects=False, transport=transport)

    async def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
                  ok: tuple[int, ...] = (200,), max_bytes: int = LISTING_LIMIT,
                  within: tuple[str, ...] | None = None) -> httpx.Response:
        """GET with retries. Returns a response whose status is in `ok`, its body read whole (at most
        `max_bytes`); raises FetchError otherwise. `within`: the URL came from upstream data, and may only
        lead to these origins (URLs) or hosts, or to `http.redirect_hosts`."""
        import asyncio

        if within is not None and (problem := self.place_problem(url, within)):
            raise FetchError(problem, permanent=True)
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                async with self._slot(url):  # the deadline starts once the request may go out
                    async with asyncio.timeout(self.settings.timeout):
                        return await self._follow(url, params, headers, ok, max_bytes)
            except TimeoutError:
                problem, status, wait = f"no whole answer within {self.settings.timeout:g}s", None, None
            except _Retry as e:
                problem, status, wait = str(e), e.status, e.wait
            if attempt == attempts:
                raise FetchError(f"{problem} from {_short(url)} after {attempts} attempts", status)
            delay = wait if wait is not None else self.settings.backoff * 2 ** (attempt - 1)
            delay = min(delay, MAX_RETRY_AFTER) * (1 + random.random() * 0.1)
            log.info("%s from %s; retry %d of %d in %.1fs", problem, _short(url), attempt, attempts - 1, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")

    def _slot(self, url: str) -> asyncio.Semaphore:
        import asyncio

        import httpx

        host = httpx.URL(url).netloc.decode() if "://" in url else ""
        return self._slots.setdefault(host, asyncio.Semaphore(PER_HOST))

    async def _follow(self, url, params, headers, ok, max_bytes) -> httpx.Response:
        import httpx

        request = self.client.build_request("GET", url, params=params, headers=headers)
        origin = request.url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = await self.client.send(request, stream=True)
            except httpx.TransportError as e:  # refused connections, resets, httpx's own phase timeouts
                raise _Retry(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__) from None
            try:
                status = response.status_code
                if status in REDIRECT_STATUS and status not in ok and response.headers.get("Location"):
                    target = httpx.URL(urljoin(str(request.url), response.headers["Location"]))
                    self._check_redirect(origin, target)
                    request = self.client.build_request("GET", target, headers=headers)
                    continue
                if status in ok:
                    body = await _read(response, max_bytes, request.url)
                    return httpx.Response(status, headers=response.headers, content=body, request=request)
                said = _server_message(await _read(response, ERROR_BODY_LIMIT, request.url, cut=True),
                                       response.headers.get("content-type", ""))
                problem = f"HTTP {status}" + (f" ({said})" if said else "")
                if status in RETRY_STATUS:
                    raise _Retry(problem, status, _retry_after(response))
                raise FetchError(f"{problem} from {_short(request.url)}", status)
            finally:
                await response.aclose()
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {_short(origin)}", permanent=True)

    def place_problem(self, url: str, within: tuple[str, ...]) -> str:
        """Why a URL from upstream data is not fetched ("" if it may be): another scheme than http(s), or a
        site that is neither the source's own, one it is known to use, nor one the operator listed."""
        import httpx

        try:
            target = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as e:
            return f"a link from upstream is not a URL ({str(url)[:120]}: {e}): not fetched"
        if target.scheme not in ("http", "https") or not target.host:
            return f"a link from upstream is not a web address ({str(url)[:120]}): not fetched"
        for allowed in within:
            if "://" in allowed:
                if _origin(httpx.URL(allowed)) == _origin(target):
                    return ""
            elif target.host == allowed:
                return ""
        if target.host in self.settings.redirect_hosts:
            return ""
        return (f"a link from upstream leads to another site, {target.scheme}://{target.host}"
                f"{f':{target.port}' if target.port else ''}: not fetched (if it is one the source uses, list "
                f"{target.host} under http.redirect_hosts)")

    def _check_redirect(self, origin: httpx.URL, target: httpx.URL) -> None:
        # The same origin (scheme, host and port: another port is another server), or the same host moved
        # to https on its standard port, or a mirror the operator listed.
        same_origin = _origin(target) == _origin(origin)
        upgrade = (target.host == origin.host and (origin.scheme, target.scheme) == ("http", "https")
                   and _origin(target)[2] == 443)
        if same_origin or upgrade or target.host in self.settings.redirect_hosts:
            return
        where = f"{target.scheme}://{target.host}" + (f":{target.port}" if target.port else "")
        raise FetchError(f"{_short(origin)} redirects to another site, {where}: refused "
                         f"(if that is a known mirror, list {target.host} under http.redirect_hosts)", permanent=True)

    async def aclose(self) -> None:
        await self.client.aclose()


def _origin(url: httpx.URL) -> tuple:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


async def _read(response: httpx.Response, limit: int, url, cut: bool = False) -> bytes:
    """The body, at most `limit` bytes as it unpacks; past that, TooLarge (or, with `cut`, what came)."""
    declared = response.headers.get("Content-Length", "")
    if not cut and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"{_short(url)} announces {int(declared):,} bytes, over the {limit:,}-byte limit: not read")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            if cut:
                chunks.append(chunk[: len(chunk) - (size - limit)])
                break
            raise TooLarge(f"{_short(url)} sent more than the {limit:,}-byte limit: reading stopped there")
        chunks.append(chunk)
    return b"".join(chunks)


def _server_message(body: bytes, content_type: str) -> str:
    """The server's own words in an error answer: OData's error.message, an SRU diagnostic, or the text of a
    page. What an operator needs to fix a query ("The query specified in the URI is not valid")."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return ""
    message = ""
    if "json" in content_type or text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            error = data.get("error") or data.get("odata.error") or data
            if isinstance(error, dict):
                message = error.get("message") or error.get("description") or ""
                if isinstance(message, dict):  # OData v3: {"message": {"lang": .., "value": ..}}
                    message = message.get("value", "")
                inner = error.get("innererror")
                if isinstance(inner, dict) and isinstance(inner.get("message"), str):
                    message = f"{message}: {inner['message']}" if message else inner["message"]
    if not message and ("xml" in content_type or text.startswith("<")):
        found = re.search(r"<(?:\w+:)?message[^>]*>(.*?)</(?:\w+:)?message>", text, re.S)
        if found:
            message = found.group(1)
    if not message:
        message = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
        message = re.sub(r"<[^>]+>", " ", message)
    message = " ".join(str(message).split())
    return message if len(message) <= 300 else message[:297] + "..."


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _short(url) -> str:
    text = str(url)
    return text if len(text) <= 160 else text[:157] + "..."
