"""The random check points of a formula: parameters, data, the derived values, and central differences.

The points and their central differences (computed on first use) come from the
reference numerics, ``symbp.derivation.reference``: the independent ground truth.
"""

from __future__ import annotations

import numpy as np

from symbp.derivation.cached import derivation_of
from symbp.derivation.reference import CentralDifferences, random_point
from symbp.spec.network import Network
from symbp.verification.evaluate import Evaluator
from symbp.verification.groundtruth import batch_sizes, make_point
from symbp.verification.point import Reading, y_is_target


def check_points(network: Network, per_sample: bool, count: int, seed: int) -> list:
    """``count`` (params, Point, derived values, central differences) at random parameters and data
    away from kinks; one-sample batches for a formula of one sample's cost term."""
    derivation = derivation_of(network)
    rng = np.random.default_rng(seed)
    points = []
    for samples in sample_counts(network, per_sample, count):
        params, X, T = random_point(network, samples, rng)
        derived = derivation.evaluate(params, X, T)
        point = make_point(network, params, X, T, derived)
        points.append((params, point, derived, CentralDifferences(network, params, X, T)))
    return points


def sample_counts(network: Network, per_sample: bool, count: int) -> list[int]:
    """The batch size of each of ``count`` points: 1 for a formula of one sample's cost term."""
    return [1] * count if per_sample else batch_sizes(network, count)


def sample_evaluators(network: Network, notation, names, points: int, seed: int):
    """An Evaluator at each of ``points`` random one-sample points, for a formula whose symbols are
    ``names`` (what y means follows from them)."""
    for _params, point, _derived, _central in check_points(network, True, points, seed):
        yield Evaluator(point, Reading(notation, y_is_target=y_is_target(names)))
