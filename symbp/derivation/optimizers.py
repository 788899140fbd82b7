"""The optimisers' update rules as SymPy objects: one definition for the document and the module.

An optimiser is an ordered list of rules on the packed parameter vector theta
(every weight and bias of the network in one vector) and its gradient
g = dC/dtheta, the derived backward pass. Documents print these rules; the
code generator prints the same rules as in-place NumPy statements under their
labels, so an update line in a module and its equation in the document cannot
disagree. Squares, square roots and quotients of vectors act entry by entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.derivation.symbolic import C

THETA = sp.Symbol("theta")
G = sp.Symbol("g")
ETA = sp.Symbol("eta", positive=True)
MU = sp.Symbol("mu", nonnegative=True)
M = sp.Symbol("m")
V = sp.Symbol("v")
M_HAT = sp.Symbol("mhat")
V_HAT = sp.Symbol("vhat")
BETA1 = sp.Symbol("beta1", positive=True)
BETA2 = sp.Symbol("beta2", positive=True)
EPS = sp.Symbol("epsilon", positive=True)
STEP = sp.Symbol("t", integer=True, positive=True)
# the quasi-Newton methods: direction p, inverse-Hessian estimate H, line-search step alpha, tolerance tau
P = sp.Symbol("p")
H = sp.Symbol("H")
ALPHA = sp.Symbol("alpha", positive=True)
TAU = sp.Symbol("tau", positive=True)

# The symbol of every setting, by its name in the spec's [train] table.
SETTINGS = {
    "learning_rate": ETA,
    "momentum": MU,
    "beta1": BETA1,
    "beta2": BETA2,
    "eps": EPS,
    "tolerance": TAU,
}
_SGD_SETTINGS = ("learning_rate", "momentum")


@dataclass(frozen=True)
class Rule:
    """``target relation expr``: "<-" overwrites a vector every step, "=" defines one, "<" stops."""

    label: str
    target: sp.Expr
    relation: str
    expr: sp.Expr
    why: str


@dataclass(frozen=True)
class Optimizer:
    """An optimiser's rules, its state vectors (zero before the first step) and its settings."""

    name: str
    title: str
    rules: tuple[Rule, ...]
    state: tuple[sp.Symbol, ...]
    settings: tuple[str, ...]
    in_place: bool  # printed as a step of the module; else SciPy's minimize runs it

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(rule.label for rule in self.rules)


GRADIENT = Rule(
    "eq:update-gradient",
    G,
    "=",
    sp.Derivative(C, THETA),
    "every dC/dW and dC/db of the backward pass, in one vector",
)


def _sgd() -> Optimizer:
    rule = Rule("eq:update-sgd", THETA, "<-", THETA - ETA * G, "a step against the gradient")
    return Optimizer("sgd", "Gradient descent", (GRADIENT, rule), (), ("learning_rate",), True)


def _momentum() -> Optimizer:
    rules = (
        GRADIENT,
        Rule(
            "eq:update-momentum-velocity",
            V,
            "<-",
            MU * V - ETA * G,
            "the velocity: a decaying sum of past steps",
        ),
        Rule("eq:update-momentum", THETA, "<-", THETA + V, "a step along the velocity"),
    )
    return Optimizer("momentum", "Gradient descent with momentum", rules, (V,), _SGD_SETTINGS, True)


def _nesterov() -> Optimizer:
    rules = (
        GRADIENT,
        Rule(
            "eq:update-nesterov-velocity",
            V,
            "<-",
            MU * V - ETA * G,
            "the velocity, as for momentum",
        ),
        Rule(
            "eq:update-nesterov",
            THETA,
            "<-",
            THETA + MU * V - ETA * G,
            "Nesterov's look-ahead: the step momentum would take next, plus the gradient step",
        ),
    )
    return Optimizer("nesterov", "Nesterov's accelerated gradient", rules, (V,), _SGD_SETTINGS, True)


def _adam() -> Optimizer:
    rules = (
        GRADIENT,
        Rule("eq:update-adam-m", M, "<-", BETA1 * M + (1 - BETA1) * G, "the first moment (mean) of g"),
        Rule("eq:update-adam-v", V, "<-", BETA2 * V + (1 - BETA2) * G**2, "the second moment of g"),
        Rule(
            "eq:update-adam-mhat",
            M_HAT,
            "=",
            M / (1 - BETA1**STEP),
            "bias correction at step t = 1, 2, ...: m starts at 0",
        ),
        Rule("eq:update-adam-vhat", V_HAT, "=", V / (1 - BETA2**STEP), "bias correction of v"),
        Rule(
            "eq:update-adam",
            THETA,
            "<-",
            THETA - ETA * M_HAT / (sp.sqrt(V_HAT) + EPS),
            "a step scaled entry by entry",
        ),
    )
    settings = ("learning_rate", "beta1", "beta2", "eps")
    return Optimizer("adam", "Adam", rules, (M, V), settings, True)


def _quasi_newton(name: str, title: str, estimate: str) -> Optimizer:
    rules = (
        GRADIENT,
        Rule(
            f"eq:update-{name}-direction",
            P,
            "=",
            -H * G,
            f"H estimates the inverse Hessian from past gradients ({estimate})",
        ),
        Rule(
            f"eq:update-{name}",
            THETA,
            "<-",
            THETA + ALPHA * P,
            "alpha from a line search that lowers C enough (Wolfe conditions)",
        ),
        Rule(
            f"eq:update-{name}-stop",
            sp.Abs(G),
            "<",
            TAU,
            "stop when every entry of g is this small, or after the most iterations (epochs)",
        ),
    )
    return Optimizer(name, title, rules, (), ("tolerance",), False)


def optimizer(name: str) -> Optimizer:
    """The optimiser called ``name`` in the spec (``symbp.spec.training.OPTIMIZERS``)."""
    builders = {
        "sgd": _sgd,
        "momentum": _momentum,
        "nesterov": _nesterov,
        "adam": _adam,
        "bfgs": lambda: _quasi_newton("bfgs", "BFGS (SciPy)", "BFGS: the full matrix"),
        "lbfgs": lambda: _quasi_newton("lbfgs", "L-BFGS (SciPy)", "L-BFGS: the last few steps only"),
    }
    if name not in builders:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(builders)}")
    return builders[name]()


IN_PLACE = ("sgd", "momentum", "nesterov", "adam")
