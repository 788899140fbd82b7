"""The torch backend's table: each NumPy call the codegen printers write, as the torch call that computes it.

The printers (``printer.py`` for plain expressions, ``inplace.py`` and
``step.py`` for the in-place step) print every derived equation once, with
NumPy's names; a statement for torch is that statement with each ``np.<name>``
call looked up here. Operators (``@``, ``*``, ``**``, ``.T``), augmented
assignments and ``out=`` read the same in both libraries. Where torch's own
function takes other arguments than NumPy's ufunc (a Python float as first
operand, ``axis=``, a scalar ``where`` value), the module's ``_name`` helper
(``backends/torch_ops.py``) takes NumPy's. A call missing from the table is
refused with its name: nothing is printed that the table does not translate.
"""

from __future__ import annotations

import re

# np.<name> -> torch source; "_name" are the helpers of torch_ops.py (copied into the module)
CALLS = {
    "add": "_add",
    "subtract": "_subtract",
    "multiply": "_multiply",
    "divide": "_divide",
    "maximum": "_maximum",
    "minimum": "_minimum",
    "power": "_power",
    "greater": "_greater",
    "greater_equal": "_greater_equal",
    "less": "_less",
    "less_equal": "_less_equal",
    "equal": "_equal",
    "not_equal": "_not_equal",
    "heaviside": "_heaviside",
    "logaddexp": "_logaddexp",
    "where": "_where",
    "copyto": "_copyto",
    "sum": "_sum",
    "negative": "torch.neg",
    "exp": "torch.exp",
    "log": "torch.log",
    "tanh": "torch.tanh",
    "sinh": "torch.sinh",
    "cosh": "torch.cosh",
    "sin": "torch.sin",
    "cos": "torch.cos",
    "arctan": "torch.atan",
    "abs": "torch.abs",
    "sign": "torch.sign",
    "square": "torch.square",
    "sqrt": "torch.sqrt",
    "logical_not": "torch.logical_not",
    "logical_and": "torch.logical_and",
    "logical_or": "torch.logical_or",
    "matmul": "torch.matmul",
    "dot": "torch.matmul",
}
# the binary calls torch takes with a tensor first and a tensor or Python number second
DIRECT = {
    "add": "torch.add",
    "subtract": "torch.sub",
    "multiply": "torch.mul",
    "divide": "torch.div",
    "power": "torch.pow",
    "greater": "torch.gt",
    "greater_equal": "torch.ge",
    "less": "torch.lt",
    "less_equal": "torch.le",
    "equal": "torch.eq",
    "not_equal": "torch.ne",
}
# the scalars of the step (inplace.py prints them by these names); anything else named is a tensor
SCALARS = frozenset({"learning_rate", "N", "L2"})
_CALL = re.compile(r"\bnp\.(\w+)\(")
# an in-place step statement: np.f(first, second, out=buffer), its operands names, views or numbers
_BINARY = re.compile(r"^np\.(\w+)\(([^,()]+), ([^()]+), out=([\w\[\]]+)\)$")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# the step's buffers: np.empty(shape, dtype) / np.empty(shape, bool) / np.ones(N, dtype), on the device
_BUFFER = re.compile(r"\bnp\.(empty|ones)\((\(.*?\)|\w+), (dtype|bool)\)")
_FULL = re.compile(r"\bnp\.full\((\w+)\.shape, ")
# a column sum as 1^T M (inplace.py's ColumnSum): torch.mv, whose vector output is not resized as
# torch.matmul's is for a vector times a matrix
_COLUMN_SUM = re.compile(r"\bnp\.(?:dot|matmul)\(ones, (\w+), out=([\w\[\]0]+)\)")


def _buffer(match: re.Match) -> str:
    kind, shape, dtype = match.groups()
    dtype = "torch.bool" if dtype == "bool" else "dtype"
    return f"torch.{kind}({shape}, dtype={dtype}, device=device)"


def _call(match: re.Match) -> str:
    name = match.group(1)
    if name not in CALLS:
        raise ValueError(f"the torch backend has no translation of np.{name}")
    return CALLS[name] + "("


def _is_tensor(operand: str) -> bool:
    return bool(set(_IDENTIFIER.findall(operand)) - SCALARS)


def _direct(statement: str) -> str | None:
    """torch.f(first, second, out=buffer) for a step statement whose first operand is a tensor: no
    helper call between the step and torch."""
    match = _BINARY.match(statement)
    if match is None or match.group(1) not in DIRECT or not _is_tensor(match.group(2)):
        return None
    name, first, second, out = match.groups()
    return f"{DIRECT[name]}({first}, {second}, out={out})"


def to_torch(statement: str) -> str:
    """``statement`` (printed for NumPy) computing the same with torch tensors."""
    direct = _direct(statement)
    if direct is not None:
        return direct
    statement = _BUFFER.sub(_buffer, statement)
    statement = _FULL.sub(r"torch.full_like(\1, ", statement)
    statement = _COLUMN_SUM.sub(r"torch.mv(\1.T, ones, out=\2)", statement)
    statement = statement.replace(".fill(", ".fill_(")
    return _CALL.sub(_call, statement)


def to_torch_lines(statements: list[str]) -> list[str]:
    return [to_torch(statement) for statement in statements]
