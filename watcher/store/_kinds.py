"""Cursors, health, written questions, vote and agenda states and chats as rows of one table keyed by
(kind, key): how the SQLite and PostgreSQL stores keep them. A store gives `_get`, `_set` and `_all`; the
names the pipeline uses are here once."""

from __future__ import annotations


class KeyedState:
    def _get(self, kind: str, key: str): ...

    def _set(self, kind: str, key: str, value) -> None: ...

    def _all(self, kind: str) -> dict: ...

    def cursor(self, source: str) -> dict | None:
        return self._get("cursor", source)

    def set_cursor(self, source: str, cursor: dict) -> None:
        self._set("cursor", source, cursor)

    def health(self, source: str) -> dict:
        return self._get("health", source) or {}

    def set_health(self, source: str, health: dict) -> None:
        self._set("health", source, health)

    def question(self, zaak: str) -> dict | None:
        return self._get("question", zaak)

    def set_question(self, zaak: str, state: dict) -> None:
        self._set("question", zaak, state)

    def questions(self) -> dict[str, dict]:
        return self._all("question")

    def event_state(self, kind: str, key: str) -> dict | None:
        return self._get(f"event:{kind}", key)

    def set_event_state(self, kind: str, key: str, state: dict) -> None:
        self._set(f"event:{kind}", key, state)

    def event_states(self, kind: str) -> dict[str, dict]:
        return self._all(f"event:{kind}")

    def chat_rules(self) -> dict:
        return self._all("chat")

    def chat_rule(self, key: str) -> dict | None:
        return self._get("chat", key)

    def set_chat_rules(self, rules: dict, moved: bool = True) -> None:
        for key, value in rules.items():
            self._set("chat", key, value)
