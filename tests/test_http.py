"""Requests to upstream: retried with backoff on timeouts, connection errors, 429 and 5xx; not on 4xx."""

import asyncio

import httpx
import pytest

from watcher.config import HTTPSettings
from watcher.http import HTTP, USER_AGENT, FetchError


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
