"""Which spec field makes a check's numbers too large to check, when a derivation step fails its check.

A step is checked at random points of a small instance (float64, central
differences). When an activation, its slope or the cost overflows there, or
the l2 penalty dwarfs the data term so that differences lose every digit,
the failure is not a wrong derivation but numbers out of range: this names
the field responsible, with what is allowed, instead of dumping the step.
"""

from __future__ import annotations

import numpy as np

from symbp.derivation.numeric import activation_derivative, activation_function, cost_terms_function
from symbp.errors import SpecError

LARGEST = 1e12  # above this, differences with a step of 1e-4 keep fewer digits than the checks need
EXTREME_Z = 30.0  # beyond it a sigmoid is 1 - 1e-13: the check points (z in about [-3, 3]) never get there
PENALTY_RATIO = 100  # beyond it, a failed check is the l2 penalty drowning the data term's digits


def culprit(instance) -> SpecError | None:
    """The SpecError naming the field whose numbers are out of range at ``instance``, if one is."""
    network = instance.network
    with np.errstate(all="ignore"):
        for layer in range(1, network.depth + 1):
            activation = network.activation(layer)
            z = instance.Z[layer]
            values = [activation_function(activation)(z)]
            if activation.elementwise:
                values.append(np.asarray(activation_derivative(activation)(z), dtype=float) * np.ones_like(z))
            worst = _worst(values)
            if worst > LARGEST:
                return _activation_error(
                    network,
                    layer,
                    f"an activation whose values and slopes stay below {LARGEST:g} for z in about "
                    f"[-3, 3], where symbp checks each step (they reach {worst:.3g})",
                )
        output = instance.A[network.depth]
        terms = np.asarray(cost_terms_function(network.cost)(output, instance.T), dtype=float)
        worst = _worst([terms])
        if worst > LARGEST:
            amplifier = _amplifying_layer(instance)
            if amplifier is not None:
                return _activation_error(
                    network,
                    amplifier,
                    f"an activation whose values stay moderate for z in about [-3, 3], where symbp checks "
                    f"each step (they reach {_worst([instance.A[amplifier]]):.3g}, which pushes the output "
                    f"layer's z to {_worst([instance.Z[network.depth]]):.3g}, where the cost overflows)",
                )
            shown = (
                network.cost.description.removeprefix("custom: mean of ")
                if network.cost.custom
                else network.cost.name
            )
            return SpecError(
                "cost.expr" if network.cost.custom else "cost",
                shown,
                f"a cost whose values stay below {LARGEST:g} at the check points (they reach {worst:.3g})",
            )
        penalty = instance.lam / 2 * sum(float(np.sum(weights**2)) for weights in instance.W.values())
        data = abs(float(np.sum(terms)))
        if not np.isfinite(penalty) or penalty > PENALTY_RATIO * max(data, 1e-12):
            return SpecError(
                "l2",
                network.l2,
                f"a smaller l2: at the check points its penalty is {penalty / max(data, 1e-12):.3g} times "
                f"the data cost, too much for the finite-difference checks (about {PENALTY_RATIO:g} at most)",
            )
    return None


def _amplifying_layer(instance) -> int | None:
    """The hidden layer whose activation pushes the output layer's z far out, if one does.

    There a sigmoid rounds to exactly 0 or 1 and a log cost of it is
    infinite: the overflow shows in the cost, but the field that causes it is
    the activation that turned moderate z into large values below it."""
    if _worst([instance.Z[instance.network.depth]]) <= EXTREME_Z:
        return None
    for layer in range(instance.network.depth - 1, 0, -1):
        if _worst([instance.Z[layer]]) <= EXTREME_Z:
            return layer
    return None


def _activation_error(network, layer: int, allowed: str) -> SpecError:
    """A SpecError naming layer ``layer``'s activation field (its expression when custom)."""
    activation = network.activation(layer)
    field = "activation" if network.uniform_activation else f"activation[{layer - 1}]"
    shown = activation.name
    if activation.custom:
        field, shown = f"{field}.expr", activation.description.removeprefix("custom: ")
    return SpecError(field, shown, allowed)


def _worst(arrays) -> float:
    """The largest magnitude among ``arrays``; infinity when any entry is not finite."""
    worst = 0.0
    for values in arrays:
        values = np.asarray(values, dtype=float)
        if not np.all(np.isfinite(values)):
            return float("inf")
        worst = max(worst, float(np.max(np.abs(values))) if values.size else 0.0)
    return worst
