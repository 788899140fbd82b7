"""The derivative of one quantity of a graph network by another, for one sample, through every path.

A graph's z^{(l)} = sum over weighted sources s of a^{(s)} M^{(l,s)} + b^{(l)} and
a^{(l)} = f(z^{(l)}) + sum over identity sources r of a^{(r)}: the derivative of
z or a of one layer by z, a, a weight or a bias of another is the change of a
unit step in the one entry carried forward through every connection (skips,
joins, identity paths, each use of a tied matrix), layer by layer.

A sum over consumers (dC/da^{(l)} = dC/da^{(r)} da^{(r)}/da^{(l)} + dC/dz^{(c)} dz^{(c)}/da^{(l)})
writes each consumer's derivative by its input with the consumer's other inputs
held fixed: a Jacobian marked ``partial`` is read so (a residual's identity path
da^{(r)}/da^{(l)} is then I, not I plus the path through z^{(r)}).
"""

from __future__ import annotations

import numpy as np

from symbp.derivation.reference.graph import connection_matrix
from symbp.verification.symbol_values import SymbolValues
from symbp.verification.tree import Jacobian, Layer, Sym
from symbp.verification.written import show

_NODE = {"z": "z", "a": "a", "yhat": "a", "x": "a"}


def graph_jacobian_entry(values: SymbolValues, node: Jacobian, bindings: dict):
    """The entry of d(node.of)/d(node.by) the formula's indices pick, at one sample of a graph network."""
    of, by = node.of, node.by
    positions = values.jacobian_positions(of, by, bindings)
    if positions is None:
        return values.scalar_of(0)
    sample, unit, at = positions
    bottom = values.layer_of(by)
    seed = (_NODE.get(by.name, by.name), bottom)
    if by.name == "w":
        seed = ("w", values.weight_key(by, bottom))
    target = (_NODE[of.name], values.layer_of(of))
    inputs = _inputs(values, target)
    held = [other for other in inputs if other != seed] if node.partial and seed in inputs else []
    entry = _tangents(values, sample, seed, at, held)[target][unit]
    if held and not values.symbolic:
        through = _tangents(values, sample, seed, at, [])[target][unit]
        if not np.isclose(through, entry, rtol=1e-12, atol=0):
            numbering, notation = values.reading.numbering, values.reading.notation
            names = ", ".join(
                show(Sym(kind, Layer(None, layer + numbering)), notation)
                for kind, layer in held
                if kind in ("z", "a")
            )
            values.reading.note(
                f"{show(node, values.reading.notation)} is read with {names} held fixed, as a sum over "
                "consumers writes it (through every path it would also count the path through them)"
            )
    return values.scalar_of(entry)


def _inputs(values: SymbolValues, target: tuple) -> list:
    """What a node of the network is a function of directly: z of its weighted sources' a, their matrices
    and its bias; a of its z and its identity sources' a."""
    kind, layer = target
    graph = values.point.network.graph
    if kind == "a":
        return [("z", layer)] + [("a", source) for source in graph.identity[layer]]
    return (
        [("a", c.source) for c in graph.weighted[layer]]
        + [("w", c.matrix_key) for c in graph.weighted[layer]]
        + [("b", layer)]
    )


def _tangents(values: SymbolValues, sample: int, seed: tuple, at: tuple, held: list) -> dict:
    """(kind, layer) -> the change of that node's row at ``sample`` for a unit step of entry ``at`` of
    ``seed``, the ``held`` nodes kept still."""
    point = values.point
    graph = point.network.graph
    dtype = object if values.symbolic else float

    def zeros(layer):
        return np.zeros(point.network.layers[layer], dtype=dtype)

    def step(shape):
        change = np.zeros(shape, dtype=dtype)
        change[at] = 1
        return change

    change = {("a", 0): step(point.network.layers[0]) if seed == ("a", 0) else zeros(0)}
    for layer in range(1, graph.depth + 1):
        if seed == ("z", layer):
            z = step(point.network.layers[layer])
        elif ("z", layer) in held:
            z = zeros(layer)
        else:
            z = step(point.network.layers[layer]) if seed == ("b", layer) else zeros(layer)
            for connection in graph.weighted[layer]:
                z = z + change[("a", connection.source)] @ connection_matrix(connection, point.params)
                if seed == ("w", connection.matrix_key):
                    moved = step(point.params[connection.matrix_key].shape)
                    used = moved.T if connection.transposed else moved
                    z = z + point.A[connection.source][sample] @ used
        change[("z", layer)] = z
        if seed == ("a", layer):
            a = step(point.network.layers[layer])
        elif ("a", layer) in held:
            a = zeros(layer)
        else:
            a = _activation_jacobian(values, layer, sample) @ z
            for source in graph.identity[layer]:
                a = a + change[("a", source)]
        change[("a", layer)] = a
    return change


def _activation_jacobian(values: SymbolValues, layer: int, sample: int) -> np.ndarray:
    """d f(z)/dz of one layer at one sample: f'(z) on the diagonal, or softmax's diag(s) - s s^T."""
    point = values.point
    z = point.Z[layer][sample]
    if not point.network.activation(layer).elementwise:
        output = values.activation_of(layer, prime=False)(point.Z[layer][sample : sample + 1])[0]
        return np.diag(output) - np.multiply.outer(output, output)
    with np.errstate(all="ignore"):
        return np.diag(values.activation_of(layer, prime=True)(z))
