"""Read a hand-derived backpropagation formula into a small syntax tree.

The formula is an equation: its left side names a quantity of the derivation
(dC/dw^{(l)}_{ij}, dC/db^{(l)}_j, delta^{(l)}_j or the matrix forms dC/dW^{(l)},
dC/db^{(l)}, delta^{(l)}), its right side is the claim. It is read through a Notation (its symbols,
layer marks, index order; ``symbp.verification.lexicon``) by the lark grammar
in ``symbp.verification.grammar`` and nothing else: no ``eval``, no
``sympify``, no SymPy LaTeX parser, so text that is not a formula (Python, for
one) is refused with the column and what was expected there.

Two spellings share the grammar. LaTeX, as in the textbooks:
``\\delta^{(L)}_j = (a^{(L)}_j - t_j) \\sigma'(z^{(L)}_j)``. Plain maths:
``delta(L)_j = (a(L)_j - t_j) * sigma'(z(L)_j)``: a layer in parentheses right
after a symbol, ``_ij`` for indices, ``dC/dW(2)`` for a derivative, ``yhat``,
``.T`` for a transpose, ``*`` for the elementwise (or scalar) product and
``@`` for the matrix product. Juxtaposition and ``\\cdot`` mean the matrix
product when the shapes allow it and the elementwise product of same-shaped
matrices (as Neural Networks Demystified reads them); ``\\odot`` is always elementwise.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from symbp.spec.notation import DEFAULT_NOTATION, Notation
from symbp.verification.layer_marks import SOURCE
from symbp.verification.layer_sets import bound_letters, unbound
from symbp.verification.lexicon import lexicon
from symbp.verification.parse import FormulaError, parse_tree
from symbp.verification.sample_sums import scales_own_gradient, summed_weight_gradient, sums_own_gradient
from symbp.verification.summation import with_implicit_sums
from symbp.verification.syntax import JACOBIAN_BY
from symbp.verification.tree import (
    Bin,
    Gradient,
    Jacobian,
    Layer,
    Node,
    Partial,
    Sum,
    Sym,
    Transpose,
    children,
    map_children,
    walk,
)
from symbp.verification.unit_families import with_named_units
from symbp.verification.written import show

__all__ = ["Formula", "FormulaError", "Quantity", "parse_formula"]


# -- what the formula claims -------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    """The left side: ``kind`` is "w", "b", "delta", "dz" (dC/dz, which is delta unless the notation signs
    or scales delta), "act" (dC/da), or "z" or "a" (a forward definition: the pre-activation or activation
    itself); ``indices`` None for the matrix form."""

    kind: str
    layer: Layer | None
    indices: tuple | None
    cost: str = "C"
    spelling: str | None = field(default=None, compare=False)  # as written (a declared, scaled delta)
    share: Sym | None = None  # the output unit of one output's share of the cost (Loss_k), if the cost is one
    named: bool = field(default=False, compare=False)  # a gradient by the notation's own name (dZ, dA)

    @property
    def matrix(self) -> bool:
        return self.indices is None

    def symbol(self) -> Sym:
        """The quantity as a symbol of its layer as written: dC/da is the activation's gradient."""
        return Sym(_SYMBOL_OF[self.kind], self.layer)

    def moved_symbol(self, shift: int) -> Sym:
        """The quantity as a symbol of its layer (the output's when none is written) moved by ``shift``."""
        layer = self.layer or Layer("L", 0)
        moved = layer if shift == 0 else Layer(layer.base, layer.offset + shift, source=layer.source)
        return Sym(_SYMBOL_OF[self.kind], moved)


# the symbol a quantity kind names on the left side
_SYMBOL_OF = {"w": "w", "b": "b", "delta": "delta", "dz": "dz", "act": "dact", "z": "z", "a": "a"}
# what a unit's quantity is: one per sample and unit of a layer
PER_UNIT = ("delta", "dz", "act", "z", "a")


@dataclass(frozen=True)
class Formula:
    """A read formula: the quantity it defines, the claimed right side, and the notation it was read in."""

    text: str
    quantity: Quantity
    rhs: Node
    notation: Notation = field(default=DEFAULT_NOTATION, compare=False)
    # the right side sums over samples a gradient of the left side's cost by one sample's z or a
    # (\sum_x \partial C/\partial z^l_{xj}), or scales it by N: there C can mean the whole cost or one
    # sample's loss
    summed_gradients: bool = field(default=False, compare=False)

    @property
    def matrix(self) -> bool:
        return self.quantity.matrix

    @property
    def per_sample(self) -> bool:
        """Does the formula describe one sample's cost term (checked on one-sample batches)?

        An index formula does when it has no sample index and no N; a matrix formula does in a column
        layout that writes one sample as a column vector (Nielsen's delta^l, Ng's delta^{(l)}).
        """
        names = {node.name for node in walk(self.rhs) if isinstance(node, Sym)}
        if "accumulator" in names:
            return False  # Ng's Delta sums the examples
        if self.matrix:
            return self.notation.layout == "column" and not self.notation.batch_columns
        if "N" in names:
            return False
        indices = set(self.quantity.indices)
        for node in walk(self.rhs):
            if isinstance(node, Sym) and node.indices:
                indices |= set(node.indices)
            if isinstance(node, Sum):
                indices.add(node.index)
        letter = self.sample
        # E_p, L_i, E(n): the cost of one sample, whose index or argument then names that sample
        one = rf"(?:_\{{?{letter}\}}?|\(\s*{letter}\s*\)|\^\s*\{{\s*\(\s*{letter}\s*\)\s*\}})$"
        if letter not in indices or re.search(one, self.quantity.cost) is not None:
            return True
        # \delta_1 = g'(a_1)(\hat{y}_d - y_d): one unit's quantity written without the sample its right
        # side names is that sample's (a derivation for one example d)
        summed = any(isinstance(node, Sum) and node.index == letter for node in walk(self.rhs))
        return self.quantity.kind in PER_UNIT and letter not in self.quantity.indices and not summed

    @property
    def sample(self) -> str | None:
        """The notation's sample letter when this formula subscripts a sample with it (delta_{nj},
        o_{pj}, \\sum_n x_n), None when it uses the letter for units (Raschka's w_{i,j}, a_i).

        A sample is the first of two subscripts on a per-sample symbol; the letter names a unit when
        it subscripts a weight or a bias, or is a unit's only subscript in a notation whose weights use it.
        """
        letter = self.notation.sample_index
        if letter in self.notation.unit_letters:
            return None
        quantity = Sym(self.quantity.kind, self.quantity.layer, self.quantity.indices)
        symbols = [quantity] + [node for node in walk(self.rhs) if isinstance(node, Sym) and node.indices]
        as_sample = as_unit = False
        for sym in symbols:
            if not sym.indices or letter not in sym.indices:
                continue
            if sym.name in ("w", "b", "accumulator", "gradient"):
                as_unit = True
            elif len(sym.indices) == 2:
                as_sample = as_sample or sym.indices[0] == letter
                as_unit = as_unit or sym.indices[1] == letter
        if as_sample and not as_unit:
            return letter
        if as_unit:
            return None
        return None if letter in self.notation.index_letters else letter

    def symbols(self) -> set[str]:
        return {node.name for node in walk(self.rhs) if isinstance(node, Sym)}

    def jacobians(self) -> list[Jacobian]:
        """The right side's derivatives between two quantities of the network."""
        return [node for node in walk(self.rhs) if isinstance(node, Jacobian)]

    def layered_symbols(self) -> list[Sym]:
        """The right side's symbols with a written layer, and the left side's quantity."""
        syms = [node for node in walk(self.rhs) if isinstance(node, Sym) and node.layer is not None]
        return [*syms, self.quantity.symbol()]

    def generic(self) -> bool:
        """True when a layer is written with the generic l (checked for every layer it fits)."""
        layers = [self.quantity.layer] + [node.layer for node in walk(self.rhs) if isinstance(node, Sym)]
        layers += [layer.source for layer in layers if layer is not None]  # a skip's W^{(2,l)}
        return any(layer is not None and layer.base == "l" for layer in layers)


_QUANTITY_WORDS = (
    "the left side must name a quantity: \\frac{\\partial C}{\\partial w^{(l)}_{ij}}, "
    "\\frac{\\partial C}{\\partial b^{(l)}_j}, \\delta^{(l)}_j, \\frac{\\partial C}{\\partial a^{(l)}_j} "
    "or a matrix form (W^{(l)}, b^{(l)}, \\delta^{(l)}, \\nabla_{W^{(l)}} C, dW^{(l)})"
)
_INDEX_COUNT = {
    "w": (1, 2),
    "b": (1,),
    "delta": (1, 2),
    "dz": (1, 2),
    "act": (1, 2),
    "z": (1, 2),
    "a": (1, 2),
}
# what the gradient of the cost by a symbol is: dC/dz is delta, dC/da the activation's gradient
_GRADIENT_OF = {"z": "dz", "a": "act", "yhat": "act", "x": "act", "w": "w", "b": "b"}


def _gradient_target(by: Node, notation: Notation) -> Sym | None:
    """The quantity a gradient by ``by`` names, as a symbol of kind w, b, delta or act (None: nothing)."""
    if not isinstance(by, Sym) or by.name not in _GRADIENT_OF:
        return None
    layer = by.layer
    if by.name == "yhat":
        layer = Layer("L", 0)
    elif by.name == "x":
        layer = Layer(None, notation.input_layer)
    return Sym(_GRADIENT_OF[by.name], layer, by.indices, spelling=by.spelling, column=by.column)


def _quantity(text: str, left: Node, notation: Notation) -> Quantity:
    cost = notation.cost
    target = left
    share = left.share if isinstance(left, Gradient) else None
    if isinstance(left, Gradient | Partial):
        by = left.by if isinstance(left, Gradient) else left.arg
        cost = left.cost if isinstance(left, Gradient) else cost
        if isinstance(left, Gradient) and left.cost_indices and len(left.cost_indices) == 1:
            cost = f"{cost}_{{{left.cost_indices[0]}}}"  # E_p: the cost of sample p (see Formula.per_sample)
        target = _gradient_target(by, notation)
        if target is None:
            raise FormulaError(text, by.column, _QUANTITY_WORDS)
    elif isinstance(left, Bin) and left.op == "div":
        raise FormulaError(text, left.column, _QUANTITY_WORDS + " (numerator: \\partial C, J or E)")
    elif isinstance(target, Sym) and target.name == "gradient":
        target = Sym("w", target.layer, target.indices, column=target.column)  # Ng's D^{(l)}
    elif not isinstance(target, Sym) or target.name not in ("w", "b", "delta", "z", "a"):
        raise FormulaError(text, target.column, _QUANTITY_WORDS)
    if target.indices is not None and len(target.indices) not in _INDEX_COUNT[target.name]:
        wanted = " or ".join(str(count) for count in _INDEX_COUNT[target.name])
        raise FormulaError(text, target.column, f"{wanted} subscript index(es) on the left side")
    if share is not None and target.indices is None:
        message = f"the gradient of {show(share, notation)} (one output's loss) is read entry by entry"
        raise FormulaError(text, share.column, message)
    named = isinstance(left, Partial)
    return Quantity(target.name, target.layer, target.indices, cost, target.spelling, share, named)


def _refuse_update(text: str, left: Node, right: Node, notation: Notation) -> None:
    """A weight or bias on the left that is also on the right is an update rule (w := w - eta dC/dw), whose
    new value is not a quantity of the derivation: refused, not read as that weight's gradient."""
    if not (isinstance(left, Sym) and left.name in ("w", "b")):
        return
    for node in walk(right):
        if isinstance(node, Sym) and (node.name, node.layer, node.indices) == (
            left.name,
            left.layer,
            left.indices,
        ):
            written = show(left, notation)
            message = (
                f"an update of {written} (its new value from its old one) is not read: write the gradient "
                f"it uses, \\frac{{\\partial {notation.cost}}}{{\\partial {written}}} = ..."
            )
            raise FormulaError(text, node.column, message)


def gradients_as_symbols(text: str, node: Node, notation: Notation) -> Node:
    """The right side with each gradient of the cost (dC/dz, \\nabla_a C, dA) as the symbol it names."""
    summed = summed_weight_gradient(node, notation)
    if summed is not None:
        return summed
    if isinstance(node, Gradient) and node.share is not None:
        # one output's share by a quantity of the network: the derivative through the network
        if not (isinstance(node.by, Sym) and node.by.name in JACOBIAN_BY):
            message = f"the gradient of {show(node.share, notation)} by z, a, x, w or b of the network"
            raise FormulaError(text, node.column, message)
        return Jacobian(node.share, node.by, column=node.column)
    if isinstance(node, Partial) and isinstance(node.arg, Transpose):  # dS^{(2)T}: the gradient transposed
        gradient = gradients_as_symbols(text, dataclasses.replace(node, arg=node.arg.arg), notation)
        return dataclasses.replace(node.arg, arg=gradient)
    by = node.by if isinstance(node, Gradient) else node.arg if isinstance(node, Partial) else None
    if by is not None:
        target = _gradient_target(by, notation)
        if target is None or target.name not in ("dz", "act"):
            what = "\\partial" if isinstance(node, Partial) else "this gradient"
            message = f"{what} on the right side only as the gradient by an activation or a pre-activation"
            raise FormulaError(text, node.column, message)
        name = {"act": "dact", "dz": "dz"}[target.name]
        # a gradient of a name declared as one sample's loss keeps that name: its scale is that sample's
        declared = lexicon(notation).declaration(node.cost) if isinstance(node, Gradient) else None
        spelling = node.cost if declared is not None and declared.quantity == "loss" else None
        return dataclasses.replace(target, name=name, spelling=spelling, named=isinstance(node, Partial))
    return map_children(node, lambda child: gradients_as_symbols(text, child, notation))


def unit_layer(sym: Sym, notation: Notation) -> Sym:
    """A symbol without a layer whose unit letter names one (Bishop: x_i, z_j, y_k; w_kj enters k's layer)."""
    letters = notation.unit_letters
    if not letters or sym.layer is not None or not sym.indices:
        return sym
    if sym.name in ("a", "z", "delta", "act"):
        letter, shift = sym.indices[-1], 0
    elif sym.name in ("w", "b", "accumulator", "gradient"):
        to_index = 0 if notation.weight_indices == "to_from" or sym.name == "b" else -1
        letter = sym.indices[to_index]
        shift = -1 if notation.weights_named_by == "leaving" else 0
    else:
        return sym
    if letter not in letters:
        return sym
    layer = Layer(None, notation.input_layer + letters.index(letter) + shift, implied=True)
    return dataclasses.replace(sym, layer=layer)


def with_unit_layers(node: Node, notation: Notation) -> Node:
    if isinstance(node, Sym):
        return unit_layer(node, notation)
    return map_children(node, lambda child: with_unit_layers(child, notation))


def parse_formula(text: str, notation: Notation = DEFAULT_NOTATION) -> Formula:
    """Read ``text`` in ``notation`` into a Formula, or raise FormulaError (column + what was expected)."""
    left, right = parse_tree(text, notation)
    left, right = with_unit_layers(left, notation), with_unit_layers(right, notation)
    quantity = _quantity(text, left, notation)
    _refuse_update(text, left, right, notation)
    summed = sums_own_gradient(right, quantity.cost, frozenset()) or scales_own_gradient(right, quantity)
    right = gradients_as_symbols(text, right, notation)
    right = with_named_units(text, right, frozenset(quantity.indices or ()), notation)
    differentiated = [node.of for node in walk(right) if isinstance(node, Jacobian)]
    for node in walk(right):
        if (
            isinstance(node, Sym)
            and node.name == "share"
            and not any(node is share for share in differentiated)
        ):
            raise FormulaError(
                text, node.column, f"{show(node, notation)} (one output's loss) only in a gradient"
            )
        if isinstance(node, Sym) and node.name == "cost":
            raise FormulaError(text, node.column, "the cost (C, J, E) only on the left side")
        if isinstance(node, Sym) and node.name in ("N", "e", "constant") and (node.indices or node.layer):
            raise FormulaError(text, node.column, f"no subscript on {node.spelling or text[node.column - 1]}")
        if isinstance(node, Jacobian):
            _check_jacobian(text, node, quantity, notation)
    right = _consumer_terms(right)
    _refuse_unbound(text, left, right, quantity)
    if notation.summation == "implicit" and not quantity.matrix:
        right = with_implicit_sums(right, frozenset(quantity.indices))
    if quantity.matrix:
        stray = _subscript_not_summed(right, frozenset())
        if stray is not None:
            message = (
                "no subscripts on the right side of a matrix formula (the left side has none), "
                "except a sample index summed over: \\sum_n \\delta^{(l)}_n"
            )
            raise FormulaError(text, stray.column, message)
    return Formula(text, quantity, right, notation, summed)


def _refuse_unbound(text: str, left: Node, right: Node, quantity: Quantity) -> None:
    """A set's letter (c of c in out(l)) only inside its sum; a skip's source s also free on the left."""
    source = quantity.layer.source if quantity.layer is not None else None
    free = bound_letters(source) & {SOURCE}
    stray = unbound(left, set()) if bound_letters(quantity.layer) - free else unbound(right, free)
    if stray is not None:
        letter = sorted(bound_letters(stray.layer) - free)[0]
        raise FormulaError(
            text,
            stray.column,
            f"the layer letter {letter} is bound by no sum: write it inside "
            f"\\sum_{{{letter} \\in \\operatorname{{out}}(l)}} (or id(l), in(l)), or a number",
        )


def _consumer_terms(right: Node) -> Node:
    """The right side with each derivative by a quantity that another derivative is also by marked
    ``partial``: dC/da^{(2)} = dC/da^{(3)} da^{(3)}/da^{(2)} + dC/dz^{(3)} dz^{(3)}/da^{(2)} sums over the
    consumers of a^{(2)}, each derivative with the consumer's other inputs held fixed."""
    bys = [_quantity_of(node.by) for node in walk(right) if isinstance(node, Jacobian)]

    def mark(node: Node) -> Node:
        if isinstance(node, Jacobian):
            return dataclasses.replace(node, partial=bys.count(_quantity_of(node.by)) > 1)
        return map_children(node, mark)

    return mark(right) if len(bys) > len(set(bys)) else right


def _quantity_of(sym: Sym) -> tuple:
    """What a symbol names, whatever entry its indices pick."""
    return (sym.name, sym.layer, sym.spelling)


# unit subscripts a quantity takes in a derivative between two of them (a sample index may come first)
_JACOBIAN_INDICES = {"w": (2,), "b": (1,)}


def _check_jacobian(text: str, node: Jacobian, quantity: Quantity, notation: Notation) -> None:
    """A derivative between two quantities of the network is read entry by entry: refuse it otherwise."""
    factor = show(node, notation)
    if quantity.matrix:
        message = (
            f"the derivative {factor} between two whole matrices is not read: write the formula entry by "
            "entry (\\frac{\\partial z^{(l+1)}_k}{\\partial z^{(l)}_j}), or da/dz of one layer as f'(z)"
        )
        raise FormulaError(text, node.column, message)
    for sym in (node.of, node.by):
        wanted = _JACOBIAN_INDICES.get(sym.name, (1, 2))
        if sym.indices is None or len(sym.indices) not in wanted:
            count = " or ".join(map(str, wanted))
            message = f"{count} subscript index(es) on {sym.spelling or sym.name} in the derivative {factor}"
            raise FormulaError(text, sym.column, message)


def backwards_error(formula: Formula, node: Jacobian) -> FormulaError:
    """The refusal of a derivative of a quantity by one that comes after it in the network (for every layer
    the formula fits): it does not depend on it, and its inverse is not what the chain rule needs."""
    of, by = (show(sym, formula.notation) for sym in (node.of, node.by))
    message = f"{of} comes before {by} in this network: it does not depend on it"
    return FormulaError(formula.text, node.column, message)


def _subscript_not_summed(node: Node, summed: frozenset) -> Sym | None:
    """The first symbol whose subscript is not a single index of an enclosing sum (a row: one sample).

    Weights and biases have no row per sample, so any subscript on them counts.
    """
    if isinstance(node, Sym) and node.indices is not None:
        weights = ("w", "b", "accumulator", "gradient")
        if len(node.indices) != 1 or node.indices[0] not in summed or node.name in weights:
            return node
    if isinstance(node, Sum):
        summed = summed | {node.index}
    for child in children(node):
        found = _subscript_not_summed(child, summed)
        if found is not None:
            return found
    return None
