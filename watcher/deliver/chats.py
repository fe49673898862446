"""Team chats (Slack, Matrix, Mattermost, Microsoft Teams, ntfy, a JSON webhook …) through Apprise: one URL
names the service and where to post, and Apprise keeps up with each service's API so that we do not.

Apprise's calls block; they run in a thread, bounded by its own timeouts.
"""

from __future__ import annotations

import asyncio
import logging

from .failure import ChannelFailed

log = logging.getLogger("watcher.deliver")


async def post(url: str, title: str, body: str) -> None:
    """Raises ChannelFailed when Apprise did not deliver (it does not say whether it ever will)."""
    await asyncio.to_thread(_post, url, title, body)


def _post(url: str, title: str, body: str) -> None:
    import apprise  # only a watcher with a team chat pays for its import (0.2 s)

    chat = apprise.Apprise()
    if not chat.add(url):
        raise ChannelFailed(f"Apprise does not understand the URL of {url.split('://', 1)[0]}:// (see "
                            "`watcher check`)")
    if not chat.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT):
        raise ChannelFailed(f"{url.split('://', 1)[0]}:// did not take the message (Apprise's log says why)")


def understood(url: str) -> bool:
    """Whether Apprise knows how to post to this URL (for `watcher check`)."""
    import apprise

    said = logging.getLogger("apprise")
    was, said.disabled = said.disabled, True  # its own "Unparseable URL" would repeat what check says
    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True) is not None
    finally:
        said.disabled = was
