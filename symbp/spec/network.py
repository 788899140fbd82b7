"""Network: parse and validate a spec (TOML file, Python dict or built-in name).

Everything later in the pipeline trusts a Network, so every rule lives here:
each bad value raises one SpecError that names the field, the value and what
is allowed.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from symbp.errors import SpecError, SymbpError
from symbp.files import read_text
from symbp.spec.catalog import builtin_names, builtin_text, graph_builtin_names, summary_line
from symbp.spec.fields import (
    parse_rows,
    reject_control_characters,
    reject_unknown,
    require_int,
    require_name,
    require_number,
)
from symbp.spec.functions import (
    NAME_PATTERN,
    Activation,
    Cost,
    custom_activation,
    custom_cost,
    make_activation,
    make_cost,
)
from symbp.spec.graph import Graph, chain_graph, parse_graph
from symbp.spec.notation import DEFAULT_NOTATION, Notation, changed
from symbp.spec.profiles import notation_from
from symbp.spec.training import Train, check_held_out, parse_train

TOP_KEYS = (
    "name",
    "description",
    "layers",
    "activation",
    "cost",
    "bias",
    "l2",
    "numbering",
    "notation",
    "train",
    "data",
    "input_gradient",
)
DATA_KEYS = ("X", "T", "X_validation", "T_validation")
MAX_WIDTH = 100_000
MAX_DEPTH = 500
MAX_SPEC_BYTES = 8 * 2**20
TARGET_SUM_TOLERANCE = 1e-9
# Commands that evaluate the concrete network (verify, gradcheck, the demo) difference every
# parameter: 2 P cost evaluations of O(N P) each. The derivation and generated code take any width.
MAX_CHECKED_PARAMETERS = 20_000


@dataclass(frozen=True)
class Network:
    """A validated feed-forward network description.

    ``layers`` holds n_0..n_L; ``activations`` holds f_1..f_L (one per
    non-input layer); ``notation`` says how documents and formulas write the
    network (symbp.spec.notation); the spec's ``numbering`` key sets its input_layer.
    """

    name: str
    layers: tuple[int, ...]
    activations: tuple[Activation, ...]
    cost: Cost
    bias: bool = True
    l2: float = 0.0
    train: Train = Train()
    X: tuple[tuple[float, ...], ...] | None = None
    T: tuple[tuple[float, ...], ...] | None = None
    X_validation: tuple[tuple[float, ...], ...] | None = None
    T_validation: tuple[tuple[float, ...], ...] | None = None
    notation: Notation = DEFAULT_NOTATION
    description: str = ""
    # the connections of a graph network (symbp.spec.graph); None for a chain
    graph: Graph | None = None
    input_gradient: bool = False

    @property
    def numbering(self) -> int:
        """The layer number of the input layer in documents and formulas (0 or 1)."""
        return self.notation.input_layer

    @property
    def depth(self) -> int:
        """L, the number of layers with weights."""
        return len(self.layers) - 1

    @property
    def has_data(self) -> bool:
        return self.X is not None

    @property
    def parameter_count(self) -> int:
        """Weights and biases together."""
        if self.graph is not None:
            weights = sum(
                math.prod(self.graph.weight_shape(key, self.layers)) for key in self.graph.weight_keys()
            )
            return weights + self.bias * sum(self.layers[1:])
        pairs = zip(self.layers[:-1], self.layers[1:], strict=True)
        return sum(fan_in * fan_out + fan_out * self.bias for fan_in, fan_out in pairs)

    def activation(self, layer: int) -> Activation:
        """f_l for l in 1..L."""
        return self.activations[layer - 1]

    @property
    def uniform_activation(self) -> Activation | None:
        """The hidden-and-output activation when all layers share one."""
        first = self.activations[0]
        return first if all(act == first for act in self.activations) else None

    def __repr__(self) -> str:
        return f"Network({self.name}: {self.summary()})"

    def summary(self) -> str:
        names = [act.name for act in self.activations]
        line = summary_line(self.layers, names, self.cost.name, self.bias, self.l2)
        if self.graph is not None:
            line += f", graph of {', '.join(self.graph.weight_keys())}"
        return line + (", dC/dX" if self.input_gradient else "")


def _parse_activation(field: str, value: object) -> Activation:
    if isinstance(value, str):
        return make_activation(value)
    if isinstance(value, dict):
        reject_unknown(field, value, ("name", "expr", "slope"))
        name = require_name(f"{field}.name", value.get("name"))
        if "expr" in value:
            if "slope" in value:
                raise SpecError(f"{field}.slope", value["slope"], "slope only with leaky_relu")
            return custom_activation(name, value["expr"], field)
        options = {k: v for k, v in value.items() if k != "name"}
        return make_activation(name, **options)
    raise SpecError(field, value, "an activation name or a table {name, expr}")


def _parse_activations(value: object, depth: int) -> tuple[Activation, ...]:
    if isinstance(value, list):
        if len(value) != depth:
            raise SpecError(
                "activation",
                value,
                f"one activation for all layers or a list of exactly {depth} (layers 1..{depth})",
            )
        return tuple(_parse_activation(f"activation[{k}]", item) for k, item in enumerate(value))
    return (_parse_activation("activation", value),) * depth


def _parse_cost(value: object) -> Cost:
    if isinstance(value, str):
        return make_cost(value)
    if isinstance(value, dict):
        reject_unknown("cost", value, ("name", "expr"))
        name = require_name("cost.name", value.get("name"))
        if "expr" not in value:
            return make_cost(name)
        return custom_cost(name, value["expr"])
    raise SpecError("cost", value, "a cost name or a table {name, expr}")


def _check_pairing(activations: tuple[Activation, ...], cost: Cost):
    for layer, act in enumerate(activations[:-1], start=1):
        if not act.elementwise:
            raise SpecError(f"activation[{layer - 1}]", act.name, "softmax only at the output layer")
    output = activations[-1]
    if not output.elementwise and cost.name != "cce":
        raise SpecError("cost", cost.name, "cce with a softmax output layer")
    if cost.name == "cce" and output.elementwise:
        raise SpecError("cost", "cce", "cce only with a softmax output layer (activation of the last layer)")
    if cost.name == "bce" and not output.values_in_unit_interval:
        raise SpecError(
            "cost",
            "bce",
            f"bce only with an output activation whose values stay in (0, 1), such as sigmoid "
            f"(the output activation is {output.name})",
        )


def _check_targets(rows: tuple[tuple[float, ...], ...], cost: Cost):
    """Refuse targets that break what the cost's derivation assumes (``Cost.targets``)."""
    if cost.targets == "any":
        return
    for index, row in enumerate(rows):
        if not all(0 <= value <= 1 for value in row):
            raise SpecError(
                f"data.T[{index}]", list(row), f"targets in [0, 1] with {cost.name} (probabilities)"
            )
        if cost.targets == "distribution" and abs(math.fsum(row) - 1) > TARGET_SUM_TOLERANCE:
            raise SpecError(
                f"data.T[{index}]",
                list(row),
                f"a row summing to 1 with {cost.name} (the derived delta A - T assumes it)",
            )


def _parse_pair(data: dict, x_key: str, t_key: str, layers) -> tuple:
    """Inputs and targets of one data set (rows of n_0 and n_L numbers, as many of each)."""
    X = parse_rows(f"data.{x_key}", data.get(x_key), layers[0])
    T = parse_rows(f"data.{t_key}", data.get(t_key), layers[-1])
    if len(X) != len(T):
        raise SpecError(f"data.{t_key}", f"{len(T)} rows", f"as many rows as data.{x_key} ({len(X)})")
    return X, T


def network_from_dict(spec: dict) -> Network:
    """Validate a spec given as a dict (the shape of a TOML document)."""
    if not isinstance(spec, dict):
        raise SpecError("spec", spec, "a table of fields: " + ", ".join(TOP_KEYS))
    reject_unknown("", spec, TOP_KEYS)
    reject_control_characters(spec)
    name = require_name("name", spec.get("name"))
    description = spec.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        raise SpecError("description", description, "a string of at most 500 characters")
    layers, activations, graph = _parse_layers(spec)
    input_gradient = spec.get("input_gradient", False)
    if not isinstance(input_gradient, bool):
        raise SpecError("input_gradient", input_gradient, "true or false")
    if input_gradient and graph is None:
        graph = chain_graph(len(layers) - 1)
    cost = _parse_cost(spec.get("cost", "half_mse"))
    _check_pairing(activations, cost)
    bias = spec.get("bias", True)
    if not isinstance(bias, bool):
        raise SpecError("bias", bias, "true or false")
    l2 = require_number("l2", spec.get("l2", 0.0), 0, strict=False)
    notation = _parse_notation(spec)
    train = parse_train(spec.get("train", {}))
    data = spec.get("data")
    X = T = X_validation = T_validation = None
    if data is not None:
        if not isinstance(data, dict):
            raise SpecError("data", data, "a table with X and T")
        reject_unknown("data", data, DATA_KEYS)
        X, T = _parse_pair(data, "X", "T", layers)
        if "X_validation" in data or "T_validation" in data:
            X_validation, T_validation = _parse_pair(data, "X_validation", "T_validation", layers)
        _check_targets(T, cost)
        if T_validation is not None:
            _check_targets(T_validation, cost)
    check_held_out(train, X, X_validation)
    return Network(
        name=name,
        layers=layers,
        activations=activations,
        cost=cost,
        bias=bias,
        l2=l2,
        train=train,
        X=X,
        T=T,
        X_validation=X_validation,
        T_validation=T_validation,
        notation=notation,
        description=description,
        graph=graph,
        input_gradient=input_gradient,
    )


def _parse_layers(spec: dict) -> tuple[tuple[int, ...], tuple[Activation, ...], Graph | None]:
    """Sizes, activations and (for a list of layer tables) the graph, in topological order."""
    layers_value = spec.get("layers")
    if not isinstance(layers_value, list) or not 2 <= len(layers_value) <= MAX_DEPTH + 1:
        raise SpecError("layers", layers_value, f"a list of 2 to {MAX_DEPTH + 1} layer sizes n_0..n_L")
    if all(isinstance(item, dict) for item in layers_value):
        default = spec.get("activation")
        if isinstance(default, list):
            raise SpecError(
                "activation", default, "one activation for all layers (a graph names each layer's)"
            )
        default_activation = None if default is None else _parse_activation("activation", default)
        sizes, activations, graph = parse_graph(
            layers_value,
            lambda field, size: require_int(field, size, 1, MAX_WIDTH),
            _parse_activation,
            default_activation,
        )
        # a graph in which each layer reads only the one below is a chain, and is derived as one
        chain = chain_graph(len(sizes) - 1)
        is_chain = (graph.weighted, graph.identity) == (chain.weighted, chain.identity)
        return sizes, activations, None if is_chain else graph
    layers = tuple(require_int(f"layers[{k}]", size, 1, MAX_WIDTH) for k, size in enumerate(layers_value))
    if "activation" not in spec:
        raise SpecError("activation", None, "an activation name, table or list (required)")
    return layers, _parse_activations(spec["activation"], len(layers) - 1), None


def _parse_notation(spec: dict) -> Notation:
    """The spec's notation; the ``numbering`` key numbers the input layer and keeps every
    weight matrix's number (numbered from 1, W^{(l)} leaves layer l, as in Neural Networks Demystified)."""
    notation = notation_from(spec.get("notation", DEFAULT_NOTATION))
    if "numbering" not in spec:
        return notation
    numbering = spec["numbering"]
    if numbering not in (0, 1) or isinstance(numbering, bool):
        raise SpecError("numbering", numbering, "0 (input layer is layer 0) or 1 (input layer is layer 1)")
    named_by = "leaving" if numbering else "entering"
    return changed(notation, notation.name, input_layer=numbering, weights_named_by=named_by)


def require_checkable(network: Network, task: str):
    """Refuse, before any work or file, a network too large for the numeric checks of ``task``."""
    count = network.parameter_count
    if count > MAX_CHECKED_PARAMETERS:
        raise SpecError(
            "layers",
            list(network.layers),
            f"at most {MAX_CHECKED_PARAMETERS:,} weights and biases for {task}: this network has {count:,} "
            f"({8 * count / 2**20:,.0f} MiB a copy), and central differences over all of them take "
            f"{2 * count:,} cost evaluations of {count:,} parameters each (derive and generate: any size)",
        )


def _parse_toml_text(text: str, origin: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SymbpError(f"{origin}: TOML syntax error: {error}") from None


def loads(text: str, origin: str = "<spec>") -> Network:
    """A Network from the text of a TOML document."""
    return network_from_dict(_parse_toml_text(text, origin))


def load_builtin(name: str) -> Network:
    names = builtin_names() + graph_builtin_names()
    if name not in names:
        raise SpecError("example", name, "one of " + ", ".join(names))
    return loads(builtin_text(name), f"built-in example {name}")


def load_file(path: str | Path) -> Network:
    text = read_text(path, limit=MAX_SPEC_BYTES, what="spec file (TOML)")
    if not text.strip():
        raise SymbpError(f"{path}: the file is empty; allowed: a spec file (TOML)")
    return loads(text, str(path))


def load(source: str | Path | dict | Network) -> Network:
    """A Network from a Network, a dict, a built-in name or a TOML path.

    >>> import symbp
    >>> symbp.load("half_adder")
    Network(half_adder: 2-2-2-2, sigmoid, half_mse, biases)
    >>> symbp.load({"name": "tiny", "layers": [3, 1], "activation": "sigmoid", "cost": "bce"})
    Network(tiny: 3-1, sigmoid, bce, biases)
    """
    if isinstance(source, Network):
        return source
    if isinstance(source, dict):
        return network_from_dict(source)
    text = str(source)
    if isinstance(source, str) and re.fullmatch(NAME_PATTERN, text) and not text.endswith(".toml"):
        if text in builtin_names() + graph_builtin_names() or not Path(text).exists():
            return load_builtin(text)
    return load_file(text)
