"""A PyTorch or JAX training module from a Derivation: the NumPy module's derived statements, translated.

The generator's context prints every forward, cost and backward statement
(plain and in place) from the derivation, with NumPy's names. For torch each
is translated by ``torch_table`` and printed into ``torch_module.py.j2``
(the in-place step included); for jax the plain statements by ``jax_table``
into ``jax_module.py.j2`` (jit writes the step). The backend's helpers
(``<backend>_ops.py``) go ahead of the derived part and its runtime after it:
the NumPy runtime's ``progress``, ``settings`` and ``minimize`` parts,
``<backend>_training.py`` (the library's engine), what the two share
(``array_training.py``: train and the helpers), then the NumPy runtime's
``entry`` part (main).
"""

from __future__ import annotations

from pathlib import Path

from symbp.codegen.backends.jax_table import to_jax_lines
from symbp.codegen.backends.torch_table import to_torch, to_torch_lines
from symbp.codegen.runtime_source import import_block, part_source
from symbp.templating import environment

HERE = Path(__file__).parent
# the library's own imports, written in a try block, so that a module without it says what to install
LIBRARY_IMPORTS = {
    "torch": ("import torch",),
    "jax": ("import jax", "import jax.numpy as jnp", "import jax.scipy.special"),
}


def _section(backend: str) -> str:
    parts = (
        f"runtime/progress.py, settings.py, minimize.py, backends/{backend}_training.py, array_training.py"
    )
    return f"# ---- the training runtime, copied: {parts} ----"


def _parts(backend: str) -> tuple[str, str, str]:
    """(the module's import block, the ops' source, the runtime's section line and sources)."""
    imports, bodies = [], [_section(backend)]
    named = (None, "progress"), (None, "settings"), (None, "minimize")
    for folder, name in (*named, (HERE, f"{backend}_training"), (HERE, "array_training"), (None, "entry")):
        own, body = part_source(name) if folder is None else part_source(name, folder)
        imports += own
        bodies.append(body)
    ops_imports, ops = part_source(f"{backend}_ops", HERE)
    kept = tuple(line for line in (*imports, *ops_imports) if line not in LIBRARY_IMPORTS[backend])
    return import_block(set(), runtime=kept), ops, "\n\n\n".join(bodies)


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


def generate_backend(values: dict, backend: str) -> str:
    """The ``backend`` module's source from the NumPy module's render values (the generator's context)."""
    values = dict(values)
    if backend == "torch":
        lines, keys = to_torch_lines, ("buffer_lines", "step_forward", "step_update")
        values["forward_return"] = to_torch(values["forward_return"])
    else:
        lines, keys = to_jax_lines, ()
    for key in ("forward_lines", "cost_lines", *keys):
        values[key] = lines(values[key])
    for key in ("backward_lines", "step_backward") if backend == "torch" else ("backward_lines",):
        values[key] = [(label, lines(statements)) for label, statements in values[key]]
    if backend == "torch":
        values["buffer_lines"] = _comments_above(values["buffer_lines"])
    values["imports"], values["ops"], values["runtime"] = _parts(backend)
    return environment().get_template(f"{backend}_module.py.j2").render(**values)
