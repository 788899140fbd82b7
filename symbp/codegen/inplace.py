"""Print a tidy matrix line as in-place NumPy statements (``out=`` buffers).

The training step must not allocate, so ``delta2 = (delta3 @ W3.T) * (A2 * (1 - A2))``
is printed as a sequence of ufunc calls writing into preallocated buffers::

    np.matmul(delta3, W3.T, out=delta2)
    np.subtract(1, A2, out=work1)
    np.multiply(work1, A2, out=work1)
    np.multiply(delta2, work1, out=delta2)

The statements come from walking the derived expression itself (matrix nodes,
then the scalar body of each ``Elementwise``), so the step is printed from the
derivation exactly like the plain ``gradients()``. Intermediate results go to
scratch buffers that the writer declares; a buffer is never written while it
is still read in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symbp.codegen.printer import ModulePrinter, sigmoid, softplus, stabilise
from symbp.derivation.symbolic import Activate, Broadcast, Elementwise

UFUNCS = {
    sp.exp: "np.exp",
    sp.log: "np.log",
    sp.tanh: "np.tanh",
    sp.sinh: "np.sinh",
    sp.cosh: "np.cosh",
    sp.sin: "np.sin",
    sp.cos: "np.cos",
    sp.atan: "np.arctan",
    sp.Abs: "np.abs",
    sp.sign: "np.sign",
    sp.erf: "_erf",
    sigmoid: "_sigmoid",
}
COMPARISONS = {
    sp.StrictGreaterThan: "np.greater",
    sp.GreaterThan: "np.greater_equal",
    sp.StrictLessThan: "np.less",
    sp.LessThan: "np.less_equal",
    sp.Equality: "np.equal",
    sp.Unequality: "np.not_equal",
}
LOGIC = {sp.And: "np.logical_and", sp.Or: "np.logical_or"}


@dataclass
class Buffers:
    """Scratch buffers of the step: name -> (shape source, is boolean)."""

    declared: dict[str, tuple[str, bool]] = field(default_factory=dict)
    free: dict[tuple[str, bool], list[str]] = field(default_factory=dict)
    taken: list[tuple[tuple[str, bool], str]] = field(default_factory=list)

    def take(self, shape: str, boolean: bool = False) -> str:
        key = (shape, boolean)
        if self.free.get(key):
            name = self.free[key].pop(0)
        else:
            name = f"{'mask' if boolean else 'work'}{len(self.declared) + 1}"
            self.declared[name] = key
        self.taken.append((key, name))
        return name

    def release_all(self):
        """Every scratch buffer is free again (called between statements of different lines)."""
        for key, name in self.taken:
            self.free.setdefault(key, []).append(name)
            self.free[key].sort(key=lambda item: int(item.removeprefix("mask").removeprefix("work")))
        self.taken.clear()


class InPlaceWriter:
    """Statements computing matrix expressions into named buffers.

    ``printer`` prints names and scalars; ``shape_of`` turns a SymPy shape into
    source (``(N, 2)``); ``flat`` names the one-dimensional buffers (params
    ``b`` and gradients ``db`` have shape (n,) as the module contract says).
    """

    def __init__(self, printer: ModulePrinter, shape_of, flat: set[str], activations: dict, product: str):
        self.printer = printer
        self.product = product
        self.shape_of = shape_of
        self.flat = flat
        self.activations = activations
        self.buffers = Buffers()
        self.out: list[str] = []
        self.uses_ones = False

    def emit(self, text: str):
        self.out.append(text)

    def name(self, expr) -> str:
        return self.printer.doprint(expr)

    def scalar_text(self, expr) -> str:
        expr = sp.sympify(expr)
        if expr.is_Integer:
            # NumPy takes a float scalar faster than an int: about 0.2 us a call, much of a tiny step
            return repr(float(expr))
        return self.printer.doprint(stabilise(expr))

    # -- matrices -----------------------------------------------------------
    def operand(self, expr) -> str:
        """Source for an argument: a buffer name, a view, a scalar, or a scratch buffer filled now."""
        if not getattr(expr, "is_Matrix", False):
            return self.scalar_text(expr)
        if isinstance(expr, sp.MatrixSymbol):
            return self.name(expr)
        if isinstance(expr, sp.Transpose) and isinstance(expr.arg, sp.MatrixSymbol):
            return f"{self.name(expr.arg)}.T"
        if isinstance(expr, Broadcast):
            return self.operand(expr.args[0])
        work = self.buffers.take(self.shape_of(expr.shape))
        self.into(expr, work)
        return work

    def scale(self, coefficient, out: str):
        if coefficient == 1:
            return
        if coefficient == -1:
            self.emit(f"np.negative({out}, out={out})")
        else:
            self.emit(f"np.multiply({out}, {self.scalar_text(coefficient)}, out={out})")

    def into(self, expr, out: str):
        """Statements leaving the value of ``expr`` in buffer ``out``."""
        handler = getattr(self, f"_into_{type(expr).__name__}", None)
        if handler is None:
            raise TypeError(f"cannot print {type(expr).__name__} in place")
        handler(expr, out)

    def _into_MatrixSymbol(self, expr, out):
        if self.name(expr) != out:
            self.emit(f"np.copyto({out}, {self.name(expr)})")

    def _into_Transpose(self, expr, out):
        self.emit(f"np.copyto({out}, {self.operand(expr)})")

    def _into_Broadcast(self, expr, out):
        self.emit(f"np.copyto({out}, {self.operand(expr)})")

    def _into_MatMul(self, expr, out):
        coefficient = sp.Mul(*(arg for arg in expr.args if not arg.is_Matrix))
        matrices = [arg for arg in expr.args if arg.is_Matrix]
        if len(matrices) == 1:
            self.into(matrices[0], out)
        else:
            left = self.operand(matrices[0])
            for index, right in enumerate(matrices[1:], start=2):
                target = (
                    out
                    if index == len(matrices)
                    else self.buffers.take(self.shape_of(sp.MatMul(*matrices[:index]).shape))
                )
                self.emit(f"{self.product}({left}, {self.operand(right)}, out={target})")
                left = target
        self.scale(coefficient, out)

    def _signed(self, term):
        """(sign, operand expression) for a term that is +-M with M usable directly, else None."""
        coefficient = (
            sp.Mul(*(arg for arg in term.args if not arg.is_Matrix)) if isinstance(term, sp.MatMul) else 1
        )
        core = [arg for arg in term.args if arg.is_Matrix] if isinstance(term, sp.MatMul) else [term]
        if coefficient in (1, -1) and len(core) == 1 and self._direct(core[0]):
            return coefficient, core[0]
        return None

    @staticmethod
    def _direct(expr) -> bool:
        return isinstance(expr, sp.MatrixSymbol | Broadcast) or (
            isinstance(expr, sp.Transpose) and isinstance(expr.arg, sp.MatrixSymbol)
        )

    def _into_MatAdd(self, expr, out):
        terms = sorted(expr.args, key=lambda term: self._signed(term) is not None)
        first, rest = terms[0], terms[1:]
        signed = self._signed(first)
        if signed is not None and rest and self._signed(rest[0]) is not None:
            # both leading terms are plain (+-)matrices: one ufunc, no copy
            (s1, m1), (s2, m2) = signed, self._signed(rest[0])
            if s1 == -1 and s2 == 1:
                (s1, m1), (s2, m2) = (s2, m2), (s1, m1)
            op = "np.add" if s1 == s2 else "np.subtract"
            self.emit(f"{op}({self.operand(m1)}, {self.operand(m2)}, out={out})")
            if s1 == -1:
                self.emit(f"np.negative({out}, out={out})")
            rest = rest[1:]
        else:
            self.into(first, out)
        for term in rest:
            signed = self._signed(term)
            if signed is None:
                signed = (1, term)
            sign, matrix = signed
            op = "np.add" if sign == 1 else "np.subtract"
            self.emit(f"{op}({out}, {self.operand(matrix)}, out={out})")

    def _into_HadamardProduct(self, expr, out):
        factors = sorted(expr.args, key=self._direct)
        if self._direct(factors[0]) and len(factors) > 1:
            self.emit(f"np.multiply({self.operand(factors[0])}, {self.operand(factors[1])}, out={out})")
            factors = factors[2:]
        else:
            self.into(factors[0], out)
            factors = factors[1:]
        for factor in factors:
            self.emit(f"np.multiply({out}, {self.operand(factor)}, out={out})")

    def _into_ColumnSum(self, expr, out):
        # the sum over rows as the product 1^T M: BLAS does it faster than np.add.reduce at every size
        self.uses_ones = True
        row = out if out in self.flat else f"{out}[0]"
        self.emit(f"{self.product}(ones, {self.operand(expr.args[0])}, out={row})")

    def _into_Elementwise(self, expr: Elementwise, out):
        env = {var: self.operand(m) for var, m in zip(expr.function.variables, expr.matrices, strict=True)}
        shape = self.shape_of(expr.shape)
        ScalarWriter(self, env, shape).into(stabilise(expr.function.expr), out)

    def _into_Activate(self, expr: Activate, out):
        self.activations[expr.activation_name](self, self.operand(expr.args[1]), out)

    def elementwise(self, body: sp.Expr, env: dict, shape: str, out: str):
        """A scalar body evaluated entrywise into ``out`` (custom activations use this)."""
        ScalarWriter(self, env, shape).into(stabilise(body), out)


class ScalarWriter:
    """In-place ufunc statements for one scalar body over same-shaped arrays."""

    def __init__(self, writer: InPlaceWriter, env: dict, shape: str):
        self.writer = writer
        self.env = env
        self.shape = shape

    def emit(self, text):
        self.writer.emit(text)

    def operand(self, expr) -> str:
        if expr in self.env:
            return self.env[expr]
        if expr.is_Number or not (expr.free_symbols & set(self.env)):
            return self.writer.scalar_text(expr)
        work = self.writer.buffers.take(self.shape)
        self.into(expr, work)
        return work

    def _is_operand(self, expr) -> bool:
        return expr in self.env or expr.is_Number or not (expr.free_symbols & set(self.env))

    def into(self, expr, out: str):
        if self._is_operand(expr):
            if expr in self.env:
                self.emit(f"np.copyto({out}, {self.env[expr]})")
            else:
                self.emit(f"{out}.fill({self.writer.scalar_text(expr)})")
            return
        if isinstance(expr, sp.Add):
            return self._add(expr, out)
        if isinstance(expr, sp.Mul):
            return self._mul(expr, out)
        if isinstance(expr, sp.Pow):
            return self._pow(expr, out)
        if isinstance(expr, sp.Piecewise):
            return self._piecewise(expr, out)
        if isinstance(expr, sp.Heaviside):
            middle = expr.args[1] if len(expr.args) > 1 else sp.S.Half
            arg = self._argument(expr.args[0], out)
            return self.emit(f"np.heaviside({arg}, {float(middle)!r}, out={out})")
        if isinstance(expr, softplus):
            return self.emit(f"np.logaddexp(0, {self._argument(expr.args[0], out)}, out={out})")
        if isinstance(expr, sp.Max | sp.Min):
            return self._fold(expr, out, "np.maximum" if isinstance(expr, sp.Max) else "np.minimum")
        if type(expr) in UFUNCS:
            return self.emit(f"{UFUNCS[type(expr)]}({self._argument(expr.args[0], out)}, out={out})")
        raise TypeError(f"cannot print {type(expr).__name__} in place")

    def _argument(self, expr, out) -> str:
        """Operand for a one-argument function: computed into ``out`` itself when not direct."""
        if self._is_operand(expr):
            return self.operand(expr)
        self.into(expr, out)
        return out

    def _fold(self, expr, out, function):
        args = sorted(expr.args, key=self._is_operand)
        first = self._argument(args[0], out)
        self.emit(f"{function}({first}, {self.operand(args[1])}, out={out})")
        for arg in args[2:]:
            self.emit(f"{function}({out}, {self.operand(arg)}, out={out})")

    def _add(self, expr, out):
        constant, terms = expr.as_coeff_Add()
        parts = [t.as_coeff_Mul() for t in sp.Add.make_args(terms)]
        # computed terms first (into out), direct operands last; positive before negative
        parts.sort(key=lambda part: (self._is_operand(part[1]), part[0].is_negative))
        sign, first = parts[0]
        if sign.is_negative and constant != 0 and abs(sign) == 1:
            self.emit(
                f"np.subtract({self.writer.scalar_text(constant)}, {self._argument(first, out)}, out={out})"
            )
            constant = 0
        elif abs(sign) == 1 and len(parts) > 1 and self._is_operand(first) and self._is_operand(parts[1][1]):
            sign2, second = parts[1]
            op = "np.add" if sign == sign2 else "np.subtract"
            self.emit(f"{op}({self.operand(first)}, {self.operand(abs(sign2) * second)}, out={out})")
            if sign.is_negative:
                self.emit(f"np.negative({out}, out={out})")
            parts = [(sp.Integer(1), sp.Integer(0))] + parts[2:]
        else:
            self.into(sign * first, out)
        for coefficient, term in parts[1:]:
            op = "np.subtract" if coefficient.is_negative else "np.add"
            self.emit(f"{op}({out}, {self.operand(abs(coefficient) * term)}, out={out})")
        if constant != 0:
            self.emit(f"np.add({out}, {self.writer.scalar_text(constant)}, out={out})")

    def _mul(self, expr, out):
        coefficient, rest = expr.as_coeff_Mul()
        numerator, denominator = [], []
        for factor in sp.Mul.make_args(rest):
            base, exponent = factor.as_base_exp()
            if exponent.is_Number and exponent.is_negative:
                denominator.append(sp.Pow(base, -exponent))
            else:
                numerator.append(factor)
        numerator.sort(key=self._is_operand)
        denominator.sort(key=self._is_operand)
        if numerator:
            first = numerator.pop(0)
            if numerator and self._is_operand(first) and self._is_operand(numerator[0]):
                self.emit(f"np.multiply({self.operand(first)}, {self.operand(numerator.pop(0))}, out={out})")
            else:
                self.into(first, out)
        else:
            top = self.writer.scalar_text(coefficient)
            coefficient = sp.Integer(1)
            self.emit(f"np.divide({top}, {self._argument(denominator.pop(0), out)}, out={out})")
        for factor in numerator:
            self.emit(f"np.multiply({out}, {self.operand(factor)}, out={out})")
        for factor in denominator:
            self.emit(f"np.divide({out}, {self.operand(factor)}, out={out})")
        if coefficient == -1:
            self.emit(f"np.negative({out}, out={out})")
        elif coefficient != 1:
            self.emit(f"np.multiply({out}, {self.writer.scalar_text(coefficient)}, out={out})")

    def _pow(self, expr, out):
        base, exponent = expr.base, expr.exp
        if exponent.is_Number and exponent.is_negative:
            self.emit(f"np.divide(1, {self._argument(sp.Pow(base, -exponent), out)}, out={out})")
        elif exponent == 2:
            self.emit(f"np.square({self._argument(base, out)}, out={out})")
        elif exponent == sp.S.Half:
            self.emit(f"np.sqrt({self._argument(base, out)}, out={out})")
        elif self._is_operand(base):
            self.emit(f"np.power({self.operand(base)}, {self.operand(exponent)}, out={out})")
        else:
            power = self.operand(exponent)
            self.into(base, out)
            self.emit(f"np.power({out}, {power}, out={out})")

    def _piecewise(self, expr, out):
        *pieces, (default, condition) = expr.args
        if condition != sp.true:
            raise ValueError("a Piecewise without a default piece cannot be printed")
        self.into(default, out)
        for value, condition in reversed(pieces):
            mask = self._condition(condition)
            self.emit(f"np.copyto({out}, {self.operand(value)}, where={mask})")

    def _condition(self, condition) -> str:
        mask = self.writer.buffers.take(self.shape, boolean=True)
        if type(condition) in COMPARISONS:
            lhs, rhs = (self.operand(side) for side in condition.args)
            self.emit(f"{COMPARISONS[type(condition)]}({lhs}, {rhs}, out={mask})")
        elif type(condition) in LOGIC:
            first, *others = (self._condition(arg) for arg in condition.args)
            self.emit(f"np.copyto({mask}, {first})")
            for other in others:
                self.emit(f"{LOGIC[type(condition)]}({mask}, {other}, out={mask})")
        elif isinstance(condition, sp.Not):
            self.emit(f"np.logical_not({self._condition(condition.args[0])}, out={mask})")
        else:
            raise TypeError(f"cannot print the condition {condition} in place")
        return mask
