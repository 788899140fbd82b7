"""Build a PDF from a .tex file with latexmk or pdflatex, and read the log for problems.

The CLI's ``--pdf`` and the compile tests use this. Without a TeX installation
it raises one clear error saying what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
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
    """Compile ``tex_path`` into the PDF beside it; returns the PDF path or raises SymbpError.

    TeX runs in a private temporary folder (shell escape off), and only the
    finished PDF is moved into place with a rename: an interrupted or failed
    build never leaves a half-written PDF, and the by-products (.aux, .log,
    ...) do not litter the output folder. A failed build leaves its log beside
    the .tex for reading.

    >>> import symbp, tempfile, pathlib
    >>> tex = pathlib.Path(tempfile.mkdtemp()) / "half_adder.tex"
    >>> _ = tex.write_text(symbp.render(symbp.derive(symbp.load("half_adder")), "latex"))
    >>> from symbp.rendering.pdf import tex_available
    >>> pdf = symbp.build_pdf(tex) if tex_available() else tex.with_suffix(".pdf")  # TeX is optional
    >>> pdf.name
    'half_adder.pdf'
    """
    tex_path = Path(tex_path)
    if not tex_available():
        raise SymbpError(INSTALL_HINT)
    folder, name = tex_path.parent.resolve(), tex_path.name
    options = ["-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
    if shutil.which("latexmk"):
        commands = [["latexmk", "-pdf", *options, name]]
    else:
        once = ["pdflatex", *options, name]
        commands = [once, once]  # twice: references and labels settle on the second run
    with tempfile.TemporaryDirectory(dir=folder, prefix=".symbp-tex-") as workspace:
        shutil.copyfile(tex_path, Path(workspace) / name)
        for command in commands:
            try:
                result = subprocess.run(
                    command, cwd=workspace, capture_output=True, text=True, timeout=timeout
                )
            except subprocess.TimeoutExpired:
                raise SymbpError(f"{tex_path}: TeX did not finish within {timeout:g} s") from None
            if result.returncode != 0:
                raise SymbpError(_failure(tex_path, Path(workspace), result.stdout))
        pdf = tex_path.with_suffix(".pdf")
        os.replace(Path(workspace) / pdf.name, pdf)
    return pdf


def _failure(tex_path: Path, workspace: Path, output: str) -> str:
    """The first TeX error, with the log copied beside the .tex for reading."""
    log = workspace / (tex_path.stem + ".log")
    kept = tex_path.with_suffix(".log")
    if log.exists():
        shutil.copyfile(log, kept)
    errors = read_log(log.read_text(errors="replace")).errors if log.exists() else ()
    first = errors[0] if errors else output.strip().splitlines()[-1:]
    return f"{tex_path}: pdflatex failed: {first} (see {kept})"
