"""The training runtime's source (``runtime.py``) as a generated module carries it.

A generated module is one standalone file: its derived part, then the runtime
copied verbatim from its section line to the end. The runtime's imports join
the derived part's at the top of the file (one sorted block, as ruff wants);
its package-only import of the derived names is not copied, since the derived
part above defines them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_ONLY = "# symbp: package only"
SECTION = "# ---- the training runtime"


@cache
def runtime_parts() -> tuple[tuple[str, ...], str]:
    """(the runtime's import statements, its source from the section line to the end)."""
    text = (Path(__file__).parent / "runtime.py").read_text(encoding="utf-8")
    head, body = text[: text.index(PACKAGE_ONLY)], text[text.index(SECTION) :]
    imports = tuple(line for line in head.splitlines() if line.startswith(("import ", "from ")))
    return imports, body


def import_block(derived: set[str], minimal: bool = False) -> str:
    """The module's imports: the derived part's ``derived`` ones and NumPy, and the runtime's unless
    ``minimal``, sorted as ruff does (``import x`` before ``from x import y``, then NumPy)."""
    imports = () if minimal else runtime_parts()[0]
    statements = {*imports, *derived, "import numpy as np"}
    third_party = sorted(line for line in statements if _top(line) == "numpy")
    standard = [line for line in statements if line not in third_party]
    standard.sort(key=lambda line: (line.startswith("from "), _top(line, whole=True)))
    return "\n\n".join("\n".join(section) for section in (standard, third_party) if section)


def _top(line: str, whole: bool = False) -> str:
    module = line.split()[1]
    return module if whole else module.split(".")[0]
