"""Reading one spec field: each check raises a SpecError naming the field, the value and what is allowed."""

from __future__ import annotations

import math
import re
import unicodedata

from symbp.errors import SpecError
from symbp.spec.functions import NAME_PATTERN


def require_int(field: str, value: object, minimum: int, maximum: int | None = None) -> int:
    top = f" and at most {maximum}" if maximum is not None else ""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(field, value, f"an integer at least {minimum}{top}")
    if maximum is not None and value > maximum:
        raise SpecError(field, value, f"an integer at least {minimum}{top}")
    return value


def require_number(field: str, value: object, minimum: float, *, strict: bool) -> float:
    relation = ">" if strict else ">="
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or (value <= minimum if strict else value < minimum)
    ):
        raise SpecError(field, value, f"a finite number {relation} {minimum:g}")
    return float(value)


# keys other tools use for a setting that a spec names otherwise
SYNONYMS = {
    "max_iter": "epochs",
    "maxiter": "epochs",
    "iterations": "epochs",
    "lr": "learning_rate",
    "patience": "early_stopping",
    "loss": "cost",
    "activations": "activation",
}


def _close_matches(key: str, allowed: tuple[str, ...]) -> list[str]:
    import difflib  # only for the message of a bad spec: a valid one never pays its import

    return difflib.get_close_matches(key, allowed, n=1)


def reject_unknown(field: str, table: dict, allowed: tuple[str, ...]):
    for key in table:
        if key not in allowed:
            where = f"{field}.{key}" if field else str(key)
            known = f"known keys are {', '.join(allowed)}"
            if SYNONYMS.get(key) in allowed:
                known += f" ({key} is called {SYNONYMS[key]} here)"
            elif close := _close_matches(str(key), allowed):
                known += f" (did you mean {close[0]}?)"
            raise SpecError(where, table[key], known)


def require_name(field: str, value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value):
        raise SpecError(field, value, "a name of 1-32 letters, digits or _ starting with a letter")
    return value


def parse_rows(field: str, value: object, width: int) -> tuple[tuple[float, ...], ...]:
    if not isinstance(value, list) or not value:
        raise SpecError(field, value, "a non-empty list of rows (lists of numbers)")
    rows = []
    for index, row in enumerate(value):
        if not isinstance(row, list) or len(row) != width:
            raise SpecError(f"{field}[{index}]", row, f"a row of exactly {width} numbers")
        for number in row:
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                raise SpecError(f"{field}[{index}]", row, "finite numbers only")
        rows.append(tuple(float(number) for number in row))
    return tuple(rows)


def require_fraction(field: str, value: object) -> float:
    """A number in [0, 1) (momentum, beta1, beta2, the validation fraction)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise SpecError(field, value, "a number at least 0 and below 1")
    return float(value)


def reject_control_characters(spec: dict):
    """No string anywhere in the spec holds a control character other than tab and newline.

    A NUL in a description would make the generated module unimportable, an
    escape sequence would reach the terminal; one walk (without recursion: the
    value may nest deeply) covers every field, present and future.
    """
    pending = [("", spec)]
    while pending:
        field, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((f"{field}.{key}" if field else str(key), item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((f"{field}[{index}]", item) for index, item in enumerate(value))
        elif isinstance(value, str) and any(_is_control(char) for char in value):
            raise SpecError(field, value, "text without control characters (tab and newline are allowed)")


def _is_control(char: str) -> bool:
    return char not in "\t\n" and unicodedata.category(char) in ("Cc", "Cs")
