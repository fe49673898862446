"""Sources: each kind polls one upstream service and reports Records, page by page.

A kind is a class registered under the same word the YAML uses (`kind: tweedekamer`), with the
extra keys it accepts in `options` (key -> parser that raises ValueError with a message).
"""

from __future__ import annotations

from ._base import Page, Source
from .feed import Feed
from .officielebekendmakingen import OfficieleBekendmakingen
from .tweedekamer import TweedeKamer

KINDS: dict[str, type[Source]] = {cls.kind: cls for cls in (TweedeKamer, OfficieleBekendmakingen, Feed)}

__all__ = ["KINDS", "Page", "Source"]
