"""The reference numbers: the one ground truth the derivation's checks, verify and gradcheck hold results to.

* ``data``: random parameters and data (check instances, verify's points, the
  generated module's initial weights);
* ``instance``: a concrete network drawn away from kinks, and the partials of
  its cost by batched central differences;
* ``central``: those partials at given parameters and data (``CentralDifferences``),
  of a chain or a graph;
* ``graph``: a graph network's forward pass, cost and central differences;
* ``differences``: the batched forward pass over moved copies, Richardson's rule;
* ``exact``: sympy.diff of an instance's fully expanded cost, by a fast program;
* ``kinks``: where piecewise activations and costs switch branch.

Nothing here reads a derivation. The generated module's own
``numeric_gradients`` is separate: it is part of what users call.
"""

from symbp.derivation.reference.central import CentralDifferences, largest_relative_error
from symbp.derivation.reference.data import initial_params, random_data, random_params, worked_sample
from symbp.derivation.reference.differences import STEP
from symbp.derivation.reference.exact import ExactGradient
from symbp.derivation.reference.instance import Instance, kink_free_params, random_point

__all__ = [
    "CentralDifferences",
    "ExactGradient",
    "Instance",
    "initial_params",
    "STEP",
    "kink_free_params",
    "largest_relative_error",
    "random_data",
    "random_params",
    "random_point",
    "worked_sample",
]
