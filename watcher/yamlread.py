"""Reading YAML with PyYAML, into plain values and the line of each (yamlfile.Located). Imported only when
a file is read that yamlfile has not read before: PyYAML's import alone (its reader's character pattern) is
a tenth of what `watcher status` costs."""

from __future__ import annotations

import yaml

from .yamlfile import MAX_DEPTH, TOO_DEEP, Located, Path, Problem, YAMLSyntaxError, dotted

# libyaml's parser when PyYAML has it (its wheels do): the pure-Python scanner took 7 s over a watchlist of
# 100,000 rules. Our composer stays on top of it, to refuse aliases before anything is expanded.
try:
    from yaml.cyaml import CParser as _Parser
except ImportError:
    _Parser = None
_Base = (yaml.composer.Composer, _Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver) if _Parser \
    else (yaml.SafeLoader,)


class _NoAliases(*_Base):
    """SafeLoader that refuses anchors and aliases where it meets them, before anything is expanded.

    An alias is a reference, and a few nested ones stand for billions of values (a 700-byte "alias bomb"
    kept `watcher check` busy past a minute at 1.4 GB). sources.yaml has no need of them: a value written
    out twice is clearer to the next person who edits the file.
    """

    file = ""
    depth = 0

    def __init__(self, text: str):
        if _Parser is None:
            yaml.SafeLoader.__init__(self, text)
            return
        _Parser.__init__(self, text)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise YAMLSyntaxError(Problem(
                self.file, event.start_mark.line + 1, "(syntax)",
                f"YAML anchors and aliases ({sign}{event.anchor}) are not accepted here: write the value out"))
        # Our own bound, well below the parser's (PyYAML 6.0.4 stops at 1,000 levels with words of its own,
        # older ones ran into Python's recursion limit): a config file is a few levels deep, and the
        # operator reads one sentence whichever PyYAML is installed.
        if self.depth >= MAX_DEPTH:
            raise YAMLSyntaxError(Problem(self.file, event.start_mark.line + 1, "(syntax)", TOO_DEEP))
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read(text: str, file: str) -> Located:
    loader = None
    try:
        loader = _NoAliases(text)
        loader.file = file
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        # libyaml's scanner reads ahead of our composer in a flow collection ([[[[…), so it meets its
        # own nesting limit first; the operator still reads our sentence.
        message = TOO_DEEP if _brackets_deeper_than(text, MAX_DEPTH) else f"{e.problem or e}"
        raise YAMLSyntaxError(Problem(file, line, "(syntax)", message)) from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (NUL, other controls)
        line = text.count("\n", 0, e.position) + 1
        raise YAMLSyntaxError(Problem(file, line, "(syntax)",
                                      f"character {e.character:#06x} is not allowed in a YAML file")) from None
    except RecursionError:
        raise YAMLSyntaxError(Problem(file, 1, "(syntax)", TOO_DEEP)) from None
    finally:
        if loader is not None:
            loader.dispose()
    located = Located(file, None, {(): 1})
    if node is not None:
        # One constructor for every scalar of the file: making one per scalar was most of the time a big
        # watchlist (100,000 rules) took to load.
        constructor = yaml.SafeLoader("")
        try:
            located.data = _convert(node, (), located, constructor)
        except RecursionError:
            raise YAMLSyntaxError(Problem(file, 1, "(syntax)", TOO_DEEP)) from None
        finally:
            constructor.dispose()
    return located


def _brackets_deeper_than(text: str, bound: int) -> bool:
    """Whether flow brackets open more than `bound` deep: asked only of a file the parser refused."""
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > bound:
                return True
        elif char in "]}":
            depth = max(0, depth - 1)
    return False


def _convert(node: yaml.Node, path: Path, located: Located, constructor):
    located.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YAMLSyntaxError(Problem(located.file, line, dotted(path), "a key must be plain text"))
            key = str(_scalar(key_node, located.file, constructor))
            if key in out:
                raise YAMLSyntaxError(Problem(located.file, line, dotted(path + (key,)), "key appears twice"))
            located.lines[path + (key,)] = line
            out[key] = _convert(value_node, path + (key,), located, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), located, constructor) for i, item in enumerate(node.value)]
    return _scalar(node, located.file, constructor)


def _scalar(node: yaml.ScalarNode, file: str, constructor):
    # Resolve the scalar as SafeLoader would, but keep dates as ISO text: "since: 2024-01-01"
    # means a day, and the rest of the code takes text.
    try:
        value = constructor.construct_scalar(node) if node.tag == "tag:yaml.org,2002:str" \
            else constructor.construct_object(node, deep=True)
    except ValueError:
        # Looks like a date but is none (2024-13-45): the text goes on, and the key that wants a date
        # says what is wrong with it.
        return node.value
    except yaml.constructor.ConstructorError as e:
        raise YAMLSyntaxError(Problem(file, node.start_mark.line + 1, "(syntax)", str(e.problem))) from None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
