"""`watcher demo`: the story told on loopback fakes (demo/story.py), optionally sent to a real chat too."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import exitcodes


def demo(keep: str | None = None, telegram: bool = False, chat: int | None = None, api_url: str | None = None) -> int:
    from ..demo import story
    forward = None
    if telegram:
        token = os.environ.get("TELEGRAM_BOT_TOKEN")
        if not token or chat is None:
            print("watcher: demo --telegram needs the bot's token in TELEGRAM_BOT_TOKEN and --chat ID (your "
                  "chat with the bot: send it /start, then look the id up, e.g. with @userinfobot)", file=sys.stderr)
            return exitcodes.CONFIG
        forward = (token, chat, api_url)
    return story.run(sys.stdout, keep=Path(keep) if keep else None, forward_to=forward)
