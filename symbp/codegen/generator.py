"""A plain NumPy training module from a Derivation, through one Jinja2 template.

The template holds only the fixed scaffolding of the module contract (init,
numeric gradients, the training loop, the script entry point) and the forward
helpers chosen per built-in activation name. Every backward statement comes
from ``derivation.backward``: printed once as plain expressions for
``gradients()`` and once as in-place ``out=`` ufunc calls for the training
step, each under the label of the equation it implements. A custom activation
or cost changes the derived lines and so the module, with no branch here.
"""

from __future__ import annotations

import dataclasses
import json

import sympy as sp

from symbp.codegen.inplace import InPlaceWriter
from symbp.codegen.lines import Assigner
from symbp.codegen.notation_doc import notation_lines
from symbp.codegen.printer import ModulePrinter, check_identifier, log_softmax, safe_log, softplus, stabilise
from symbp.codegen.tidy import Line, scale_lines, tidy_lines
from symbp.codegen.updates import update_sources
from symbp.derivation.symbolic import LAMBDA, Activate, Elementwise
from symbp.naming import matrix_name, param_names, parse_matrix_name
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.templating import environment

DTYPES = ("float64", "float32")
LINE_LIMIT = 110
LEARNING_RATE = sp.Symbol("learning_rate")
SMALL_WIDTH = 32
# Template helper blocks, included when the printed code calls them.
HELPER_CALLS = {
    "sigmoid": "_sigmoid(",
    "softmax": "_softmax(",
    "log_softmax": "_log_softmax(",
    "leaky_relu": "_leaky_relu(",
    "safe_log": "_safe_log(",
    "erf": "_erf(",
}
# Activations whose in-place helper may write over its own input.
OVERWRITES_INPUT = {"sigmoid", "tanh", "relu", "softplus", "softmax"}


def literal(value, indent: int = 0, lead: int = 0) -> str:
    """Python source of a number, string, None, tuple, list or dict, as ruff format writes it.

    Strings are double-quoted by ``json.dumps`` (escaped, so no text can end
    the literal early); a container too long for one line is exploded one
    item per line with a trailing comma, which ruff format keeps as is.
    ``indent`` is the indentation of the line, ``lead`` the characters around
    the literal on it (``NAME = `` before, a comma after).
    """
    if isinstance(value, str):
        return json.dumps(value)
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, dict):
        items = [
            f"{literal(key)}: {literal(item, indent + 4, len(literal(key)) + 3)}"
            for key, item in value.items()
        ]
        opening, closing = "{", "}"
    else:
        items = [literal(item, indent + 4, 1) for item in value]
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
    flat = (
        opening + ", ".join(items) + ("," if isinstance(value, tuple) and len(items) == 1 else "") + closing
    )
    if indent + lead + len(flat) <= LINE_LIMIT and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{item},\n" for item in items)
    return f"{opening}\n{body}{' ' * indent}{closing}"


def docstring_text(text: str) -> str:
    """Free text made safe inside a triple-quoted docstring: one line, no backslash or quote left raw."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


class _Context:
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
            call = self.activation_source(layer, z)
            writer.emit(f"{call[:-1]}, out={out})")

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
        assign = Assigner(self.printer, 4)
        statements = []
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

    def uses_n(self) -> bool:
        return any(
            sym.name == "N"
            for line in self.lines
            for sym in sp.Tuple(line.coefficient, line.core).free_symbols
        )

    def forward_return(self) -> str:
        names = [self.printer.doprint(line.target) for line in self.derivation.forward]
        return literal_names(names, 4)

    def gradient_return(self) -> str:
        pairs = []
        for name in self.param_names():
            kind, layer = parse_matrix_name(name)
            pairs.append((name, matrix_name("d" + kind, layer)))
        return literal_names_dict(pairs, 4)

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
            weights = " + ".join(f'(params["W{layer}"] ** 2).sum()' for layer in range(1, self.depth + 1))
            lines.append(f"total = total + L2 / 2 * ({weights})")
        lines.append("return float(total)")
        doc = (
            f"C = {'(1/N) ' if network.cost.mean else ''}sum of {network.cost.expr} over samples and outputs"
        )
        if network.l2:
            doc += " + L2/2 * sum of squared weights"
        return lines, doc + f" ({network.cost.name})."

    # -- the in-place step --------------------------------------------------
    def step(self) -> dict:
        scaled = scale_lines(self.lines, LEARNING_RATE)
        folded = scaled is not None
        lines = scaled if folded else self.lines
        read = {sym.name for line in lines for sym in line.core.atoms(sp.MatrixSymbol)}
        read |= set(self.cost_reads())  # train() takes its costs from the step's forward arrays
        shapes = _Shapes()
        # np.dot costs half as much per call as np.matmul, which matters when every array is tiny;
        # np.matmul is faster on large transposed operands (measured: 6% per step at 784-256-256-10)
        product = "np.dot" if max(self.network.layers) <= SMALL_WIDTH else "np.matmul"
        writer = InPlaceWriter(self.printer, shapes, self._flat(), {}, product)
        writer.activations = _InPlaceActivations(self)
        buffers, aliases = [], {}
        forward = []
        for line in self.derivation.forward:
            target = self.printer.doprint(line.target)
            if isinstance(line.expr, Activate):
                z = self.printer.doprint(line.expr.args[1])
                act = self.network.activation(line.layer)
                if act.name == "identity" and not act.custom:
                    buffers.append(f"{target} = {z}  # the identity: A{line.layer} is Z{line.layer}")
                    continue
                if not act.custom and act.name in OVERWRITES_INPUT and z not in read:
                    buffers.append(
                        f"{target} = {z}  # f is applied in place: neither backward nor cost reads {z}"
                    )
                    aliases[target] = z
                else:
                    buffers.append(f"{target} = np.empty({shapes(line.target.shape)}, dtype)")
            else:
                buffers.append(f"{target} = np.empty({shapes(line.target.shape)}, dtype)")
            writer.out = forward_statements = []
            writer.buffers.release_all()
            writer.into(line.expr, target)
            forward += forward_statements
        backward = []
        for line in lines:
            target = self.printer.doprint(line.target)
            buffers.append(f"{target} = {self._gradient_buffer(target, line)}")
            writer.out = statements = []
            writer.buffers.release_all()
            writer.into(line.core, target)
            writer.scale(line.coefficient, target)
            backward.append((line.label, statements))
        # the gradient vector holds learning_rate * dC/dtheta for the optimiser (eq:update-gradient)
        update = [] if folded else ["np.multiply(gradient, learning_rate, out=gradient)"]
        for name, (shape, boolean) in writer.buffers.declared.items():
            buffers.append(f"{name} = np.empty({shape}, {'bool' if boolean else 'dtype'})")
        if writer.uses_ones:
            buffers.append("ones = np.ones(N, dtype)  # column sums as the product 1^T M (eq:db-matrix)")
        return {
            "folded": folded,
            "buffer_lines": buffers,
            "step_forward": forward,
            "step_backward": backward,
            "step_update": update,
            "step_values": literal_names(self.cost_reads(), 4),
        }

    def _flat(self) -> set[str]:
        names = set()
        for layer in range(1, self.depth + 1):
            names |= {matrix_name("b", layer), matrix_name("db", layer)}
        return names

    def _gradient_buffer(self, target: str, line: Line) -> str:
        kind, layer = parse_matrix_name(target)
        if kind in ("dW", "db"):
            return f'gradients["{kind[1:]}{layer}"]'

        return f"np.empty({_Shapes()(line.target.shape)}, dtype)"

    # -- everything ---------------------------------------------------------
    def render_values(self) -> dict:
        network = self.network
        cost_lines, cost_doc = self.cost_lines()
        values = {
            "name": network.name,
            "summary": network.summary(),
            "description": docstring_text(network.description),
            "layers": literal(tuple(network.layers), 0, len("LAYERS = ")),
            "activations": literal(tuple(act.name for act in network.activations), 0, len("ACTIVATIONS = ")),
            "cost_name": literal(network.cost.name),
            "l2": literal(float(network.l2)),
            "dtype": self.dtype,
            "has_data": network.has_data,
            "data_x": literal([list(row) for row in network.X], 0, len("DATA_X = "))
            if network.has_data
            else "",
            "data_t": literal([list(row) for row in network.T], 0, len("DATA_T = "))
            if network.has_data
            else "",
            "train": literal(dataclasses.asdict(network.train), 0, len("TRAIN = ")),
            "bias": network.bias,
            "depth": self.depth,
            "output": matrix_name("A", self.depth),
            "param_names": self.param_names(),
            "shapes": literal(self.param_shapes(), 0, len("SHAPES = ")),
            "forward_lines": self.forward_lines(),
            "forward_return": self.forward_return(),
            "backward_lines": self.backward_lines(),
            "uses_n": self.uses_n(),
            "gradient_return": self.gradient_return(),
            "cost_lines": cost_lines,
            "cost_doc": cost_doc,
            "is_cce": network.cost.name == "cce",
            "has_validation": network.X_validation is not None,
            "data_x_validation": _rows(network.X_validation, "DATA_X_VALIDATION = "),
            "data_t_validation": _rows(network.T_validation, "DATA_T_VALIDATION = "),
            "updates": update_sources(),
            "output_kind": _output_kind(network),
            "notation_lines": [docstring_text(line).strip() for line in notation_lines(network)],
        }
        values.update(self.step())
        printed = repr(values)
        values["helpers"] = sorted(name for name, call in HELPER_CALLS.items() if call in printed)
        return values


def _rows(rows, lead: str) -> str:
    return "" if rows is None else literal([list(row) for row in rows], 0, len(lead))


def _output_kind(network) -> str:
    """ "softmax" or "sigmoid" for a classifier's output layer (predict picks classes), else "values"."""
    output = network.activation(network.depth)
    return output.name if output.name in ("softmax", "sigmoid") and not output.custom else "values"


class _ByLayer(dict):
    """Activate printing for the plain printer: the layer comes from the Z matrix's name."""

    def __init__(self, context: _Context):
        super().__init__()
        self.context = context

    def __missing__(self, name):
        return lambda z: self.context.activation_source(parse_matrix_name(z)[1], z)


class _InPlaceActivations(dict):
    def __init__(self, context: _Context):
        super().__init__()
        self.context = context

    def __missing__(self, name):
        return lambda writer, z, out: self.context.activation_in_place(
            writer, parse_matrix_name(z)[1], z, out
        )


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


def literal_names(names: list[str], indent: int) -> str:
    """A dict literal {"Z1": Z1, ...} of validated names, exploded when too long."""
    items = [f'"{check_identifier(name)}": {name}' for name in names]
    return _braced(items, indent)


def literal_names_dict(pairs: list[tuple[str, str]], indent: int) -> str:
    items = [f'"{check_identifier(key)}": {check_identifier(value)}' for key, value in pairs]
    return _braced(items, indent)


def _braced(items: list[str], indent: int) -> str:
    flat = "{" + ", ".join(items) + "}"
    if indent + len("return ") + len(flat) <= LINE_LIMIT:
        return flat
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "}"


def generate(derivation, dtype: str = "float64") -> str:
    """Source of the NumPy training module for ``derivation`` (deterministic: same input, same text).

    ``load_module`` imports it without a file; ``symbp generate -o`` writes it.

    >>> import symbp
    >>> source = symbp.generate(symbp.derive(symbp.load("half_adder")), dtype="float32")
    >>> "delta3 = " in source and "# eq:delta-rec-matrix" in source
    True
    """
    context = _Context(derivation, dtype)
    template = environment().get_template("numpy_module.py.j2")
    return template.render(**context.render_values())
