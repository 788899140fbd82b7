"""The spec's optimiser as the document prints it: update rules, packed parameters, settings."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.derivation import optimizers
from symbp.rendering.latex import latex
from symbp.rendering.math_style import RELATIONS_LATEX, RELATIONS_PRETTY, MathStyle
from symbp.rendering.pretty import pretty_equation
from symbp.spec.network import Network


@dataclass(frozen=True)
class RuleView:
    equation: str
    aligned: str  # LaTeX with & before the relation (for align); the equation itself otherwise
    label: str
    why: str


def _terms(expr, target) -> list[tuple[bool, sp.Expr]]:
    """(is negative, magnitude) of each term of ``expr``, the terms holding ``target`` first, then
    positive before negative: theta - eta g reads as the texts write it, not as SymPy orders it."""
    terms = [term.as_coeff_Mul() for term in sp.Add.make_args(expr)]
    terms = [(coefficient.is_negative, abs(coefficient) * rest) for coefficient, rest in terms]
    return sorted(terms, key=lambda term: (not term[1].has(target), term[0]))


def _rhs(rule, style: MathStyle):
    """The right side in the texts' term order: LaTeX text, or a tuple of parts for the pretty printer."""
    terms = _terms(rule.expr, rule.target)
    if style.kind == "latex":
        text = ""
        for index, (negative, magnitude) in enumerate(terms):
            sign = ("- " if negative else "") if index == 0 else (" - " if negative else " + ")
            text += sign + style.expr(magnitude)
        return text
    parts: list = []
    for index, (negative, magnitude) in enumerate(terms):
        if index:
            parts.append(" - " if negative else " + ")
        elif negative:
            parts.append("-")
        parts.append(magnitude)
    return tuple(parts)


def update_rules(network: Network, style: MathStyle) -> tuple[RuleView, ...]:
    """The spec's optimiser, rule by rule (``symbp.derivation.optimizers``): the module's update lines."""
    rules = []
    for rule in optimizers.optimizer(network.train.optimizer).rules:
        rhs = _rhs(rule, style)
        if style.kind == "latex":
            lhs, relation = style.expr(rule.target), RELATIONS_LATEX[rule.relation]
            equation, aligned = f"{lhs} {relation} {rhs}", f"{lhs} &{relation} {rhs}"
        else:
            equation = pretty_equation(rule.target, rhs, network, RELATIONS_PRETTY[rule.relation])
            aligned = equation
        rules.append(RuleView(equation, aligned, rule.label, rule.why))
    return tuple(rules)


def packed_parameters(network: Network) -> str:
    """What theta and g hold, inline LaTeX in the document's notation: every W^(l) (and b^(l))."""
    kinds = ("W", "b") if network.bias else ("W",)
    names = [latex(sp.MatrixSymbol(f"{kind}_l", 1, 1), network) for kind in kinds]
    gradients = [latex(sp.MatrixSymbol(f"d{kind}_l", 1, 1), network, inline=True) for kind in kinds]
    theta = latex(optimizers.THETA, network)
    g = latex(optimizers.G, network)
    return (
        f"${theta}$ holds every ${'$ and $'.join(names)}$, "
        f"${g}$ every ${'$ and $'.join(gradients)}$ of the backward pass"
    )


def update_settings(network: Network, style: MathStyle) -> tuple[str, ...]:
    """'eta = 0.5' and the like: the optimiser's settings, each symbol printed from its SymPy symbol."""
    train = network.train
    chosen = optimizers.optimizer(train.optimizer).settings
    return tuple(
        f"{style.expr(optimizers.SETTINGS[name])} = {_number(getattr(train, name), style)}" for name in chosen
    )


def _number(value: float, style: MathStyle) -> str:
    """A setting's value: 0.9, or 10^{-8} in LaTeX where Python writes 1e-08."""
    text = f"{value:g}"
    if style.kind != "latex" or "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \cdot {power}"


def update_context(network: Network, style: MathStyle) -> dict:
    """The optimiser's rules, title, settings and packed parameters for the update section."""
    rules = optimizers.optimizer(network.train.optimizer)
    return {
        "learning_rate": f"{network.train.learning_rate:g}",
        "updates": update_rules(network, style),
        "optimizer_title": rules.title,
        "update_settings": update_settings(network, style),
        "theta_symbol": style.expr(optimizers.THETA),
        # squares, roots and quotients of vectors appear (Adam's): say they act entry by entry
        "entrywise_rules": any(rule.expr.has(sp.Pow) for rule in rules.rules),
        "packed_parameters": packed_parameters(network),
    }
