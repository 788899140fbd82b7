"""Rewrite ``generated/`` (the module, ``.tex`` and ``.md`` of every built-in example) and the
profiles table of ``docs/notation.md``.

Run ``python -m symbp.cli.refresh [FOLDER]`` from the checkout; the freshness
tests fail when a committed file differs from what symbp writes by one byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

from symbp.codegen.generator import generate
from symbp.derivation.engine import derive
from symbp.files import atomic_write_bytes, write_owned
from symbp.rendering.documents import render
from symbp.rendering.notation_table import REFERENCE, profile_table, with_table
from symbp.spec.network import builtin_names, load, load_builtin

DOCUMENTS = {".tex": "latex", ".md": "markdown"}


def write_all(folder: Path) -> list[Path]:
    written = []
    for name in builtin_names():
        derivation = derive(load_builtin(name))
        written.append(write_owned(folder / f"{name}.py", generate(derivation)))
        for suffix, fmt in DOCUMENTS.items():
            written.append(write_owned(folder / f"{name}{suffix}", render(derivation, fmt)))
    return written


def refresh_notation_doc(path: Path) -> Path:
    """Rewrite the profiles table of docs/notation.md; the prose around it stays as written."""
    text = path.read_text(encoding="utf-8")
    atomic_write_bytes(path, with_table(text, profile_table(derive(load(REFERENCE)))).encode("utf-8"))
    return path


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "generated")):
        print(f"wrote {path}")
    print(f"wrote {refresh_notation_doc(Path('docs') / 'notation.md')}")
