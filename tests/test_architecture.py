"""The import rules of ../shared/ARCHITECTURE.md that hold today, as contracts: the next change cannot quietly
break them. Imports inside functions count as well (a lazy import is still a dependency)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "watcher"


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports (a name imported from a package
    counts as its module where it is one)."""
    modules = {_name(p): p for p in PACKAGE.rglob("*.py")}
    found = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = (package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else [])
                module = ".".join(base + ([node.module] if node.module else []))
                targets |= {module} | {f"{module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
        found[name] = {t for t in targets if t in modules and t != name}
    return found


IMPORTS = imports()


def under(prefix: str) -> list[str]:
    return [m for m in IMPORTS if m == prefix or m.startswith(prefix + ".")]


# (who, what they never import, why)
CONTRACTS = [
    (["watcher.settings"], ["watcher"], "the settings are a leaf every stage takes"),
    (["watcher.parliament"], ["watcher"], "names are compared in a leaf: watchlists, deciders and the bot share it"),
    (under("watcher.news"), ["watcher.watchlists", "watcher.store", "watcher.sources", "watcher.config",
                             "watcher.alerts", "watcher.engine", "watcher.deliver", "watcher.commands"],
     "what is news is judged on data handed in: no store, no wire format, not who follows it"),
    (under("watcher.sources"), ["watcher.config", "watcher.cli", "watcher.bot", "watcher.engine", "watcher.news",
                                "watcher.deliver", "watcher.alerts", "watcher.watchlists", "watcher.commands"],
     "a source takes its typed settings and knows nothing of judging, matching or telling"),
    (["watcher.watchlists.match", "watcher.watchlists.audience"],
     ["watcher.store", "watcher.engine", "watcher.deliver", "watcher.sources", "watcher.config", "watcher.commands"],
     "who hears what is decided on data the engine gathers"),
    (under("watcher.extract"), ["watcher.watchlists", "watcher.store", "watcher.sources",
                                "watcher.alerts", "watcher.config"],
     "bytes in, a Document out"),
    (under("watcher.store"), ["watcher.cli", "watcher.bot", "watcher.engine", "watcher.deliver",
                              "watcher.alerts", "watcher.config"],
     "the store sits beside the stages and serves them"),
    (under("watcher.alerts"), ["watcher.store", "watcher.deliver", "watcher.engine",
                               "watcher.config", "watcher.sources"],
     "what a subscriber reads is made from data handed in, never read from the store or sent from here"),
    ([m for m in IMPORTS if not m.startswith(("watcher.engine", "watcher.cli", "watcher.commands", "watcher.bot",
                                               "watcher.demo"))],
     ["watcher.engine"], "nothing below the engine imports the engine"),
    (under("watcher.demo"), ["watcher.cli"], "the demo calls the verbs, never argv"),
    (under("watcher.web"), ["watcher.engine", "watcher.deliver", "watcher.sources", "watcher.bot", "watcher.config",
                            "watcher.commands", "watcher.extract"],
     "the web face shows what the store holds: it neither polls, nor sends, nor reads sources.yaml"),
    (["watcher.deliver.channels"], ["watcher.store", "watcher.engine", "watcher.config"],
     "which copies of an alert the outbox holds is decided on a subscriber's settings"),
    (["watcher.cli"], ["watcher.engine", "watcher.store", "watcher.sources", "watcher.deliver", "watcher.news",
                       "watcher.alerts", "watcher.watchlists", "watcher.extract", "watcher.bot"],
     "cli.py parses and dispatches to a verb (commands/), nothing more"),
    ([m for m in IMPORTS if m not in ("watcher.cli", "watcher.demo.story", "watcher.config")
      and not m.startswith("watcher.commands.")],
     ["watcher.config"], "the stages take settings; only the faces read sources.yaml"),
]


@pytest.mark.parametrize("who,never,why", CONTRACTS, ids=[c[2] for c in CONTRACTS])
def test_an_import_rule_of_the_architecture_holds(who, never, why):
    assert who, "a contract about no module guards nothing"
    broken = sorted((m, t) for m in who for t in IMPORTS[m]
                    if any(t == n or t.startswith(n + ".") for n in never))
    assert broken == [], why


def test_the_contracts_see_the_imports_they_are_about():
    # The reader finds relative, absolute and lazy imports: a contract that could not fail guards nothing.
    assert "watcher.config" in IMPORTS["watcher.cli"] and "watcher.store" in IMPORTS["watcher.bot.app"]
    assert "watcher.settings" in IMPORTS["watcher.sources._base"]
    assert "watcher.engine.cycle" in IMPORTS["watcher.commands.run"]  # imported inside a function


def test_the_data_between_the_stages_carries_no_functions():
    # A record says which file holds its text; reading it is its source's job (Source.read), wrapped by
    # reading ahead and shared reading as readers. Functions inside the data would hide who does the I/O.
    import dataclasses
    import typing

    from watcher import model

    classes = [c for c in vars(model).values() if dataclasses.is_dataclass(c) and c.__module__ == model.__name__]
    assert model.Record in classes and model.Subject in classes
    for cls in classes:
        for name, hint in typing.get_type_hints(cls).items():
            assert "Callable" not in str(hint) and "Awaitable" not in str(hint), f"{cls.__name__}.{name}: {hint}"


def test_the_kinds_of_change_and_the_verdicts_are_enums():
    import enum

    from watcher.model import DELETED, METADATA, NEW, OVERDUE, REVISED, UNCHANGED, ChangeKind, EventKind
    from watcher.news.classify import Verdict

    assert {NEW, REVISED, METADATA, UNCHANGED, DELETED} == set(ChangeKind) and OVERDUE in EventKind
    assert issubclass(Verdict, enum.Enum) and NEW == "new"  # stored and logged as their values
