"""Python literals and docstring text as ruff format writes them, for the generated module."""

from __future__ import annotations

import json

from symbp.codegen.lines import LINE_LIMIT
from symbp.codegen.printer import check_identifier


def literal(value, indent: int = 0, lead: int = 0) -> str:
    """Python source of a number, string, None, tuple, list or dict, as ruff format writes it.

    Strings are double-quoted by ``json.dumps`` (escaped, so no text can end
    the literal early); a container too long for one line is exploded one
    item per line with a trailing comma, which ruff format keeps as is.
    ``indent`` is the indentation of the line, ``lead`` the characters around
    the literal on it (``NAME = `` before, a comma after).
    """
    if isinstance(value, str):
        return json.dumps(value)
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, dict):
        items = [
            f"{literal(key)}: {literal(item, indent + 4, len(literal(key)) + 3)}"
            for key, item in value.items()
        ]
        opening, closing = "{", "}"
    else:
        items = [literal(item, indent + 4, 1) for item in value]
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
    flat = (
        opening + ", ".join(items) + ("," if isinstance(value, tuple) and len(items) == 1 else "") + closing
    )
    if indent + lead + len(flat) <= LINE_LIMIT and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{item},\n" for item in items)
    return f"{opening}\n{body}{' ' * indent}{closing}"


def docstring_text(text: str) -> str:
    """Free text made safe inside a triple-quoted docstring: one line, no backslash or quote left raw."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


def literal_names(names: list[str], indent: int) -> str:
    """A dict literal {"Z1": Z1, ...} of validated names, exploded when too long."""
    items = [f'"{check_identifier(name)}": {name}' for name in names]
    return _braced(items, indent)


def literal_names_dict(pairs: list[tuple[str, str]], indent: int) -> str:
    items = [f'"{check_identifier(key)}": {check_identifier(value)}' for key, value in pairs]
    return _braced(items, indent)


def _braced(items: list[str], indent: int) -> str:
    flat = "{" + ", ".join(items) + "}"
    if indent + len("return ") + len(flat) <= LINE_LIMIT:
        return flat
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "}"


def unpacked(
    pairs: list[tuple[str, str]], source: str, indent: int, every: list[str] | None = None
) -> list[str]:
    """Statements binding each (name, key) pair's name to ``source[key]``: one line when it fits, else
    one a name. When the keys are ``every`` parameter name (SHAPES's keys, in order), the line reads
    them in SHAPES's order."""
    names = [check_identifier(name) for name, _ in pairs]
    keys = [check_identifier(key) for _, key in pairs]
    if not names:
        return []
    if len(keys) > 1 and keys == every:
        line = f"{', '.join(names)} = ({source}[name] for name in SHAPES)"
    else:
        line = f"{', '.join(names)} = {', '.join(f'{source}[{json.dumps(key)}]' for key in keys)}"
    if indent + len(line) <= LINE_LIMIT:
        return [line]
    return [f"{name} = {source}[{json.dumps(key)}]" for name, key in pairs]
