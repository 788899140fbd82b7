"""Build a PDF from a .tex file with latexmk or pdflatex, and read the log for problems.

The CLI's ``--pdf`` and the compile tests use this. Without a TeX installation
it raises one clear error saying what to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from symbp.errors import SymbpError
from symbp.files import check_writable, write_owned, write_owned_bytes
from symbp.processes import own_session

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


def build_pdf(tex_path: str | Path, timeout: float = 300, force: bool = False) -> Path:
    """Compile ``tex_path`` into the PDF beside it; returns the PDF path or raises SymbpError.

    TeX runs in a private temporary folder (shell escape off, its own process
    group), and only the finished PDF is written beside the .tex, atomically
    and under the ownership rule of every output (a PDF symbp did not write is
    refused unless ``force``): an interrupted or failed build never leaves a
    half-written PDF, a running TeX or its temporary folder behind, and the
    by-products (.aux, .log, ...) do not litter the output folder. A failed
    build keeps its log beside the .tex for reading.

    >>> import symbp, tempfile, pathlib
    >>> tex = pathlib.Path(tempfile.mkdtemp()) / "half_adder.tex"
    >>> _ = tex.write_text(symbp.render(symbp.derive(symbp.load("half_adder")), "latex"))
    >>> from symbp.rendering.pdf import tex_available
    >>> pdf = symbp.build_pdf(tex) if tex_available() else tex.with_suffix(".pdf")  # TeX is optional
    >>> pdf.name
    'half_adder.pdf'
    """
    tex_path = Path(tex_path)
    pdf = tex_path.with_suffix(".pdf")
    check_writable(pdf, force)
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
            returncode, output = _run(command, Path(workspace), timeout, tex_path)
            if returncode != 0:
                raise SymbpError(_failure(tex_path, Path(workspace), command[0], output, force))
        write_owned_bytes(pdf, (Path(workspace) / pdf.name).read_bytes(), force)
    return pdf


def _run(command: list[str], workspace: Path, timeout: float, tex_path: Path) -> tuple[int, str]:
    """Run one TeX command in its own process group, which is ended however this call ends.

    A new session keeps a terminal's Ctrl-C from reaching TeX directly; the
    group is killed on a timeout, an interrupt or SIGTERM (which the CLI turns
    into an exception), so latexmk and its pdflatex never outlive symbp.
    """
    options = {"cwd": workspace, "stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE}
    with own_session(command, stderr=subprocess.STDOUT, text=True, errors="replace", **options) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SymbpError(f"{tex_path}: TeX did not finish within {timeout:g} s") from None
    return process.returncode, output


def _failure(tex_path: Path, workspace: Path, program: str, output: str, force: bool) -> str:
    """The first TeX error of this build and the log it came from (kept beside the .tex)."""
    log = workspace / (tex_path.stem + ".log")
    if not log.is_file():
        last = output.strip().splitlines()[-1:] or ["no output"]
        return f"{tex_path}: {program} failed before TeX wrote a log: {last[0]}"
    text = log.read_text(encoding="utf-8", errors="replace")
    errors = read_log(text).errors
    first = errors[0] if errors else "TeX stopped without an error line"
    kept = tex_path.with_suffix(".log")
    try:
        write_owned(kept, text, force)
    except SymbpError:
        return f"{tex_path}: pdflatex failed: {first} (its log was not kept: {kept} is not symbp's)"
    return f"{tex_path}: pdflatex failed: {first} (this build's log: {kept})"
