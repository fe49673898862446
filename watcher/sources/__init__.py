"""Sources: each kind polls one upstream service and reports Records, page by page.

kinds.py names the kinds (the word the YAML uses, `kind: tweedekamer`) with what checking a config needs of
them; each kind's poller is a Source (_base.py) in its own module, imported only by a run that polls it.
"""

from __future__ import annotations

from .kinds import KINDS

__all__ = ["KINDS"]
