"""The jax backend's table: the NumPy calls of the plain derived statements, as jax.numpy calls.

The jax module prints the plain statements (``printer.py``: the forward
lines, the cost, ``gradients``' backward lines), not the in-place step:
jax arrays are immutable, and ``jax.jit`` with donated parameters gives the
step its buffers back instead. jax.numpy takes NumPy's arguments for every
call listed here; a call missing from the table is refused with its name.
"""

from __future__ import annotations

import re

CALLS = frozenset(
    {
        "abs",
        "arctan",
        "cos",
        "cosh",
        "equal",
        "exp",
        "full",
        "greater",
        "greater_equal",
        "heaviside",
        "less",
        "less_equal",
        "log",
        "logaddexp",
        "logical_and",
        "logical_not",
        "logical_or",
        "maximum",
        "minimum",
        "not_equal",
        "power",
        "sign",
        "sin",
        "sinh",
        "sqrt",
        "square",
        "sum",
        "tanh",
        "where",
    }
)
_CALL = re.compile(r"\bnp\.(\w+)\(")


def _call(match: re.Match) -> str:
    name = match.group(1)
    if name not in CALLS:
        raise ValueError(f"the jax backend has no translation of np.{name}")
    return f"jnp.{name}("


def to_jax_lines(statements: list[str]) -> list[str]:
    """``statements`` (printed for NumPy) computing the same with jax.numpy."""
    return [_CALL.sub(_call, statement) for statement in statements]
