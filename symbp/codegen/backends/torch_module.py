"""A PyTorch training module from a Derivation: the NumPy module's derived statements through the torch table.

The generator's context prints every forward, cost and backward statement
(plain and in place) from the derivation, with NumPy's names; here each is
translated by ``torch_table`` and printed into ``torch_module.py.j2``, with
the torch helpers (``torch_ops.py``) ahead of the derived part and the
runtime after it: ``History`` from the NumPy runtime's ``progress`` part and
the torch ``train`` and helpers (``torch_training.py``).
"""

from __future__ import annotations

from pathlib import Path

from symbp.codegen.backends.torch_table import to_torch, to_torch_lines
from symbp.codegen.runtime_source import import_block, part_source
from symbp.templating import environment

HERE = Path(__file__).parent
# (folder, part) in the order the module carries them after its derived part
RUNTIME = ((None, "progress"), (HERE, "torch_training"))
TORCH_IMPORT = "import torch"
SECTION = "# ---- the training runtime: runtime/progress.py, backends/torch_training.py, copied verbatim ----"


def _parts() -> tuple[tuple[str, ...], str, str]:
    """(the runtime's imports, the ops' source, the runtime's section line and sources)."""
    imports, bodies = [], [SECTION]
    for folder, name in RUNTIME:
        own, body = part_source(name) if folder is None else part_source(name, folder)
        imports += own
        bodies.append(body)
    ops_imports, ops = part_source("torch_ops", HERE)
    imports += ops_imports
    # torch is imported on its own, so that a module without it says what to install
    kept = tuple(line for line in imports if line != TORCH_IMPORT)
    return kept, ops, "\n\n\n".join(bodies)


def _comments_above(statements: list[str], indent: int = 4, width: int = 110) -> list[str]:
    """A trailing comment that would make its line too long, on a line of its own above the statement."""
    result = []
    for statement in statements:
        code, _, comment = statement.partition("  # ")
        if comment and indent + len(statement) > width:
            result += [f"# {comment}", code]
        else:
            result.append(statement)
    return result


def generate_torch(values: dict) -> str:
    """The torch module's source from the NumPy module's render values (the generator's context)."""
    values = dict(values)
    for key in ("forward_lines", "cost_lines", "buffer_lines", "step_forward", "step_update"):
        values[key] = to_torch_lines(values[key])
    for key in ("backward_lines", "step_backward"):
        values[key] = [(label, to_torch_lines(statements)) for label, statements in values[key]]
    values["buffer_lines"] = _comments_above(values["buffer_lines"])
    values["forward_return"] = to_torch(values["forward_return"])
    imports, ops, runtime = _parts()
    values["imports"] = import_block(set(), runtime=imports)
    values["ops"], values["runtime"] = ops, runtime
    return environment().get_template("torch_module.py.j2").render(**values)
