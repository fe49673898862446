"""Requests to upstream: retried with backoff on timeouts, connection errors, 429 and 5xx; not on 4xx."""

import asyncio

import httpx
import pytest

from tests.fakes.server import LoopbackServer, Response
from watcher.settings import HTTPSettings
from watcher.sources.http import HTTP, USER_AGENT, FetchError


def run(answers, retries=3):
    """GET through a MockTransport that gives `answers` in turn; returns (result or error, sleeps, requests)."""
    sleeps, requests = [], []

    def handler(request):
        requests.append(request)
        answer = answers[min(len(requests), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def go():
        async def sleep(seconds):
            sleeps.append(seconds)

        http = HTTP(HTTPSettings(timeout=1, retries=retries, backoff=1), transport=httpx.MockTransport(handler),
                    sleep=sleep)
        try:
            return await http.get("https://example.test/x")
        except FetchError as e:
            return e
        finally:
            await http.aclose()

    return asyncio.run(go()), sleeps, requests


def test_a_5xx_then_success_is_retried_with_doubling_backoff():
    result, sleeps, requests = run([httpx.Response(503), httpx.Response(500), httpx.Response(200, text="ok")])
    assert result.text == "ok"
    assert len(requests) == 3
    assert 1 <= sleeps[0] < 1.2 and 2 <= sleeps[1] < 2.3


def test_429_waits_as_long_as_retry_after_says():
    result, sleeps, _ = run([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    assert result.status_code == 200 and 7 <= sleeps[0] < 7.8


def test_timeouts_are_retried_then_reported():
    result, sleeps, requests = run([httpx.ReadTimeout("slow")], retries=2)
    assert isinstance(result, FetchError) and "ReadTimeout" in str(result) and "after 3 attempts" in str(result)
    assert len(requests) == 3


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_client_error_is_not_retried(status):
    result, sleeps, requests = run([httpx.Response(status)])
    assert isinstance(result, FetchError) and result.status == status
    assert (len(requests), sleeps) == (1, [])


def test_requests_name_the_project():
    _, _, requests = run([httpx.Response(200)])
    assert requests[0].headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("watcher/")


def fetch_from(server_url, path="/x", **settings):
    async def go():
        http = HTTP(HTTPSettings(timeout=5, retries=0, backoff=0.01, **settings))
        try:
            return await http.get(server_url + path)
        except FetchError as e:
            return e
        finally:
            await http.aclose()
    return asyncio.run(go())


@pytest.fixture
def servers():
    """Two loopback servers: `home` (the source's own) redirects wherever a test says; `elsewhere`
    answers "moved here"."""
    started = []

    def start(handle):
        server = LoopbackServer(handle).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_a_redirect_to_another_origin_is_refused_and_not_followed(servers):
    elsewhere = servers(lambda request: Response(200, b"moved here"))
    home = servers(lambda request: Response(302, headers={"Location": elsewhere.url + "/y"}))
    result = fetch_from(home.url)
    assert isinstance(result, FetchError) and result.permanent
    assert f"redirects to another site, http://127.0.0.1:{elsewhere.port}: refused" in str(result)
    assert "http.redirect_hosts" in str(result)
    assert elsewhere.requests == []


def test_a_redirect_within_the_origin_is_followed(servers):
    home = servers(lambda request: Response(200, b"here") if request.path == "/y"
                   else Response(301, headers={"Location": "/y"}))
    assert fetch_from(home.url).text == "here"


def test_a_listed_mirror_is_followed(servers):
    elsewhere = servers(lambda request: Response(200, b"mirror"))
    home = servers(lambda request: Response(307, headers={"Location": elsewhere.url.replace("127.0.0.1", "localhost")}))
    assert fetch_from(home.url, redirect_hosts=("localhost",)).text == "mirror"


@pytest.mark.parametrize("status,content_type,body,said", [
    (400, "application/json",
     b'{"error":{"code":"","message":"The query specified in the URI is not valid. Could not find a property '
     b'named \'Bogus\' on type \'Document\'."}}',
     "The query specified in the URI is not valid. Could not find a property named 'Bogus'"),
    (500, "application/xml",
     b'<?xml version="1.0"?><m:error xmlns:m="http://docs.oasis-open.org/odata/ns/metadata"><m:code/>'
     b'<m:message>An error has occurred.</m:message></m:error>', "An error has occurred."),
], ids=["odata-json", "odata-xml"])
def test_an_error_answer_keeps_the_servers_own_message(servers, status, content_type, body, said):
    home = servers(lambda request: Response(status, body, {"Content-Type": content_type}))
    result = fetch_from(home.url)
    assert isinstance(result, FetchError) and said in str(result) and f"HTTP {status}" in str(result)
