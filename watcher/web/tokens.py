"""The unguessable part of a subscriber's addresses: an HMAC of its name under a secret the store keeps.

Made by the first `watcher run` (which may write the store); `watcher serve` only reads it, so it runs beside
the watcher. A new secret (a new state) gives every subscriber new addresses.
"""

from __future__ import annotations

KIND, KEY = "web", "secret"


def made(store) -> bool:
    """Make the secret unless the store has it (by a process that may write the store); True when it was
    made now (the caller flushes it)."""
    if store.event_state(KIND, KEY) is not None:
        return False  # every run but the first: it imports nothing for this
    import secrets

    store.set_event_state(KIND, KEY, {"secret": secrets.token_hex(32)})
    return True


def token(store, subscriber: str) -> str | None:
    held = store.event_state(KIND, KEY)
    if held is None:
        return None
    import base64
    import hashlib
    import hmac

    mac = hmac.new(held["secret"].encode(), f"feeds|{subscriber}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:20]).decode().lower()  # 160 bits, in letters and digits a URL keeps as they are
