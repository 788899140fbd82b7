"""The Jinja2 environment of symbp's document templates, and its text filters.

Delimiters are nbconvert's ``((* *))``, ``((( )))`` and ``((= =))``: with
Jinja2's defaults ``a^{{2}}`` silently renders as ``a^2`` in a TeX template.
Undefined names raise (``StrictUndefined``). Plain text from a spec (names,
descriptions) goes through ``escape_latex`` / ``escape_markdown``; maths comes
from ``symbp.printing`` and is never escaped.
"""

from __future__ import annotations

import unicodedata

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
    '"': r"\textquotedbl{}",
}
_MARKDOWN_SPECIALS = set("\\`*_{}[]<>()#+-.!|$~")


def _ascii(text: str) -> str:
    """Plain ASCII: accents dropped (é -> e), other characters outside ASCII replaced by '?'.

    pdflatex with the default OT1 fonts stops on characters it has no glyph for;
    the document must compile whatever a spec description contains.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch if ch.isascii() else "?" for ch in kept)


def escape_latex(text: object) -> str:
    """``text`` as LaTeX that prints it literally (TeX specials escaped, whitespace collapsed)."""
    plain = " ".join(_ascii(str(text)).split())
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in plain)


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that prints it literally (no emphasis, links, HTML or maths)."""
    plain = " ".join(str(text).split())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in plain)


def anchor(label: str) -> str:
    """An HTML id for an equation label: "eq:dW-L-1" -> "eq-dW-L-1"."""
    return label.replace(":", "-")


def table_math(tex: str) -> str:
    """Maths for a Markdown table cell, where a bare '|' would end the cell."""
    return tex.replace("|", r"\vert ")


def environment() -> jinja2.Environment:
    """The environment that loads ``symbp/templates`` (shipped inside the package)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("symbp", "templates"),
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
