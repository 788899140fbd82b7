"""Rewrite ``generated/`` (the module, ``.tex``, ``.md`` and ``.html`` page of every built-in example, and the
``.html`` page of every built-in graph network) and the profiles table of ``docs/notation.md``: a
maintainer's tool, not part of the installed package.

Run ``python tools/refresh.py [FOLDER]`` from the checkout (FOLDER defaults to
``generated``); it uses the symbp of the checkout it sits in. The freshness
tests fail when a committed file differs by one byte from what symbp writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
DOCUMENTS = {".tex": "latex", ".md": "markdown"}


def write_all(folder: Path) -> list[Path]:
    from symbp.codegen.generator import generate
    from symbp.derivation.any_network import derive
    from symbp.files import write_owned
    from symbp.pipeline.page import page_html
    from symbp.rendering.documents import render
    from symbp.spec.catalog import graph_builtin_names
    from symbp.spec.network import builtin_names, load_builtin

    written = []
    for name in builtin_names() + graph_builtin_names():
        derivation = derive(load_builtin(name))
        written.append(write_owned(folder / f"{name}.py", generate(derivation)))
        for suffix, fmt in DOCUMENTS.items():
            written.append(write_owned(folder / f"{name}{suffix}", render(derivation, fmt)))
        written.append(write_owned(folder / f"{name}.html", page_html(derivation)))
    return written


def refresh_notation_doc(path: Path) -> Path:
    """Rewrite the profiles table of docs/notation.md; the prose around it stays as written."""
    from symbp.derivation.engine import derive
    from symbp.files import atomic_write_bytes
    from symbp.rendering.notation_table import REFERENCE, profile_table, with_table
    from symbp.spec.network import load

    text = path.read_text(encoding="utf-8")
    atomic_write_bytes(path, with_table(text, profile_table(derive(load(REFERENCE)))).encode("utf-8"))
    return path


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(CHECKOUT))  # this checkout's symbp, whichever one is installed
    for path in write_all(Path(argv[0]) if argv else CHECKOUT / "generated"):
        print(f"wrote {path}")
    print(f"wrote {refresh_notation_doc(CHECKOUT / 'docs' / 'notation.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
