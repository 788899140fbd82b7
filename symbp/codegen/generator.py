"""A NumPy training module from a Derivation: the derived part through one Jinja2 template, then the
training runtime (``runtime.py``) copied verbatim.

The template holds the derived part's fixed scaffolding (init, numeric
gradients) and the forward helpers chosen per built-in activation name. Every
backward statement comes from ``derivation.backward``: printed once as plain
expressions for ``gradients()`` and once in place for the training step
(``step.py``), each under the label of the equation it implements. A custom
activation or cost changes the derived lines and so the module, with no
branch here. ``minimal=True`` prints the derived functions with a plain
gradient-descent loop instead of the runtime.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from symbp.codegen.lines import Assigner
from symbp.codegen.literals import docstring_text, literal, literal_names, literal_names_dict, unpacked
from symbp.codegen.notation_doc import notation_lines
from symbp.codegen.printer import ModulePrinter, check_identifier, log_softmax, safe_log, softplus, stabilise
from symbp.codegen.runtime_source import import_block, runtime_parts
from symbp.codegen.step import LEARNING_RATE, StepPrinter
from symbp.codegen.tidy import tidy_lines
from symbp.derivation.symbolic import LAMBDA, Activate, Elementwise
from symbp.naming import matrix_name, param_names, parse_matrix_name
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Train
from symbp.templating import environment

DTYPES = ("float64", "float32")
# Template helper blocks, included when the printed code calls them.
HELPER_CALLS = {
    "sigmoid": "_sigmoid(",
    "softmax": "_softmax(",
    "log_softmax": "_log_softmax(",
    "leaky_relu": "_leaky_relu(",
    "safe_log": "_safe_log(",
    "erf": "_erf(",
}


class Context:
    """Everything the template prints for one derivation."""

    def __init__(self, derivation, dtype: str):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
        self.derivation = derivation
        self.network = network = derivation.network
        self.dtype = dtype
        self.depth = network.depth
        self.names = {LAMBDA.name: "L2", LEARNING_RATE.name: "learning_rate"}
        self.printer = ModulePrinter(self.names)
        self.printer.activations = _ByLayer(self)
        self.lines = tidy_lines(derivation.backward)

    # -- activations --------------------------------------------------------
    def activation_source(self, layer: int, z: str) -> str:
        """Plain source of f_layer applied to the array printed as ``z``."""
        act = self.network.activation(layer)
        if act.custom:
            return self.printer.scalar(act.expr, {Z_SCALAR: sp.Symbol(z)})
        name = act.name
        if name == "identity":
            return z
        if name in ("sigmoid", "softmax"):
            return f"_{name}({z})"
        if name == "leaky_relu":
            return f"_leaky_relu({z}, {dict(act.parameters)['slope']!r})"
        return {"tanh": f"np.tanh({z})", "relu": f"np.maximum({z}, 0)", "softplus": f"np.logaddexp(0, {z})"}[
            name
        ]

    # -- plain functions ----------------------------------------------------
    def param_names(self) -> list[str]:
        return [check_identifier(name) for name in param_names(self.depth, self.network.bias)]

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter's shape, in the order of param_names: W_l (n_{l-1}, n_l), b_l (n_l,)."""
        layers, shapes = self.network.layers, {}
        for name in self.param_names():
            kind, layer = parse_matrix_name(name)
            shapes[name] = (layers[layer - 1], layers[layer]) if kind == "W" else (layers[layer],)
        return shapes

    def forward_lines(self) -> list[str]:
        names = self.param_names()
        assign = Assigner(self.printer, 4)
        statements = unpacked([(name, name) for name in names], "params", 4, names)
        for line in self.derivation.forward:
            expr = line.expr
            act = self.network.activation(line.layer)
            if isinstance(expr, Activate) and act.custom:
                # as an Elementwise node a long custom activation can be split into temporaries
                expr = Elementwise(sp.Lambda(Z_SCALAR, act.expr), expr.args[1])
            statements += assign(self.printer.doprint(line.target), expr)
        return statements

    def backward_lines(self) -> list[tuple[str, list[str]]]:
        assign = Assigner(self.printer, 4)
        result = []
        for line in self.lines:
            expr = line.core if line.coefficient == 1 else sp.MatMul(line.coefficient, line.core)
            result.append((line.label, assign(self.printer.doprint(line.target), expr)))
        return result

    def gradients_reads(self) -> list[str]:
        """``gradients``'s statements binding the forward arrays and parameters its backward lines read."""
        read = {sym.name for line in self.lines for sym in sp.Tuple(line.core).atoms(sp.MatrixSymbol)}
        forward = [self.printer.doprint(line.target) for line in self.derivation.forward]
        arrays = [(name, name) for name in forward if name in read]
        names = self.param_names()
        weights = [(name, name) for name in names if name in read]
        return unpacked(arrays, "values", 4) + unpacked(weights, "params", 4, names)

    def uses_n(self) -> bool:
        return any(
            sym.name == "N"
            for line in self.lines
            for sym in sp.Tuple(line.coefficient, line.core).free_symbols
        )

    def forward_return(self) -> str:
        names = [self.printer.doprint(line.target) for line in self.derivation.forward]
        return literal_names(names, 4)

    def gradient_return_pairs(self) -> list[tuple[str, str]]:
        """(params key, the backward line's name of its gradient) of every parameter."""
        pairs = []
        for name in self.param_names():
            kind, layer = parse_matrix_name(name)
            pairs.append((name, matrix_name("d" + kind, layer)))
        return pairs

    def fan_in(self) -> dict[str, int] | None:
        """Each parameter's fan-in where LAYERS[l - 1] is not it (graphs); None for a chain."""
        return None

    def gradient_return(self) -> str:
        return literal_names_dict(self.gradient_return_pairs(), 4)

    def cost_body(self) -> sp.Expr:
        """The cost of one output entry in the module's names: A_L, T and, where a log needs it to stay
        finite, Z_L (log sigma(z) as -softplus(-z), log softmax(z) by log-sum-exp)."""
        network = self.network
        output = network.activation(self.depth)
        a_name, z_name = matrix_name("A", self.depth), matrix_name("Z", self.depth)
        a, z, t = sp.Symbol(a_name), sp.Symbol(z_name), sp.Symbol("T")
        body = network.cost.expr.xreplace({A_SCALAR: a, T_SCALAR: t})
        if not output.custom and output.name == "sigmoid":
            # log(sigma(z)) = -softplus(-z), log(1 - sigma(z)) = -softplus(z): finite for any z
            body = body.replace(lambda e: isinstance(e, sp.log) and e.args[0] == a, lambda e: -softplus(-z))
            body = body.replace(
                lambda e: isinstance(e, sp.log) and e.args[0] == 1 - a, lambda e: -softplus(z)
            )
        if not output.custom and output.name == "softmax":
            body = body.replace(lambda e: isinstance(e, sp.log) and e.args[0] == a, lambda e: log_softmax(z))
        if body.has(sp.log):
            body = body.replace(lambda e: isinstance(e, sp.log), lambda e: safe_log(e.args[0]))
        return body

    def cost_reads(self) -> list[str]:
        """The forward arrays the cost reads (A_L, Z_L or both): the step keeps them for `train`'s costs."""
        free = self.cost_body().free_symbols
        return [
            name
            for name in (matrix_name("A", self.depth), matrix_name("Z", self.depth))
            if sp.Symbol(name) in free
        ]

    def cost_lines(self) -> tuple[list[str], str]:
        """Statements of ``_cost_of()`` (the cost of given forward arrays) and the docstring of ``cost()``."""
        network = self.network
        body = self.cost_body()
        a, z = sp.Symbol(matrix_name("A", self.depth)), sp.Symbol(matrix_name("Z", self.depth))
        lines = [f'{name} = values["{name}"]' for name in self.cost_reads()]
        symbols = (a, sp.Symbol("T"), z)
        arrays = [(symbol, sp.MatrixSymbol(symbol.name, 1, 1)) for symbol in symbols if body.has(symbol)]
        terms = Elementwise(sp.Lambda(tuple(s for s, _ in arrays), stabilise(body)), *(m for _, m in arrays))
        lines += Assigner(self.printer, 4)("terms", terms)
        scale = " / T.shape[0]" if network.cost.mean else ""
        # the method skips np.sum's Python wrapper: a microsecond of every cost on small arrays
        lines.append(f"total = terms.sum(){scale}")
        if network.l2:
            matrices = [name for name in self.param_names() if name.startswith("W")]
            weights = " + ".join(f'(params["{name}"] ** 2).sum()' for name in matrices)
            lines.append(f"total = total + L2 / 2 * ({weights})")
        lines.append("return float(total)")
        doc = (
            f"C = {'(1/N) ' if network.cost.mean else ''}sum of {network.cost.expr} over samples and outputs"
        )
        if network.l2:
            doc += " + L2/2 * sum of squared weights"
        return lines, doc + f" ({network.cost.name})."

    # -- everything ---------------------------------------------------------
    def render_values(self, minimal: bool) -> dict:
        network = self.network
        cost_lines, cost_doc = self.cost_lines()
        train = dataclasses.asdict(network.train)
        if minimal:  # the settings a plain gradient-descent loop reads
            train = {key: train[key] for key in ("learning_rate", "epochs", "seed", "print_every")}
        else:  # the runtime adds the defaults
            defaults = dataclasses.asdict(Train())
            train = {key: value for key, value in train.items() if value != defaults[key]}
        values = {
            "minimal": minimal,
            "name": network.name,
            "summary": network.summary(),
            "description": docstring_text(network.description),
            "layers": literal(tuple(network.layers), 0, len("LAYERS = ")),
            "activations": literal(tuple(act.name for act in network.activations), 0, len("ACTIVATIONS = ")),
            "cost_name": literal(network.cost.name),
            "l2": literal(float(network.l2)),
            "dtype": self.dtype,
            "has_data": network.has_data,
            "data_x": _rows(network.X if network.has_data else None, "DATA_X = "),
            "data_t": _rows(network.T if network.has_data else None, "DATA_T = "),
            "train": literal(train, 0, len("TRAIN = ")),
            "depth": self.depth,
            "output": matrix_name("A", self.depth),
            "shapes": literal(self.param_shapes(), 0, len("SHAPES = ")),
            "fan_in": None if self.fan_in() is None else literal(self.fan_in(), 0, len("FAN_IN = ")),
            "first_weight": self.param_names()[0],
            "forward_lines": self.forward_lines(),
            "forward_return": self.forward_return(),
            "backward_lines": self.backward_lines(),
            "gradients_reads": self.gradients_reads(),
            "uses_n": self.uses_n(),
            "gradient_return": self.gradient_return(),
            "cost_lines": cost_lines,
            "cost_doc": cost_doc,
            "data_x_validation": _rows(network.X_validation, "DATA_X_VALIDATION = "),
            "data_t_validation": _rows(network.T_validation, "DATA_T_VALIDATION = "),
            "output_kind": literal(_output_kind(network)),
            "notation_lines": [docstring_text(line).strip() for line in notation_lines(network)],
            "runtime": "" if minimal else runtime_parts()[1].rstrip("\n"),
        }
        if not minimal:
            values.update(StepPrinter(self).values())
        printed = repr({key: value for key, value in values.items() if key != "runtime"})
        values["helpers"] = sorted(name for name, call in HELPER_CALLS.items() if call in printed)
        derived = {"import math"} if "erf" in values["helpers"] else set()
        values["imports"] = import_block(derived, minimal)
        return values


def _rows(rows, lead: str) -> str:
    return "None" if rows is None else literal([list(row) for row in rows], 0, len(lead))


def _output_kind(network) -> str:
    """ "softmax" or "sigmoid" for a classifier's output layer (predict picks classes), else "values"."""
    output = network.activation(network.depth)
    return output.name if output.name in ("softmax", "sigmoid") and not output.custom else "values"


class _ByLayer(dict):
    """Activate printing for the plain printer: the layer comes from the Z matrix's name."""

    def __init__(self, context: Context):
        super().__init__()
        self.context = context

    def __missing__(self, name):
        return lambda z: self.context.activation_source(parse_matrix_name(z)[1], z)


BACKENDS = ("numpy", "torch", "jax")


def generate(derivation, dtype: str = "float64", minimal: bool = False, backend: str = "numpy") -> str:
    """Source of the NumPy training module for ``derivation`` (deterministic: same input, same text).

    ``load_module`` imports it without a file; ``symbp generate -o`` writes it. ``minimal`` gives the
    teaching module: the derived functions and a plain gradient-descent ``train``, no runtime.
    ``backend="torch"`` or ``"jax"`` prints the same derived statements for that library (``backends/``).

    >>> import symbp
    >>> source = symbp.generate(symbp.derive(symbp.load("half_adder")), dtype="float32")
    >>> "delta3 = " in source and "# eq:delta-rec-matrix" in source
    True
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if derivation.network.graph is not None:
        if backend != "numpy":
            raise ValueError(
                f"a graph network's module is written for NumPy only: it has no {backend} backend"
            )
        from symbp.codegen.graph_module import GraphContext  # it extends Context, defined here

        context = GraphContext(derivation, dtype)
    else:
        context = Context(derivation, dtype)
    if backend != "numpy":
        if minimal:
            raise ValueError(f"--minimal prints the NumPy teaching module: it has no {backend} backend")
        from symbp.codegen.backends.module import generate_backend

        return generate_backend(context.render_values(minimal=False), backend)
    template = environment().get_template("numpy_module.py.j2")
    return template.render(**context.render_values(minimal))
