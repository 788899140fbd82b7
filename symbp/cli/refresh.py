"""Rewrite ``generated/``: the module, ``.tex`` and ``.md`` of every built-in example.

Run ``python -m symbp.cli.refresh [FOLDER]`` from the checkout; the freshness
tests fail when a committed file differs from what symbp writes by one byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

from symbp.codegen.generator import generate
from symbp.derivation.engine import derive
from symbp.files import write_owned
from symbp.rendering.renderer import render
from symbp.spec.network import builtin_names, load_builtin

DOCUMENTS = {".tex": "latex", ".md": "markdown"}


def write_all(folder: Path) -> list[Path]:
    written = []
    for name in builtin_names():
        derivation = derive(load_builtin(name))
        written.append(write_owned(folder / f"{name}.py", generate(derivation)))
        for suffix, fmt in DOCUMENTS.items():
            written.append(write_owned(folder / f"{name}{suffix}", render(derivation, fmt)))
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "generated")):
        print(f"wrote {path}")
