"""The in-place training step of a generated module: `_make_step`'s buffers, forward half and backward half.

Every statement comes from the derivation (the forward lines and the tidy
backward lines), printed by ``InPlaceWriter`` into buffers allocated once, and
then written as scikit-learn writes its in-place backward pass: an operation
whose output is its own first operand as an augmented assignment
(``delta3 *= work1``), the rest as ufunc calls with ``out=``. Each forward
array has a buffer of its own, so an edit of the cost or of a backward line
can read any of them; the one shared buffer is the identity's (A is Z),
named beside it, and scratch buffers are rewritten before each read.
"""

from __future__ import annotations

import re

import sympy as sp

from symbp.codegen.inplace import InPlaceWriter
from symbp.codegen.literals import literal_names, unpacked
from symbp.codegen.printer import check_identifier
from symbp.codegen.tidy import scale_lines
from symbp.derivation.symbolic import Activate
from symbp.naming import matrix_name, parse_matrix_name
from symbp.spec.functions import Z as Z_SCALAR

LEARNING_RATE = sp.Symbol("learning_rate")
# np.dot costs half as much per call as np.matmul, which matters when every array is tiny;
# np.matmul is faster on large transposed operands (measured: 6% per step at 784-256-256-10)
SMALL_WIDTH = 32
AUGMENTED = {"np.add": "+=", "np.subtract": "-=", "np.multiply": "*=", "np.divide": "/="}
_SELF_OUTPUT = re.compile(r"^(np\.\w+)\((\w+), (.+), out=\2\)$")


def augmented(statements: list[str]) -> tuple[list[str], set[str]]:
    """``np.multiply(a, b, out=a)`` as ``a *= b`` (add, subtract, multiply, divide), and the names so
    rebound: the closure that runs them declares them nonlocal."""
    result, rebound = [], set()
    for statement in statements:
        match = _SELF_OUTPUT.match(statement)
        if match and match.group(1) in AUGMENTED:
            function, name, operand = match.groups()
            result.append(f"{name} {AUGMENTED[function]} {operand}")
            rebound.add(name)
        else:
            result.append(statement)
    return result, rebound


def nonlocal_line(names: set[str], order: list[str]) -> list[str]:
    """``nonlocal a, b``, in the order the buffers were declared, or nothing."""
    ordered = [name for name in order if name in names]
    return [f"nonlocal {', '.join(ordered)}"] if ordered else []


class StepPrinter:
    """What the template prints for ``_make_step`` of one derivation (``context`` is the generator's)."""

    def __init__(self, context):
        self.context = context
        self.network = context.network
        self.printer = context.printer

    def activation_in_place(self, writer: InPlaceWriter, layer: int, z: str, out: str):
        act = self.network.activation(layer)
        if act.custom:
            writer.elementwise(act.expr, {Z_SCALAR: z}, f"(N, {self.network.layers[layer]})", out)
        elif act.name == "softmax":
            row = writer.buffers.take("(N, 1)")
            writer.emit(f"_softmax({z}, out={out}, row={row})")
        elif act.name == "leaky_relu":
            writer.emit(f"_leaky_relu({z}, {dict(act.parameters)['slope']!r}, out={out})")
        elif act.name != "identity":
            call = self.context.activation_source(layer, z)
            writer.emit(f"{call[:-1]}, out={out})")

    def values(self) -> dict:
        context, derivation = self.context, self.context.derivation
        scaled = scale_lines(context.lines, LEARNING_RATE)
        folded = scaled is not None
        lines = scaled if folded else context.lines
        shapes = _Shapes()
        product = "np.dot" if max(self.network.layers) <= SMALL_WIDTH else "np.matmul"
        writer = InPlaceWriter(self.printer, shapes, self._flat(), _InPlaceActivations(self), product)
        names = context.param_names()
        buffers = unpacked([(name, name) for name in names], "params", 4, names)
        declared: list[str] = []
        forward = []
        for line in derivation.forward:
            target = self.printer.doprint(line.target)
            declared.append(target)
            act = self.network.activation(line.layer)
            if isinstance(line.expr, Activate) and act.name == "identity" and not act.custom:
                z = self.printer.doprint(line.expr.args[1])
                buffers.append(f"{target} = {z}  # the identity: A{line.layer} is Z{line.layer}")
                continue
            buffers.append(f"{target} = np.empty({shapes(line.target.shape)}, dtype)")
            writer.out = statements = []
            writer.buffers.release_all()
            writer.into(line.expr, target)
            forward += statements
        backward, gradients = [], []
        for line in lines:
            target = self.printer.doprint(line.target)
            if target.startswith(("dW", "db")):
                gradients.append((target, target[1:]))
            else:
                buffers.append(f"{target} = np.empty({shapes(line.target.shape)}, dtype)")
            declared.append(target)
            writer.out = statements = []
            writer.buffers.release_all()
            writer.into(line.core, target)
            writer.scale(line.coefficient, target)
            backward.append((line.label, statements))
        gradients.sort(key=lambda pair: names.index(pair[1]))
        buffers += unpacked(gradients, "gradients", 4, names)
        for index, (name, (shape, boolean)) in enumerate(writer.buffers.declared.items()):
            note = "" if index else "  # work and mask buffers: scratch, written before each read"
            buffers.append(f"{name} = np.empty({shape}, {'bool' if boolean else 'dtype'}){note}")
            declared.append(name)
        if writer.uses_ones:
            buffers.append("ones = np.ones(N, dtype)  # column sums as the product 1^T M (eq:db-matrix)")
        # the gradient vector holds learning_rate * dC/dtheta for the optimiser (eq:update-gradient)
        update = [] if folded else ["np.multiply(gradient, learning_rate, out=gradient)"]
        forward, forward_rebound = augmented(forward)
        rebound: set[str] = set()
        printed_backward = []
        for label, statements in backward:
            statements, names_rebound = augmented(statements)
            rebound |= names_rebound
            printed_backward.append((label, statements))
        update, update_rebound = augmented(update)
        return {
            "folded": folded,
            "buffer_lines": buffers,
            "step_forward": nonlocal_line(forward_rebound, declared) + forward,
            "step_backward_nonlocal": nonlocal_line(rebound | update_rebound, [*declared, "gradient"]),
            "step_backward": printed_backward,
            "step_update": update,
            "step_values": literal_names(context.cost_reads(), 4),
        }

    def _flat(self) -> set[str]:
        names = set()
        for layer in range(1, self.network.depth + 1):
            names |= {matrix_name("b", layer), matrix_name("db", layer)}
        return names


class _InPlaceActivations(dict):
    def __init__(self, step: StepPrinter):
        super().__init__()
        self.step = step

    def __missing__(self, name):
        return lambda writer, z, out: self.step.activation_in_place(writer, parse_matrix_name(z)[1], z, out)


class _Shapes:
    """Source of a SymPy shape inside ``_make_step`` (N is the batch size there)."""

    def __call__(self, shape) -> str:
        rows, cols = (self._dim(dim) for dim in shape)
        return f"({rows}, {cols})"

    @staticmethod
    def _dim(dim) -> str:
        if isinstance(dim, sp.Symbol):
            return check_identifier(dim.name)
        return str(int(dim))
