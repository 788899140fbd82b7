"""Build a PDF from a .tex file with latexmk or pdflatex, and read the log for problems.

The CLI's ``--pdf`` and the compile tests use this. Without a TeX installation
it raises one clear error saying what to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from symbp.errors import SymbpError

INSTALL_HINT = (
    "no TeX installation found (pdflatex); on Debian or Ubuntu install it with: "
    "apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures latexmk"
)
_OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\) (in paragraph|detected)", re.M)


@dataclass(frozen=True)
class LogReport:
    """What a pdflatex log says: errors, undefined references, overfull boxes (pt)."""

    errors: tuple[str, ...]
    undefined: tuple[str, ...]
    overfull: tuple[float, ...]


def read_log(text: str) -> LogReport:
    errors = tuple(line for line in text.splitlines() if line.startswith("!"))
    undefined = tuple(re.findall(r"Reference `([^']+)' on page \d+ undefined", text))
    overfull = tuple(float(width) for width, _ in _OVERFULL.findall(text))
    return LogReport(errors, undefined, overfull)


def tex_available() -> bool:
    return shutil.which("pdflatex") is not None


def build_pdf(tex_path: str | Path, timeout: float = 300) -> Path:
    """Compile ``tex_path`` next to itself; returns the PDF path or raises SymbpError."""
    tex_path = Path(tex_path)
    if not tex_available():
        raise SymbpError(INSTALL_HINT)
    folder, name = tex_path.parent.resolve(), tex_path.name
    if shutil.which("latexmk"):
        commands = [["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", name]]
    else:
        once = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name]
        commands = [once, once]  # twice: references and labels settle on the second run
    for command in commands:
        try:
            result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SymbpError(f"{tex_path}: TeX did not finish within {timeout:g} s") from None
        if result.returncode != 0:
            log = folder / (tex_path.stem + ".log")
            errors = read_log(log.read_text(errors="replace")).errors if log.exists() else ()
            first = errors[0] if errors else result.stdout.strip().splitlines()[-1:]
            raise SymbpError(f"{tex_path}: pdflatex failed: {first} (see {log})")
    return tex_path.with_suffix(".pdf")
