"""The one Jinja2 environment of symbp's templates, and its text filters.

Delimiters are nbconvert's ``((* *))``, ``((( )))`` and ``((= =))``: with
Jinja2's defaults ``a^{{2}}`` silently renders as ``a^2`` in a TeX template.
Undefined names raise (``StrictUndefined``). Plain text from a spec (names,
descriptions) goes through ``escape_latex`` / ``escape_markdown``; maths comes
from ``symbp.rendering.printing`` and is never escaped.
"""

from __future__ import annotations

import re
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


def _markdown_literal(text: str) -> str:
    """Markdown specials backslash-escaped, nothing else changed."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text)


def escape_latex(text: object) -> str:
    """``text`` as LaTeX that prints it literally (TeX specials escaped, whitespace collapsed)."""
    return _latex_literal(" ".join(_ascii(str(text)).split()))


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that prints it literally (no emphasis, links, HTML or maths)."""
    return _markdown_literal(" ".join(str(text).split()))


def anchor(label: str) -> str:
    """An HTML id for an equation label: "eq:dW-L-1" -> "eq-dW-L-1"."""
    return label.replace(":", "-")


def table_math(tex: str) -> str:
    """Maths for a Markdown table cell, where a bare '|' would end the cell."""
    return tex.replace("|", r"\vert ")


_SCRIPTED = r"[A-Za-z0-9]+(?:\^\{[^{}]*\}|\^[A-Za-z0-9]+|_\{[^{}]*\}|_[A-Za-z0-9]+)+"
_NOTATION = re.compile(
    rf"(?P<top>d(?:{_SCRIPTED}|[A-Za-z]))/(?P<bottom>d(?:{_SCRIPTED}|[A-Za-z]))"
    rf"|(?P<label>\beq:[A-Za-z0-9-]*[A-Za-z0-9])"
    rf"|(?P<symbol>\b{_SCRIPTED})"
)
_GREEK = {"delta": r"\delta", "sum": r"\sum", "lambda": r"\lambda", "eta": r"\eta", "sigma": r"\sigma"}


def _symbol_tex(token: str) -> str:
    """'delta^{(L)}_{nj}' -> '\\delta^{(L)}_{nj}', 'W^T' -> 'W^{T}', 'delta_nk' -> '\\delta_{nk}'."""
    name = re.match(r"[A-Za-z0-9]+", token).group(0)
    scripts = re.sub(r"([_^])([A-Za-z0-9]+)", r"\1{\2}", token[len(name) :])
    return _GREEK.get(name, name) + scripts


def _reason_parts(text: str, symbol=None):
    """Split a step's reason into ('text', str), ('math', tex) and ('label', label) pieces.

    Reasons are written in plain text with the texts' notation inline
    ("introduce delta^{(L)}_{nj} = dC/dz^{(L)}_{nj}", "(eq:delta-L)"); the
    notation becomes maths and the labels become references."""
    text = re.sub(r"\((eq:[A-Za-z0-9-]*[A-Za-z0-9])\)", r"\1", text)
    position = 0
    for match in _NOTATION.finditer(text):
        if match.start() > position:
            yield "text", text[position : match.start()]
        printed = symbol(match.group(0)) if symbol and not match.group("label") else None
        if printed is not None:
            yield "math", printed
        elif match.group("label"):
            yield "label", match.group("label")
        elif match.group("top"):
            top, bottom = match.group("top")[1:], match.group("bottom")[1:]
            yield "math", rf"\partial {_symbol_tex(top)}/\partial {_symbol_tex(bottom)}"
        else:
            yield "math", _symbol_tex(match.group("symbol"))
        position = match.end()
    if position < len(text):
        yield "text", text[position:]


def reason_latex(text: str, labels=(), symbol=None) -> str:
    """A step's reason as LaTeX: plain text escaped, notation as maths, known labels as \\eqref.

    ``symbol`` (optional) prints a notation token (``delta^{(L)}_{nj}``, ``dC/dz``) in a document's
    notation; it returns None for a token it leaves to the default reading."""
    out = []
    for kind, value in _reason_parts(text, symbol):
        if kind == "math":
            out.append(f"${value}$")
        elif kind == "label" and value in labels:
            out.append(rf"\eqref{{{value}}}")
        else:
            out.append(_latex_literal(_ascii(value if kind == "text" else f"({value})")))
    return "".join(out)


def reason_markdown(text: str, labels=(), symbol=None) -> str:
    """A step's reason as Markdown: plain text escaped, notation as $maths$, known labels as links."""
    out = []
    for kind, value in _reason_parts(text, symbol):
        if kind == "math":
            out.append(f"${value}$")
        elif kind == "label" and value in labels:
            out.append(f"[({value})](#{anchor(value)})")
        else:
            out.append(_markdown_literal(value if kind == "text" else f"({value})"))
    return "".join(out)


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
    env.filters["reason_latex"] = reason_latex
    env.filters["reason_markdown"] = reason_markdown
    return env
