"""Generated modules of graph networks: gradients against central differences of the module's own cost,
and against a backward pass this test writes in plain NumPy from the spec's meaning."""

from __future__ import annotations

import numpy as np
import pytest

import symbp
from symbp.codegen.loading import load_module

ACTIVATIONS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "softplus": (lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
    "identity": (lambda z: z, np.ones_like),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
}
# cost: (value of the outputs A against T, dC/dA, mean over samples)
COSTS = {
    "half_mse": (lambda a, t: (a - t) ** 2 / 2, lambda a, t: a - t, True),
    "half_sse": (lambda a, t: (a - t) ** 2 / 2, lambda a, t: a - t, False),
    "mse": (lambda a, t: (a - t) ** 2, lambda a, t: 2 * (a - t), True),
    "sse": (lambda a, t: (a - t) ** 2, lambda a, t: 2 * (a - t), False),
    "bce": (
        lambda a, t: -t * np.log(a) - (1 - t) * np.log(1 - a),
        lambda a, t: -t / a + (1 - t) / (1 - a),
        True,
    ),
}


def _weight_key(source: int, target: int) -> str:
    return f"W{target}" if source == target - 1 else f"W{target}_{source}"


class Meaning:
    """The network a spec (layers listed in topological order) describes, computed in plain NumPy:
    z_l = sum_s a_s M_(l,s) + b_l, a_l = f_l(z_l) + sum_r a_r, M the own or the tied matrix."""

    def __init__(self, spec: dict):
        self.spec = spec
        tables = spec["layers"]
        self.number = {table["name"]: k for k, table in enumerate(tables)}
        self.sizes = [table["size"] for table in tables]
        self.layers = []
        for k, table in enumerate(tables[1:], start=1):
            sources = []
            for item in table["weighted"]:
                if isinstance(item, str):
                    sources.append((self.number[item], _weight_key(self.number[item], k), False))
                else:
                    tie = item["tie"]
                    key = _weight_key(self.number[tie["from"]], self.number[tie["into"]])
                    sources.append((self.number[item["from"]], key, tie.get("transposed", False)))
            identity = [self.number[name] for name in table.get("identity", [])]
            self.layers.append((k, table.get("activation", spec.get("activation")), sources, identity))
        self.bias = spec.get("bias", True)
        self.cost = spec.get("cost", "half_mse")
        self.l2 = spec.get("l2", 0.0)

    def forward(self, params, X):
        Z, A = {}, {0: X}
        for k, activation, sources, identity in self.layers:
            z = sum(A[s] @ (params[key].T if transposed else params[key]) for s, key, transposed in sources)
            Z[k] = z + params[f"b{k}"] if self.bias else z
            if activation == "softmax":
                e = np.exp(Z[k] - Z[k].max(axis=1, keepdims=True))
                A[k] = e / e.sum(axis=1, keepdims=True)
            else:
                A[k] = ACTIVATIONS[activation][0](Z[k]) + sum((A[r] for r in identity), 0)
        return Z, A

    def cost_value(self, params, X, T):
        A = self.forward(params, X)[1][len(self.sizes) - 1]
        penalty = self.l2 / 2 * sum(np.sum(value**2) for key, value in params.items() if key.startswith("W"))
        if self.cost == "cce":
            return float(-np.sum(T * np.log(A)) / len(X) + penalty)
        value, _, mean = COSTS[self.cost]
        return float(np.sum(value(A, T)) / (len(X) if mean else 1) + penalty)

    def gradients(self, params, X, T):
        """Backpropagation: dC/dA of a layer is the sum over what reads it; dC/dZ = dC/dA * f'(Z)."""
        Z, A = self.forward(params, X)
        last = len(self.sizes) - 1
        dA = {layer: np.zeros_like(A[layer]) for layer in A}
        # a tied matrix is one parameter: its penalty term counts once, its uses add up below
        grads = {key: self.l2 * value if key.startswith("W") else 0 * value for key, value in params.items()}
        dX = np.zeros_like(X)
        for k, activation, sources, identity in reversed(self.layers):
            if k == last and self.cost == "cce":
                delta = (A[k] - T) / len(X)
            else:
                if k == last:
                    _, derivative, mean = COSTS[self.cost]
                    dA[k] = derivative(A[k], T) / (len(X) if mean else 1)
                delta = dA[k] * ACTIVATIONS[activation][1](Z[k])
            for r in identity:
                dA[r] += dA[k]
            for s, key, transposed in sources:
                matrix = params[key].T if transposed else params[key]
                contribution = A[s].T @ delta
                grads[key] += contribution.T if transposed else contribution
                if s:
                    dA[s] += delta @ matrix.T
                else:
                    dX += delta @ matrix.T
            if self.bias:
                grads[f"b{k}"] = delta.sum(axis=0)
        return grads, dX


def _module(spec):
    network = symbp.load(spec)
    return network, load_module(symbp.generate(symbp.derive(network)))


def _point(module, network, rng, samples=4):
    params = module.init_params(seed=int(rng.integers(1000)))
    for key in params:  # biases away from zero too, so every term of the gradient shows
        params[key] = params[key] + rng.uniform(-0.3, 0.3, params[key].shape)
    X = rng.uniform(-1, 1, (samples, network.layers[0]))
    if network.cost.name == "cce":
        T = np.eye(network.layers[-1])[rng.integers(0, network.layers[-1], samples)]
    else:
        T = rng.uniform(0.1, 0.9, (samples, network.layers[-1]))
    return params, X, T


def _relative(a, b) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


def _check(spec, seed=0):
    network, module = _module(spec)
    rng = np.random.default_rng(seed)
    params, X, T = _point(module, network, rng)
    meaning = Meaning(spec)
    expected, _ = meaning.gradients(params, X, T)
    derived = module.gradients(params, X, T)
    assert sorted(derived) == sorted(params) == sorted(expected)
    assert module.cost(params, X, T) == pytest.approx(meaning.cost_value(params, X, T), rel=1e-12)
    numeric = module.numeric_gradients(params, X, T)
    for key in params:
        assert _relative(derived[key], expected[key]) <= 1e-12, key
        assert _relative(derived[key], numeric[key]) <= 1e-6, key
    return network, module, params, X, T


BUILTIN_SPECS = {
    "skip_xor": {
        "name": "skip_xor_meaning",
        "cost": "half_mse",
        "layers": [
            {"name": "x", "size": 2},
            {"name": "h", "size": 1, "activation": "sigmoid", "weighted": ["x"]},
            {"name": "y", "size": 1, "activation": "sigmoid", "weighted": ["h", "x"]},
        ],
    },
    "residual": {
        "name": "residual_meaning",
        "cost": "half_mse",
        "layers": [
            {"name": "x", "size": 4},
            {"name": "a1", "size": 8, "activation": "tanh", "weighted": ["x"]},
            {"name": "a2", "size": 8, "activation": "tanh", "weighted": ["a1"], "identity": ["a1"]},
            {"name": "a3", "size": 8, "activation": "tanh", "weighted": ["a2"], "identity": ["a2"]},
            {"name": "a4", "size": 3, "activation": "sigmoid", "weighted": ["a3"]},
        ],
    },
    "tied_autoencoder": {
        "name": "tied_meaning",
        "cost": "half_mse",
        "layers": [
            {"name": "x", "size": 6},
            {"name": "a1", "size": 2, "activation": "sigmoid", "weighted": ["x"]},
            {
                "name": "a2",
                "size": 6,
                "activation": "sigmoid",
                "weighted": [{"from": "a1", "tie": {"from": "x", "into": "a1", "transposed": True}}],
            },
        ],
    },
}


@pytest.mark.parametrize("name", sorted(BUILTIN_SPECS))
def test_builtin_graph_means_what_the_issue_says(name):
    """The built-in and the spec written here from the stated meaning give the same module numbers."""
    builtin = symbp.load(name)
    network, module, params, X, T = _check(BUILTIN_SPECS[name])
    assert builtin.layers == network.layers
    assert builtin.graph.weighted == network.graph.weighted
    assert builtin.graph.identity == network.graph.identity
    assert [a.name for a in builtin.activations] == [a.name for a in network.activations]


def test_builtin_keys():
    keys = {name: sorted(symbp.load(name).graph.weight_keys()) for name in BUILTIN_SPECS}
    assert keys == {
        "skip_xor": ["W1", "W2", "W2_0"],
        "residual": ["W1", "W2", "W3", "W4"],
        "tied_autoencoder": ["W1"],
    }


def _random_spec(rng, index: int) -> dict:
    """A random graph: skips of any length, joins of 1-3 weighted sources, residuals, ties."""
    depth = int(rng.integers(2, 6))
    hidden = [str(name) for name in rng.choice(sorted(ACTIVATIONS), depth - 1)]
    output, cost = [
        ("sigmoid", "bce"),
        ("softmax", "cce"),
        ("identity", "mse"),
        ("tanh", "half_sse"),
        ("sigmoid", "sse"),
        ("softplus", "half_mse"),
    ][index % 6]
    width = int(rng.integers(2, 4))
    sizes = [int(rng.integers(2, 4))] + [
        width if rng.random() < 0.6 else int(rng.integers(2, 5)) for _ in range(depth - 1)
    ]
    sizes.append(int(rng.integers(2, 4)))
    names = ["x"] + [f"h{k}" for k in range(1, depth)] + ["out"]
    tables = [{"name": "x", "size": sizes[0]}]
    owned = []  # (source, target) of connections with a matrix of their own
    for k in range(1, depth + 1):
        count = min(k, int(rng.integers(1, 4)))
        drawn = {k - 1, *(int(s) for s in rng.choice(k, count - 1, replace=False))}
        # the output also reads the input directly, so that no draw is a plain chain
        sources = sorted(drawn | ({0} if k == depth else set()), reverse=True)
        weighted = []
        for s in sources:
            ties = [
                (a, b)
                for a, b in owned
                if (sizes[b], sizes[a]) == (sizes[s], sizes[k])
                or (sizes[a], sizes[b]) == (sizes[s], sizes[k])
            ]
            if ties and rng.random() < 0.4:
                a, b = ties[int(rng.integers(len(ties)))]
                transposed = (sizes[a], sizes[b]) != (sizes[s], sizes[k])
                weighted.append(
                    {"from": names[s], "tie": {"from": names[a], "into": names[b], "transposed": transposed}}
                )
            else:
                weighted.append(names[s])
                owned.append((s, k))
        table = {
            "name": names[k],
            "size": sizes[k],
            "activation": hidden[k - 1] if k < depth else output,
            "weighted": weighted,
        }
        residual = [names[r] for r in range(1, k) if sizes[r] == sizes[k] and rng.random() < 0.5]
        if residual and k < depth:
            table["identity"] = residual
        tables.append(table)
    spec = {"name": f"random{index}", "cost": cost, "bias": index % 4 != 3, "layers": tables}
    return spec | ({"l2": 0.01} if index % 5 == 2 else {})


@pytest.mark.slow
@pytest.mark.parametrize("index", range(18))
def test_random_graph_gradients(index):
    spec = _random_spec(np.random.default_rng(100 + index), index)
    assert symbp.load(spec).graph is not None
    _check(spec, seed=index)


def test_training_step_in_place_lowers_the_cost():
    network, module = _module("tied_autoencoder")
    params = module.init_params(seed=0)
    X, T = np.array(module.DATA_X), np.array(module.DATA_T)
    costs = module.train(params, X, T, learning_rate=1.0, epochs=300)
    assert costs[-1] < costs[0]
    assert sorted(params) == ["W1", "b1", "b2"]


@pytest.mark.parametrize(
    "spec",
    [
        {
            "name": "chain_dx",
            "layers": [3, 4, 2],
            "activation": "tanh",
            "cost": "half_mse",
            "input_gradient": True,
        },
        BUILTIN_SPECS["skip_xor"] | {"name": "skip_dx", "input_gradient": True},
        BUILTIN_SPECS["residual"] | {"name": "residual_dx", "input_gradient": True},
    ],
    ids=lambda spec: spec["name"],
)
def test_input_gradient(spec):
    """dC/dX for a chain and for graphs: the written backward pass and central differences of the cost."""
    network, module = _module(spec)
    assert network.graph is not None and network.input_gradient
    rng = np.random.default_rng(7)
    params, X, T = _point(module, network, rng)
    derived = module.input_gradient(params, X, T)
    if isinstance(spec["layers"][0], dict):
        _, expected = Meaning(spec).gradients(params, X, T)
        assert _relative(derived, expected) <= 1e-12
    numeric = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        moved = [X.copy(), X.copy()]
        moved[0][index] += 1e-6
        moved[1][index] -= 1e-6
        numeric[index] = (module.cost(params, moved[0], T) - module.cost(params, moved[1], T)) / 2e-6
    assert _relative(derived, numeric) <= 1e-6
    assert sorted(module.gradients(params, X, T)) == sorted(params)
