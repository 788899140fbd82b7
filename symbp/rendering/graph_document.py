"""The document of a graph network's derivation, in text, Markdown or LaTeX.

It lists the layers with their connections, the forward equations in
topological order, then every backward equation in reverse topological order
as the chain rule made it: the consumers through which the quantity reaches
the cost, each one's term (recognised as that consumer's delta times the
connection's matrix transposed, the identity path's dC/dA passed straight
down, or one use of a tied matrix), their sum, and the check against central
differences. Matrices of the chain (A, Z, W, b, delta) print in the network's
notation; a skip's matrix prints as W^{(l,s)} and dC/dA of a hidden layer as a
partial derivative.
"""

from __future__ import annotations

import re

import sympy as sp

from symbp.rendering.graph_diagram import graph_tikz
from symbp.rendering.latex import latex
from symbp.rendering.pretty import pretty, pretty_equation

_SKIP = re.compile(r"^(d?)W(\d+)_(\d+)$")
_HIDDEN_GRADIENT = re.compile(r"^dA(\d+)$")


def _display_name(name: str, fmt: str) -> str | None:
    """How a graph-only matrix name prints (None: the notation prints it)."""
    text = fmt == "text"
    if match := _SKIP.match(name):
        gradient, target, source = match.groups()
        matrix = f"W({target},{source})" if text else f"W^{{({target},{source})}}"
        if not gradient:
            return matrix
        return f"dC/d{matrix}" if text else rf"\frac{{\partial C}}{{\partial {matrix}}}"
    if match := _HIDDEN_GRADIENT.match(name):
        layer = match.group(1)
        return f"dC/dA({layer})" if text else rf"\frac{{\partial C}}{{\partial A^{{({layer})}}}}"
    if name == "dX":
        return "dC/dX" if text else r"\frac{\partial C}{\partial X}"
    return None


def _renamed(expr, fmt: str):
    renames = {}
    for matrix in sp.Tuple(expr).atoms(sp.MatrixSymbol):
        display = _display_name(matrix.name, fmt)
        if display is not None:
            renames[matrix] = sp.MatrixSymbol(display, *matrix.shape)
    return expr.xreplace(renames)


def _printed(expr, network, fmt: str) -> str:
    expr = _renamed(expr, fmt)
    return pretty(expr, network) if fmt == "text" else latex(expr, network)


def _math(text: str, fmt: str, display: bool = True) -> str:
    if fmt == "text":
        return text
    if fmt == "latex":
        return rf"\[ {text} \]" if display else f"${text}$"
    return f"$$ {text} $$" if display else f"${text}$"


def _heading(title: str, fmt: str, level: int = 1) -> str:
    if fmt == "latex":
        return ("\\section*{" if level == 1 else "\\subsection*{") + title + "}"
    if fmt == "markdown":
        return "#" * level + " " + title
    return title + "\n" + ("=" if level == 1 else "-") * len(title)


def _text(line: str, fmt: str) -> str:
    if fmt != "latex":
        return line
    return (
        line.replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("^", r"\^{}").replace("&", r"\&")
    )


def _equation(lhs, rhs, network, fmt: str) -> str:
    if fmt == "text":
        return pretty_equation(_renamed(lhs, fmt), _renamed(rhs, fmt), network)
    return _math(f"{_printed(lhs, network, fmt)} = {_printed(rhs, network, fmt)}", fmt)


def _layer_lines(network, fmt: str) -> list[str]:
    graph, lines = network.graph, []
    for layer, name in enumerate(graph.names):
        if layer == 0:
            lines.append(f"- layer 0 ({name}): the input, {network.layers[0]} units")
            continue
        sources = []
        for connection in graph.weighted[layer]:
            matrix = connection.matrix_key + ("^T" if connection.transposed else "")
            tied = " (tied)" if connection.tie else ""
            sources.append(f"{graph.names[connection.source]} by {matrix}{tied}")
        identity = [graph.names[source] for source in graph.identity[layer]]
        residual = f"; plus {', '.join(identity)} after the activation" if identity else ""
        activation = network.activation(layer).name
        lines.append(
            f"- layer {layer} ({name}): {network.layers[layer]} units, {activation} of "
            f"{' + '.join(sources)}{residual}"
        )
    return [_text(line, fmt) for line in lines]


def render_graph(derivation, fmt: str) -> str:
    """The whole graph derivation document in ``fmt`` ("text", "markdown" or "latex")."""
    network = derivation.network
    title = _heading(_text(f"Backpropagation through {network.name}", fmt), fmt)
    out = [title, "", _text(network.summary(), fmt), ""]
    out += [_heading("The layers", fmt, 2), "", *_layer_lines(network, fmt), ""]
    if fmt == "latex":
        out += [graph_tikz(network), ""]
    out += [_heading("Forward pass, in topological order", fmt, 2), ""]
    out += [_equation(line.target, line.expr, network, fmt) for line in derivation.forward]
    out += ["", _heading("Backward pass, in reverse topological order", fmt, 2), ""]
    for line in derivation.backward:
        out.append(_text(line.reason, fmt))
        if len(line.terms) > 1:
            for term in line.terms:
                where = _text(f"through {term.consumer} ({term.why}):", fmt)
                if fmt == "text":
                    out += [where, _printed(term.expr, network, fmt)]
                else:
                    out.append(f"{where} {_math(_printed(term.expr, network, fmt), fmt, display=False)}")
        out.append(_equation(line.target, line.expr, network, fmt))
        error = derivation.checked[line.target.name]
        out += [_text(f"checked: central differences agree to {error:.1e} (relative)", fmt), ""]
    body = "\n".join(out)
    if fmt != "latex":
        return body + "\n"
    preamble = "\\documentclass{article}\n\\usepackage{amsmath,amssymb,bm,tikz}\n\\begin{document}\n"
    return preamble + body + "\n\\end{document}\n"
