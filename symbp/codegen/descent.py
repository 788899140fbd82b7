"""``symbp descend``: gradient descent on a one-variable function, as in unit 1.4 - Back-propagation.

The text approximates f'(x) by a finite difference; here f'(x) is derived by
SymPy from the parsed expression, and a small descent module is generated
from a template and run. The expression is read by symbp's whitelisting
parser, never evaluated as Python; the generated code contains only what
SymPy's Python printer wrote for the parsed expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from symbp.errors import SymbpError
from symbp.spec.expressions import parse_expression
from symbp.templating import environment

X = sp.Symbol("x", real=True)


# the descent has settled when its next step would move x by less than this, relative to max(1, |x|)
SETTLED = 1e-8
# the printed x has two decimals: it is the minimum to that precision when Newton's estimate of the
# distance to it, |f'(x) / f''(x)| with f''(x) > 0, is below half the last digit
PRINTED = 0.005


@dataclass(frozen=True)
class Descent:
    function: sp.Expr
    derivative: sp.Expr
    source: str
    path: list[float]
    slope: float  # f'(x) at the last x
    curvature: float | None  # f''(x) there (None where it is undefined or not real)
    learning_rate: float

    def outcome(self) -> str:
        """What the last x is, checked: a minimum only where f''(x) > 0 and f' puts it within the printed
        digits of one; else a maximum or a stationary point where the descent stopped moving; else not yet."""
        x, slope, curvature = self.path[-1], self.slope, self.curvature
        if curvature is not None and curvature > 0 and abs(slope / curvature) < PRINTED:
            return f"Local minimum occurs at: {x:.2f}"
        settled = abs(self.learning_rate * slope) <= SETTLED * max(1.0, abs(x))
        if settled and curvature is not None and curvature < 0:
            return (
                f"A local maximum, not a minimum, at: {x:.2f} (f'(x) = 0 and f''(x) = {curvature:.3g} "
                "there: the descent started on it)"
            )
        if settled and not curvature:
            return (
                f"A stationary point at: {x:.2f} (f'(x) = 0 there, and f''(x) is 0 or undefined: "
                "a minimum, a maximum or an inflection)"
            )
        return (
            f"Not yet a minimum after {len(self.path) - 1} steps: x = {x:.2f}, where f'(x) = {slope:.3g} "
            "(more --steps or a larger --lr)"
        )


def descent_source(
    function: sp.Expr, derivative: sp.Expr, x0: float, learning_rate: float, steps: int
) -> str:
    """The generated descent module for ``function`` and its derivative."""
    printer = PythonCodePrinter({"fully_qualified_modules": True})
    template = environment().get_template("descent.py.j2")
    function_code = printer.doprint(function)
    derivative_code = printer.doprint(derivative)
    return template.render(
        uses_math="math." in function_code + derivative_code,
        function_text=sp.sstr(function),
        derivative_text=sp.sstr(derivative),
        function_code=function_code,
        derivative_code=derivative_code,
        x0=repr(float(x0)),
        learning_rate=repr(float(learning_rate)),
        steps=repr(int(steps)),
    )


def descend(text: str, x0: float, learning_rate: float, steps: int) -> Descent:
    """Derive f'(x), generate the descent loop and run it."""
    function = parse_expression(text, {"x": X}, "function")
    for name, value in (("--x0", x0), ("--lr", learning_rate)):
        if not math.isfinite(value):
            raise SymbpError(f"{name}: got {value}; allowed: a finite number")
    if steps < 0 or steps > 10**7:
        raise SymbpError(f"--steps: got {steps}; allowed: an integer from 0 to 10000000")
    derivative = sp.diff(function, X)
    source = descent_source(function, derivative, x0, learning_rate, steps)
    namespace: dict = {"__name__": "symbp_descent"}
    exec(compile(source, "<symbp descent>", "exec"), namespace)  # noqa: S102 (our own generated code)
    try:
        path = namespace["descend"](float(x0), float(learning_rate), int(steps))
    except OverflowError:
        raise SymbpError("descent diverged: x overflowed (the learning rate is too large)") from None
    except (ArithmeticError, ValueError) as error:
        at_start = _first_undefined(namespace["f_prime"], [float(x0)]) is not None
        where = f"at --x0 {x0:g}" if at_start else "on the descent path"
        raise SymbpError(
            f"f'(x) = {sp.sstr(derivative)} cannot be evaluated {where} ({error}); "
            "allowed: a start whose path stays inside the domain of f'"
        ) from None
    if not all(isinstance(value, float) for value in path):
        raise SymbpError(
            "descent left the real numbers (f'(x) was complex on the path); "
            "allowed: a start whose path stays inside the domain of f'"
        )
    if not all(math.isfinite(value) for value in path):
        raise SymbpError("descent diverged: x became infinite or NaN (the learning rate is too large)")
    outside = _first_undefined(namespace["f"], path)
    if outside is not None:
        raise SymbpError(
            f"descent left the domain of f: f({outside:g}) is undefined; "
            "allowed: a start and learning rate whose path stays inside the domain of f"
        )
    end = path[-1]
    return Descent(
        function,
        derivative,
        source,
        path,
        slope=float(namespace["f_prime"](end)),
        curvature=_real_at(sp.diff(derivative, X), end),
        learning_rate=float(learning_rate),
    )


def _real_at(expr: sp.Expr, x: float) -> float | None:
    """``expr`` at x as a float, or None where it is undefined or not real."""
    try:
        value = complex(expr.subs(X, x).evalf())
    except (TypeError, ValueError):  # DiracDelta(0) of abs(x)'' at 0, zoo, nan: no number there
        return None
    return value.real if value.imag == 0 and math.isfinite(value.real) else None


def _first_undefined(function, points: list[float]) -> float | None:
    """The first point where ``function`` cannot be evaluated (division by zero, log of a negative)."""
    for point in points:
        try:
            function(point)
        except (ArithmeticError, ValueError):
            return point
    return None
