"""The one Jinja2 environment of symbp's templates, and its text filters.

Delimiters are nbconvert's ``((* *))``, ``((( )))`` and ``((= =))``: with
Jinja2's defaults ``a^{{2}}`` silently renders as ``a^2`` in a TeX template.
Undefined names raise (``StrictUndefined``). Plain text from a spec (names,
descriptions) goes through ``escape_latex`` / ``escape_markdown``; maths comes
from ``symbp.rendering.latex`` and is never escaped.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import jinja2

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_MARKDOWN_SPECIALS = set("\\`*_[]<>|$~")


def _ascii(text: str) -> str:
    """Plain ASCII: accents dropped (é -> e), other characters outside ASCII replaced by '?'.

    pdflatex with the default OT1 fonts stops on characters it has no glyph for;
    the document must compile whatever a spec description contains.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch if ch.isascii() else "?" for ch in kept)


def _latex_literal(text: str) -> str:
    """TeX specials escaped, nothing else changed."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def latex_literal(text: str) -> str:
    """``text`` as LaTeX that prints it literally, spaces kept (a piece of a longer line)."""
    return _latex_literal(_ascii(text))


def markdown_literal(text: str) -> str:
    """Markdown specials backslash-escaped, nothing else changed."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text)


def escape_latex(text: object) -> str:
    """``text`` as LaTeX that prints it literally (TeX specials escaped, whitespace collapsed)."""
    return _latex_literal(" ".join(_ascii(str(text)).split()))


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that prints it literally (no emphasis, links, HTML or maths)."""
    return markdown_literal(" ".join(str(text).split()))


def anchor(label: str) -> str:
    """An HTML id for an equation label: "eq:dW-L-1" -> "eq-dW-L-1"."""
    return label.replace(":", "-")


def table_math(tex: str) -> str:
    """Maths for a Markdown table cell, where a bare '|' would end the cell."""
    return tex.replace("|", r"\vert ")


def template_folder() -> Path:
    """The folder of symbp's templates: ``symbp/templates`` in an installed wheel, where
    pyproject.toml maps the checkout's top-level ``templates/``; that folder itself in a
    checkout or an editable install."""
    package = Path(__file__).resolve().parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


def environment() -> jinja2.Environment:
    """The one environment of every template: documents, generated modules, the descent loop."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder()),
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["escape_latex"] = escape_latex
    env.filters["escape_markdown"] = escape_markdown
    env.filters["anchor"] = anchor
    env.filters["table_math"] = table_math
    return env
