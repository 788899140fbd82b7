"""Fuzzing the spec parser: any TOML document gives a Network or symbp's own error, nothing else."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.errors import SymbpError
from symbp.spec.network import TOP_KEYS, Network, loads
from symbp.spec.training import TRAIN_KEYS

KEYS = st.sampled_from(TOP_KEYS + TRAIN_KEYS + ("X", "T", "name", "expr", "slope", "zzz"))
NAMES = st.sampled_from(
    ["sigmoid", "tanh", "relu", "softmax", "identity", "leaky_relu", "half_mse", "cce", "bce"]
)
SCALARS = st.one_of(
    st.integers(-3, 5),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.booleans(),
    NAMES,
    st.text(max_size=12),
    st.sampled_from(["z/(1+abs(z))", "(a - t)**4/4", "__import__('os')", "z**", "exp(z"]),
)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"


VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)


@st.composite
def documents(draw):
    top = draw(st.dictionaries(KEYS, VALUES, max_size=7))
    if draw(st.booleans()):
        top.setdefault("name", "net")
        top.setdefault("layers", draw(st.lists(st.integers(-1, 4), min_size=1, max_size=4)))
        top.setdefault("activation", draw(NAMES))
    lines = [f"{key} = {toml_value(value)}" for key, value in top.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_random_toml_gives_a_network_or_a_symbp_error(text):
    try:
        result = loads(text)
    except SymbpError:
        return
    assert isinstance(result, Network)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_random_text_gives_a_network_or_a_symbp_error(text):
    try:
        loads(text)
    except SymbpError:
        pass
