"""The random check points of a formula: parameters, data, the derived values, and central differences.

Central differences, the independent ground truth for the derivation itself,
are computed on first use, one quantity at a time.
"""

from __future__ import annotations

import numpy as np

from symbp.computed import ComputedOnRead
from symbp.derivation.cached import derivation_of
from symbp.naming import matrix_name, parse_matrix_name
from symbp.spec.network import Network
from symbp.verification.groundtruth import (
    batch_sizes,
    central_deltas,
    central_gradients,
    make_point,
    random_data,
    random_params,
)


def check_points(network: Network, per_sample: bool, count: int, seed: int) -> list:
    """``count`` (params, Point, derived values, central differences) at random parameters and data;
    one-sample batches for a formula of one sample's cost term."""
    derivation = derivation_of(network)
    rng = np.random.default_rng(seed)
    points = []
    for samples in sample_counts(network, per_sample, count):
        params = random_params(network, rng)
        X, T = random_data(network, samples, rng)
        derived = derivation.evaluate(params, X, T)
        point = make_point(network, params, X, T, derived)
        points.append((params, point, derived, CentralDifferences(network, params, X, T)))
    return points


def sample_counts(network: Network, per_sample: bool, count: int) -> list[int]:
    """The batch size of each of ``count`` points: 1 for a formula of one sample's cost term."""
    return [1] * count if per_sample else batch_sizes(network, count)


class CentralDifferences(ComputedOnRead):
    """Central differences at one point, computed on first use, one quantity at a time."""

    def __init__(self, network: Network, params: dict, X, T):
        super().__init__()
        self.arguments = (network, params, X, T)

    def compute(self, key: str):
        kind, layer = parse_matrix_name(key)
        if kind == "delta":
            return central_deltas(*self.arguments, layers=[layer])[layer]
        name = matrix_name(kind[1:], layer)
        return central_gradients(*self.arguments, names=[name])[name]
