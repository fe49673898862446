"""Run in an extraction worker by a test: it imports nothing, so what it finds loaded, the worker had."""

import sys


def loaded(names: list[str]) -> list[bool]:
    return [name in sys.modules for name in names]
