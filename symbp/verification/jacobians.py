"""The derivative of one quantity of the network by another, through the network, for one sample.

With z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)} and a^{(l)} = f(z^{(l)}) (a^{(0)} = x),
the derivative of z or a of layer p by z, a, W or b of layer q is the product
of the local Jacobians from q up to p: f'(z) on the diagonal (softmax: diag(a) -
a a^T) from z to a, W^T from a to the z above, a^{(q-1)} from W^{(q)} to
z^{(q)}. It is zero where the one does not depend on the other (a layer below,
another sample). A formula writes one entry: dz^{(l+1)}_k/dz^{(l)}_j is
w^{(l+1)}_{jk} f'(z^{(l)}_j).
"""

from __future__ import annotations

import numpy as np

from symbp.verification.graph_jacobians import graph_jacobian_entry
from symbp.verification.symbol_values import SymbolValues
from symbp.verification.tree import Jacobian

# where a quantity sits on the way up through the network: (layer, 0) for z, (layer, 1) for a
_PART = {"z": 0, "a": 1, "yhat": 1, "x": 1, "share": 1}


def runs_backwards(values: SymbolValues, node: Jacobian) -> bool:
    """Does z or a ``node.of`` come before z or a ``node.by`` in the network (and so not depend on it)?"""
    of, by = node.of, node.by
    if by.name not in _PART:
        return False
    return (values.layer_of(of), _PART[of.name]) < (values.layer_of(by), _PART[by.name])


def jacobian_entry(values: SymbolValues, node: Jacobian, bindings: dict):
    """The entry of d(node.of)/d(node.by) that the formula's indices pick, at one sample."""
    of, by = node.of, node.by
    point = values.point
    if point.params is not None:  # the local Jacobians below are a chain's: one weighted input per layer
        return graph_jacobian_entry(values, node, bindings)
    top = values.layer_of(of)
    bottom = values.layer_of(by)
    positions = values.jacobian_positions(of, by, bindings)
    if positions is None:
        return values.scalar_of(0)
    sample, unit, at = positions
    start = (bottom, 0 if by.name in ("w", "b") else _PART[by.name])
    target = (top, _PART[of.name])
    if target < start:  # a quantity by a later parameter: it does not depend on it
        return values.scalar_of(0)
    width = point.network.layers[bottom]
    identity = np.eye(width, dtype=object if values.symbolic else float)
    if by.name == "w":
        jacobian = identity[:, None, :] * point.A[bottom - 1][sample][None, :, None]
    else:
        jacobian = identity
    stage = start
    while stage < target:
        layer, part = stage
        if part == 0:
            jacobian = np.tensordot(_activation_jacobian(values, layer, sample), jacobian, axes=1)
            stage = (layer, 1)
        else:
            jacobian = np.tensordot(point.W[layer + 1].T, jacobian, axes=1)
            stage = (layer + 1, 0)
    entry = jacobian[(unit, *at)]
    if of.name == "share":  # one output's term c(a_k, t_k) of the cost: its slope times da_k/d(by)
        entry = entry * values.array(of)[sample, unit]
    return values.scalar_of(entry)


def _activation_jacobian(values: SymbolValues, layer: int, sample: int) -> np.ndarray:
    """da/dz of one layer at one sample: f'(z) on the diagonal, or softmax's diag(a) - a a^T."""
    point = values.point
    if not point.network.activation(layer).elementwise:
        output = point.A[layer][sample]
        return np.diag(output) - np.multiply.outer(output, output)
    with np.errstate(all="ignore"):
        slopes = values.activation_of(layer, prime=True)(point.Z[layer][sample])
    return np.diag(slopes)
