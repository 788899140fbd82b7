"""The symbol and matrix tables of a document, and the notation's words for its prose."""

from __future__ import annotations

import sympy as sp

from symbp.derivation import symbolic
from symbp.derivation.symbolic import LAMBDA, C, N, a, b, delta, t, w, width, z
from symbp.naming import matrix_name
from symbp.rendering.math_style import ETA, MathStyle
from symbp.rendering.printer_base import symbols_of
from symbp.spec.network import Network
from symbp.spec.notation import as_text as unicode


def _letters(network: Network) -> dict[str, str]:
    """The notation's letters for the symbol table's prose: below, above, sample."""
    symbols = symbols_of(network)
    return {"i": symbols.letter("i"), "j": symbols.letter("j"), "n": symbols.letter("n")}


def symbol_table(network: Network, style: MathStyle) -> tuple[tuple[str, str], ...]:
    """(printed symbol, plain-text meaning) for every symbol the document uses."""
    l, n_, i, j = sp.symbols("l n i j")  # noqa: E741 (the texts' layer index)
    symbols = symbols_of(network)
    notation = network.notation
    first, last = symbols.notation.layer_label(0), symbols.notation.layer_label(network.depth)
    x = _letters(network)
    named_by = "the layer they leave" if notation.weights_named_by == "leaving" else "the layer they enter"
    rows = [
        (style.expr(sp.Symbol("L")), f"the output layer; layers are numbered {first} (input) to L = {last}"),
        (style.expr(width[l]), f"number of neurons in layer l (here {'-'.join(map(str, network.layers))})"),
        (style.expr(N), "number of training samples in a batch"),
        (style.expr(a[0, n_, i]), f"input {x['i']} of sample {x['n']} (the activations of the input layer)"),
        (
            style.expr(w[l, i, j]),
            f"weight from neuron {x['i']} of layer l-1 to neuron {x['j']} of layer l "
            f"(weights are numbered by {named_by})",
        ),
    ]
    if network.bias:
        rows.append((style.expr(b[l, j]), f"bias of neuron {x['j']} of layer l"))
    rows += [
        (style.expr(z[l, n_, j]), f"weighted input of neuron {x['j']} of layer l for sample {x['n']}"),
        (style.expr(a[l, n_, j]), f"activation (output) of neuron {x['j']} of layer l for sample {x['n']}"),
    ]
    if notation.prediction:
        rows.append(
            (
                notation.prediction if style.kind == "latex" else unicode(notation.prediction),
                "the network's output (the activation of layer L)",
            )
        )
    rows += [
        (style.expr(t[n_, j]), f"target for output {x['j']} of sample {x['n']}"),
        (style.expr(C), f"the cost ({network.cost.name}), defined in the first equation"),
        (style.expr(delta[l, n_, j]), _delta_meaning(network, x)),
    ]
    if network.l2:
        rows.append((style.expr(LAMBDA), f"L2 penalty weight, here {network.l2:g}"))
    runs: list[list] = []  # [activation, first layer, last layer] of each run of equal activations
    for layer, act in enumerate(network.activations, start=1):
        if runs and runs[-1][0] == act:
            runs[-1][2] = layer
        else:
            runs.append([act, layer, layer])
    for act, first, last in runs:
        shown = [symbols.notation.layer_label(layer) for layer in (first, last)]
        if network.uniform_activation:
            where = "every layer"
        elif first == last:
            where = f"layer {shown[0]}"
        else:
            where = f"layers {shown[0]} to {shown[1]}"
        rows.append((style.activation(act), f"activation of {where} ({act.name})"))
    rows.append((style.expr(ETA), f"learning rate, here {network.train.learning_rate:g}"))
    return tuple(rows)


def _delta_meaning(network: Network, x: dict[str, str]) -> str:
    cost = unicode(network.notation.cost)
    sign = "minus the derivative" if network.notation.delta_sign < 0 else "the derivative"
    return f"delta: {sign} of {cost} by the weighted input of neuron {x['j']}, layer l"


def layout_note(network: Network) -> str:
    """How the matrix form lays out samples and neurons, in one sentence."""
    notation = network.notation
    if notation.layout == "row":
        return "In the matrix form each row of a matrix is one sample (row vectors)."
    if notation.batch_columns:
        return (
            "In the matrix form each column of a matrix is one sample (column vectors, batches as columns)."
        )
    return "The matrix form is written for one sample: every vector is a column (the sums over samples drop)."


def matrix_table(network: Network, style: MathStyle) -> tuple[tuple[str, str], ...]:
    """(printed matrix, meaning) for the matrix form, in the notation's layout."""

    def generic(kind: str) -> str:
        name = matrix_name(kind) if kind in ("X", "T") else f"{kind}_l"
        return style.expr(sp.MatrixSymbol(name, 1, 1))

    x = _letters(network)
    notation = network.notation
    if notation.layout == "row":
        each, weights = (
            "one row per sample, one column per",
            (f"row {x['i']}, column {x['j']} holds the weight from neuron {x['i']} to neuron {x['j']}"),
        )
        bias = "one row, one entry per neuron"
    else:
        each = "one column per sample, one row per" if notation.batch_columns else "one entry per"
        weights = f"row {x['j']}, column {x['i']} holds the weight from neuron {x['i']} to neuron {x['j']}"
        bias = "a column, one entry per neuron"
    rows = [
        (generic("X"), f"the inputs: {each} input neuron"),
        (generic("T"), f"the targets: {each} output neuron"),
        (generic("Z"), f"weighted inputs of layer l: {each} neuron"),
        (generic("A"), f"activations of layer l: {each} neuron"),
        (generic("W"), f"weights of layer l: {weights}"),
    ]
    if network.bias:
        rows.append((generic("b"), f"biases of layer l: {bias}"))
    rows.append((generic("delta"), f"deltas of layer l: {each} neuron"))
    return tuple(rows)


def notation_context(network, style: MathStyle) -> dict:
    """The notation's words and symbols for the templates' prose (printed for the format)."""
    symbols = symbols_of(network)
    notation = network.notation
    as_format = (lambda tex: tex) if style.kind == "latex" else unicode
    ones = None
    if notation.layout == "row":
        ones = (r"\mathbf{1}^{" + notation.transpose + "} M", "rows")
    elif notation.batch_columns:
        ones = (r"M \mathbf{1}", "columns")
    return {
        "notation_source": notation.source,
        "notation_name": notation.name,
        "layout_note": layout_note(network),
        "hadamard": as_format(notation.hadamard),
        "eta": style.expr(ETA),
        "cost_symbol": style.expr(symbolic.C),
        "ones": None if ones is None else {"sum": as_format(ones[0]), "what": ones[1]},
        "per_sample": symbols.per_sample,
    }
