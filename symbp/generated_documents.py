"""Refresh ``generated/NAME.tex`` and ``generated/NAME.md`` for every built-in example.

Run ``python -m symbp.generated_documents [FOLDER]`` from the checkout;
``tests/test_render.py`` fails when a committed document differs by one byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

from symbp.derive import derive
from symbp.files import write_owned
from symbp.render import render
from symbp.spec import builtin_names, load_builtin

SUFFIXES = {".tex": "latex", ".md": "markdown"}


def write_all(folder: Path) -> list[Path]:
    written = []
    for name in builtin_names():
        derivation = derive(load_builtin(name))
        for suffix, fmt in SUFFIXES.items():
            written.append(write_owned(folder / f"{name}{suffix}", render(derivation, fmt)))
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "generated")):
        print(f"wrote {path}")
