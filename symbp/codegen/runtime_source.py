"""The training runtime's source (``symbp/codegen/runtime/``) as a generated module carries it.

A generated module is one standalone file: its derived part, then one line
saying what follows, then each part of the runtime copied verbatim from its
``# symbp: copied`` line to its end. The parts' imports join the derived
part's at the top of the file (one sorted block, as ruff wants); their
package-only imports (of the derived names and of each other) are not copied,
since in the module those names are defined above them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from symbp.codegen.runtime import PARTS

PACKAGE_ONLY = "# symbp: package only"
COPIED = "# symbp: copied\n"
SECTION = "# ---- the training runtime: symbp/codegen/runtime/*.py, copied verbatim (train, save, main) ----"
FOLDER = Path(__file__).parent / "runtime"


def part_source(name: str, folder: Path = FOLDER) -> tuple[tuple[str, ...], str]:
    """(the part's own import statements, its source after the ``# symbp: copied`` line)."""
    text = (folder / f"{name}.py").read_text(encoding="utf-8")
    head, body = text.split(COPIED, 1)
    head = head.split(PACKAGE_ONLY, 1)[0]
    imports = tuple(line for line in head.splitlines() if line.startswith(("import ", "from ")))
    return imports, body.strip("\n")


@cache
def runtime_parts() -> tuple[tuple[str, ...], str]:
    """(every part's import statements, the section line and the parts' sources in order)."""
    imports, bodies = [], [SECTION]
    for name in PARTS:
        own, body = part_source(name)
        imports += own
        bodies.append(body)
    return tuple(imports), "\n\n\n".join(bodies)


def import_block(derived: set[str], minimal: bool = False, runtime: tuple[str, ...] | None = None) -> str:
    """The module's imports: the derived part's ``derived`` ones and NumPy, and the runtime's unless
    ``minimal`` (``runtime``: those of another runtime than the NumPy one), merged and sorted as ruff
    does (``import x`` before ``from x import y``, then NumPy)."""
    statements = {*derived, "import numpy as np"}
    names: dict[str, set[str]] = {}
    for line in () if minimal else runtime_parts()[0] if runtime is None else runtime:
        if line.startswith("from "):
            module, imported = line[len("from ") :].split(" import ")
            names.setdefault(module, set()).update(name.strip() for name in imported.split(","))
        else:
            statements.add(line)
    statements |= {
        f"from {module} import {', '.join(sorted(imported))}" for module, imported in names.items()
    }
    third_party = sorted(line for line in statements if _top(line) == "numpy")
    standard = [line for line in statements if line not in third_party]
    standard.sort(key=lambda line: (line.startswith("from "), line.split()[1]))
    return "\n\n".join("\n".join(section) for section in (standard, third_party) if section)


def _top(line: str) -> str:
    return line.split()[1].split(".")[0]
