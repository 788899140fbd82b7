"""verify reads each built-in profile's formulas as its source prints them, and diagnoses its readers' slips.

For every profile: the source's own equations (output delta, the delta recursion, dW, db; index and
matrix forms where the source has both), each of which holds on a network like the source's, and at
least as many slips a student of that source makes, each of which fails with the expected diagnosis
(written in the profile's own symbols). The equations are copied from the sources (see the notes on
each block); where a source prints a form symbp cannot read as such, the block says what was changed.
"""

# ruff: noqa: E501 (the table keeps each formula on one line, as its source prints it)
from __future__ import annotations

import dataclasses

import pytest

from symbp.spec.profiles import PROFILES, notation_from
from symbp.verification.formula import FormulaError, parse_formula
from symbp.verification.verify_formula import verify

L2 = 0.3  # large enough that a forgotten or doubled penalty is far outside the tolerance

# networks like each source's
SIGMOID_MSE = {"name": "sigmoid_mse", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_mse"}
SIGMOID_SSE = {"name": "sigmoid_sse", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_sse"}
SIGMOID_BCE = {"name": "sigmoid_bce", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "bce"}
WELCH = {"name": "welch", "layers": [2, 3, 1], "activation": "sigmoid", "cost": "half_sse", "bias": False}
WELCH_L2 = {**WELCH, "name": "welch_l2", "cost": "half_mse", "l2": L2}
NG = {"name": "ng", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "bce", "l2": L2}
NG_NO_L2 = {**NG, "name": "ng_no_l2", "l2": 0.0}
NG_DEEP = {**NG, "name": "ng_deep", "layers": [2, 3, 3, 2]}
PLANAR = {"name": "planar", "layers": [2, 4, 1], "activation": ["tanh", "sigmoid"], "cost": "bce"}
PLANAR_L2 = {**PLANAR, "name": "planar_l2", "l2": L2}
TANH_SSE = {"name": "tanh_sse", "layers": [2, 3, 2], "activation": ["tanh", "identity"], "cost": "half_sse"}
TANH_SIGMOID = {**TANH_SSE, "name": "tanh_sigmoid", "activation": ["tanh", "sigmoid"]}
TANH_SSE_L2 = {**TANH_SSE, "name": "tanh_sse_l2", "l2": L2}
CS231N = {"name": "cs231n", "layers": [2, 4, 3], "activation": ["relu", "softmax"], "cost": "cce", "l2": L2}
UFLDL = {"name": "ufldl", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_mse"}
UFLDL_L2 = {**UFLDL, "name": "ufldl_l2", "l2": L2}
UFLDL_DEEP = {**UFLDL, "name": "ufldl_deep", "layers": [2, 3, 3, 2]}
RUMELHART = {"name": "rumelhart", "layers": [2, 2, 2], "activation": "sigmoid", "cost": "half_sse"}
RASCHKA = {"name": "raschka", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "bce", "l2": L2}
CHAIN = {
    "name": "chain",
    "layers": [1, 1, 1],
    "activation": "sigmoid",
    "cost": {"name": "sq", "expr": "(a - t)**2"},
}
WIDE = {**CHAIN, "name": "wide", "layers": [2, 3, 2]}
TANH_DEEP = {"name": "tanh_deep", "layers": [2, 3, 3, 2], "activation": "tanh", "cost": "half_sse"}

# Ng's penalty is lambda/(2m) sum Theta^2: with l2_per_sample his lambda/m is the spec's l2
NG_NOTATION = notation_from({"profile": "ng", "l2_per_sample": True})
NIELSEN_L2 = notation_from({"profile": "nielsen", "l2_per_sample": True})
DLAI_L2 = notation_from({"profile": "deeplearning_ai", "l2_per_sample": True})
NOTATIONS = {"ng+l2": NG_NOTATION, "nielsen+l2": NIELSEN_L2, "deeplearning_ai+l2": DLAI_L2}


def notation_of(profile: str):
    return NOTATIONS.get(profile, profile)


def _profile(name: str) -> str:
    return name.split("+")[0]


HOLDS = "holds"
# (profile, network, formula as the source prints it, "holds" or a fragment of the expected diagnosis)
CASES = [
    # -- default: The backpropagation algorithm (row vectors, w_ij from i below to j, layers ^{(l)} from 0)
    ("default", "half_adder", r"\delta^{(L)}_j = (a^{(L)}_j - t_j) \sigma'(z^{(L)}_j)", HOLDS),
    (
        "default",
        "half_adder",
        r"\delta^{(l)}_j = \sigma'(z^{(l)}_j) \sum_k w^{(l+1)}_{jk} \delta^{(l+1)}_k",
        HOLDS,
    ),
    (
        "default",
        "half_adder",
        r"\frac{\partial C}{\partial w^{(l)}_{ij}} = a^{(l-1)}_i \delta^{(l)}_j",
        HOLDS,
    ),
    ("default", "half_adder", r"\frac{\partial C}{\partial b^{(l)}_j} = \delta^{(l)}_j", HOLDS),
    ("default", "half_adder", r"\delta^{(L)} = \frac{1}{N} (A^{(L)} - T) \odot \sigma'(Z^{(L)})", HOLDS),
    ("default", "half_adder", r"\delta^{(l)} = (\delta^{(l+1)} (W^{(l+1)})^T) \odot \sigma'(Z^{(l)})", HOLDS),
    ("default", "half_adder", r"\frac{\partial C}{\partial W^{(l)}} = (A^{(l-1)})^T \delta^{(l)}", HOLDS),
    ("default", "half_adder", r"\frac{\partial C}{\partial b^{(l)}} = \mathbf{1}^T \delta^{(l)}", HOLDS),
    ("default", "half_adder", r"\frac{\partial C}{\partial W^{(l)}} = A^{(l-1)} \delta^{(l)}", "transposed"),
    (
        "default",
        "half_adder",
        r"\delta^{(l)} = (\delta^{(l+1)} (W^{(l+1)})^T) \odot \sigma'(A^{(l)})",
        "taken at the activation",
    ),
    (
        "default",
        "half_adder",
        r"\delta^{(L)} = (A^{(L)} - T) \odot \sigma'(Z^{(L)})",
        "a factor 1/N is missing",
    ),
    (
        "default",
        "half_adder",
        r"\delta^{(l)}_j = \sigma'(z^{(l)}_j) \sum_k w^{(l+1)}_{kj} \delta^{(l+1)}_k",
        "swapped weight indices",
    ),
    (
        "default",
        "half_adder",
        r"\frac{\partial C}{\partial w^{(l)}_{ij}} = a^{(l)}_i \delta^{(l)}_j",
        "off by one layer",
    ),
    (
        "default",
        "half_adder",
        r"\delta^{(L)}_j = (a^{(L)}_j - t_j) \sigma(z^{(L)}_j)",
        "where the derivative",
    ),
    ("default", "half_adder", r"\delta^{(L)}_j = (t_j - a^{(L)}_j) \sigma'(z^{(L)}_j)", "sign flipped"),
    (
        "default",
        "half_adder",
        r"\delta^{(L)}_j = (a^{(L)}_j - t_j) (1 - (a^{(L)}_j)^2)",
        "derivative of another activation",
    ),
    # -- welch: Neural Networks Demystified, part 4 (J = 1/2 sum (y - yhat)^2, no biases) and part 7 (l2)
    ("welch", WELCH, r"\delta^{(3)} = -(y-\hat{y}) f'(z^{(3)})", HOLDS),
    ("welch", WELCH, r"\frac{\partial J}{\partial W^{(2)}} = (a^{(2)})^T\delta^{(3)}", HOLDS),
    ("welch", WELCH, r"\delta^{(2)} = \delta^{(3)}(W^{(2)})^T f'(z^{(2)})", HOLDS),
    ("welch", WELCH, r"\frac{\partial J}{\partial W^{(1)}} = X^T\delta^{(2)}", HOLDS),
    ("welch", WELCH, r"\frac{\partial J}{\partial W^{(2)}} = (a^{(2)})^T (-(y-\hat{y}) f'(z^{(3)}))", HOLDS),
    ("welch", WELCH, r"\delta^{(3)}_j = -(y_j - \hat{y}_j) f'(z^{(3)}_j)", HOLDS),
    ("welch", WELCH, r"\frac{\partial J}{\partial W^{(1)}_{ij}} = x_i \delta^{(2)}_j", HOLDS),
    ("welch", WELCH, r"\delta^{(2)}_j = f'(z^{(2)}_j) \sum_k W^{(2)}_{jk} \delta^{(3)}_k", HOLDS),
    # part 7: dJdW2 = a2.T delta3 / N + Lambda W2, where delta3 is still -(y - yHat) f'(z3)
    (
        "welch",
        WELCH_L2,
        r"\frac{\partial J}{\partial W^{(2)}} = \frac{1}{N} (a^{(2)})^T (-(y-\hat{y}) f'(z^{(3)})) + \lambda W^{(2)}",
        HOLDS,
    ),
    ("welch", WELCH, r"\delta^{(2)} = \delta^{(3)} W^{(2)} f'(z^{(2)})", "is needed (transposed)"),
    ("welch", WELCH, r"\frac{\partial J}{\partial W^{(2)}} = (a^{(1)})^T\delta^{(3)}", "off by one layer"),
    ("welch", WELCH, r"\delta^{(3)} = -(y-\hat{y}) f(z^{(3)})", "where the derivative"),
    ("welch", WELCH, r"\delta^{(3)} = (y-\hat{y}) f'(z^{(3)})", "sign flipped"),
    (
        "welch",
        WELCH,
        r"\frac{\partial J}{\partial W^{(2)}} = \frac{1}{N}(a^{(2)})^T\delta^{(3)}",
        "an extra factor 1/N",
    ),
    ("welch", WELCH, r"\delta^{(3)} = -(y-\hat{y}) f'(\hat{y})", "taken at the activation"),
    (
        "welch",
        WELCH_L2,
        r"\frac{\partial J}{\partial W^{(2)}} = \frac{1}{N} (a^{(2)})^T (-(y-\hat{y}) f'(z^{(3)}))",
        "is missing",
    ),
    ("welch", WELCH, r"\delta^{(3)} = -(y-\hat{y}) f'(z^{(2)})", "off by one layer"),
    ("welch", WELCH, r"\frac{\partial J}{\partial W^{(2)}} = \delta^{(3)} (a^{(2)})^T", "in the wrong order"),
    # -- nielsen: ch. 2 BP1-BP4 (per example, C = 1/2n sum |y - a^L|^2), ch. 3 cross-entropy and L2
    ("nielsen", SIGMOID_MSE, r"\delta^L_j = \frac{\partial C}{\partial a^L_j} \sigma'(z^L_j)", HOLDS),
    ("nielsen", SIGMOID_MSE, r"\delta^L = \nabla_a C \odot \sigma'(z^L)", HOLDS),
    ("nielsen", SIGMOID_MSE, r"\delta^L = (a^L-y) \odot \sigma'(z^L)", HOLDS),
    ("nielsen", SIGMOID_MSE, r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)", HOLDS),
    ("nielsen", SIGMOID_MSE, r"\frac{\partial C}{\partial b^l_j} = \delta^l_j", HOLDS),
    ("nielsen", SIGMOID_MSE, r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j", HOLDS),
    ("nielsen", SIGMOID_MSE, r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l-1})^T", HOLDS),
    ("nielsen", SIGMOID_MSE, r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)", HOLDS),
    ("nielsen", SIGMOID_BCE, r"\delta^L = a^L - y", HOLDS),
    (
        "nielsen",
        SIGMOID_BCE,
        r"\frac{\partial C}{\partial w^L_{jk}} = \frac{1}{n} \sum_x a^{L-1}_{xk} (a^L_{xj} - y_{xj})",
        HOLDS,
    ),
    (
        "nielsen+l2",
        {**SIGMOID_MSE, "name": "nielsen_l2", "l2": L2},
        r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l-1})^T + \frac{\lambda}{n} w^l",
        HOLDS,
    ),
    ("nielsen", SIGMOID_MSE, r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k", "swapped"),
    ("nielsen", SIGMOID_MSE, r"\delta^l = ((w^l)^T \delta^{l+1}) \odot \sigma'(z^l)", "off by one layer"),
    (
        "nielsen",
        SIGMOID_MSE,
        r"\delta^l = (w^{l+1})^T \delta^{l+1}",
        "a factor is missing: the activation derivative",
    ),
    (
        "nielsen",
        SIGMOID_MSE,
        r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(a^l)",
        "taken at the activation",
    ),
    (
        "nielsen",
        SIGMOID_BCE,
        r"\delta^L = (a^L - y) \odot \sigma'(z^L)",
        "an extra factor: the activation derivative",
    ),
    ("nielsen", SIGMOID_MSE, r"\frac{\partial C}{\partial w^l} = (a^{l-1})^T \delta^l", "in the wrong order"),
    ("nielsen", SIGMOID_MSE, r"\delta^L = (y - a^L) \odot \sigma'(z^L)", "sign flipped"),
    (
        "nielsen+l2",
        {**SIGMOID_MSE, "name": "nielsen_l2", "l2": L2},
        r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l-1})^T",
        "the regularisation term \\lambda/n w^{l} is missing",
    ),
    ("nielsen", SIGMOID_MSE, r"\delta^L = (a^L-y) \odot \sigma'(z^{L-1})", "off by one layer"),
    (
        "nielsen",
        SIGMOID_MSE,
        r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^{l+1})",
        "off by one layer",
    ),
    (
        "nielsen",
        SIGMOID_MSE,
        r"\delta^L_j = \frac{\partial C}{\partial a^L_j} \sigma(z^L_j)",
        "where the derivative",
    ),
    # -- ng: Machine Learning week 5 (Theta^{(l)} leaves layer l, a^{(1)} = x, .*, g', Delta and D)
    ("ng+l2", NG, r"\delta^{(L)} = a^{(L)} - y", HOLDS),
    ("ng+l2", NG, r"\delta^{(4)}_j = a^{(4)}_j - y_j".replace("4", "3"), HOLDS),
    ("ng+l2", NG, r"\delta^{(l)} = ((\Theta^{(l)})^T \delta^{(l+1)}) .* g'(z^{(l)})", HOLDS),
    ("ng+l2", NG, r"\delta^{(l)} = ((\Theta^{(l)})^T \delta^{(l+1)}) .* a^{(l)} .* (1 - a^{(l)})", HOLDS),
    ("ng+l2", NG, r"\delta^{(2)} = (\Theta^{(2)})^T\delta^{(3)} .* g'(z^{(2)})", HOLDS),
    ("ng+l2", NG, r"D^{(l)} = \frac{1}{m}\Delta^{(l)} + \frac{\lambda}{m}\Theta^{(l)}", HOLDS),
    (
        "ng+l2",
        NG,
        r"D^{(l)}_{ij} = \frac{1}{m}\left(\Delta^{(l)}_{ij} + \lambda\Theta^{(l)}_{ij}\right)",
        HOLDS,
    ),
    ("ng+l2", NG, r"\frac{\partial}{\partial \Theta^{(l)}_{ij}} J(\Theta) = D^{(l)}_{ij}", HOLDS),
    (
        "ng+l2",
        NG_NO_L2,
        r"\frac{\partial}{\partial \Theta^{(l)}_{ij}} J(\Theta) = a^{(l)}_j \delta^{(l+1)}_i",
        HOLDS,
    ),
    (
        "ng+l2",
        NG,
        r"\frac{\partial J}{\partial \Theta^{(l)}} = \delta^{(l+1)} (a^{(l)})^T + \frac{\lambda}{m}\Theta^{(l)}",
        HOLDS,
    ),
    (
        "ng+l2",
        NG_DEEP,
        r"\delta^{(l)} = ((\Theta^{(l+1)})^T \delta^{(l+1)}) .* g'(z^{(l)})",
        "off by one layer",
    ),
    (
        "ng+l2",
        NG,
        r"D^{(l)} = \frac{1}{m}\Delta^{(l)}",
        "the regularisation term \\lambda/m \\Theta^{(l)} is missing",
    ),
    ("ng+l2", NG, r"D^{(l)} = \Delta^{(l)} + \frac{\lambda}{m}\Theta^{(l)}", "a factor 1/m is missing"),
    (
        "ng+l2",
        NG,
        r"\delta^{(l)} = ((\Theta^{(l)})^T \delta^{(l+1)}) .* g'(a^{(l)})",
        "g'(a^{(l)}) where g'(z^{(l)}) is needed",
    ),
    (
        "ng+l2",
        NG,
        r"\delta^{(l)} = ((\Theta^{(l)})^T \delta^{(l+1)}) .* z^{(l)} .* (1 - z^{(l)})",
        "z^{(l)} where a^{(l)} is needed",
    ),
    (
        "ng+l2",
        NG_NO_L2,
        r"\frac{\partial}{\partial \Theta^{(l)}_{ij}} J(\Theta) = a^{(l)}_i \delta^{(l+1)}_j",
        "swapped",
    ),
    ("ng+l2", NG, r"\delta^{(L)} = y - a^{(L)}", "sign flipped"),
    ("ng+l2", NG, r"\delta^{(l)} = (\Theta^{(l)} \delta^{(l+1)}) .* g'(z^{(l)})", "transposed"),
    (
        "ng+l2",
        NG,
        r"\delta^{(l)} = (\Theta^{(l)})^T \delta^{(l+1)}",
        "a factor is missing: the activation derivative g'(z^{(l)})",
    ),
    (
        "ng+l2",
        NG,
        r"\frac{\partial J}{\partial \Theta^{(l)}} = \delta^{(l+1)} (a^{(l)})^T + \frac{\lambda}{m}\Theta^{(l)} + \frac{\lambda}{m}\Theta^{(l)}",
        "counted twice",
    ),
    # -- deeplearning_ai: course 1 weeks 3-4 (columns are examples, dZ per example, 1/m in dW and db)
    ("deeplearning_ai", PLANAR, r"dZ^{[2]} = A^{[2]} - Y", HOLDS),
    ("deeplearning_ai", PLANAR, r"dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}", HOLDS),
    ("deeplearning_ai", PLANAR, r"db^{[2]} = \frac{1}{m} np.sum(dZ^{[2]}, axis=1, keepdims=True)", HOLDS),
    ("deeplearning_ai", PLANAR, r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - np.power(A^{[1]}, 2))", HOLDS),
    ("deeplearning_ai", PLANAR, r"dZ^{[1]} = W^{[2]T}dZ^{[2]} * g^{[1]\prime}(Z^{[1]})", HOLDS),
    ("deeplearning_ai", PLANAR, r"dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T", HOLDS),
    ("deeplearning_ai", PLANAR, r"dA^{[l-1]} = W^{[l]T} dZ^{[l]}", HOLDS),
    ("deeplearning_ai", PLANAR, r"dZ^{[l]} = dA^{[l]} * g^{[l]\prime}(Z^{[l]})", HOLDS),
    ("deeplearning_ai", PLANAR, r"dW^{[l]} = \frac{1}{m} np.dot(dZ^{[l]}, A^{[l-1]}.T)", HOLDS),
    ("deeplearning_ai", PLANAR, r"dA^{[2]} = -(\frac{Y}{A^{[2]}} - \frac{1-Y}{1-A^{[2]}})", HOLDS),
    (
        "deeplearning_ai+l2",
        PLANAR_L2,
        r"dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T + \frac{\lambda}{m} W^{[1]}",
        HOLDS,
    ),
    ("deeplearning_ai", PLANAR, r"dW^{[2]} = dZ^{[2]} A^{[1]T}", "a factor 1/m is missing"),
    ("deeplearning_ai", PLANAR, r"dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]}", "transposed"),
    (
        "deeplearning_ai",
        PLANAR,
        r"db^{[2]} = np.sum(dZ^{[2]}, axis=1, keepdims=True)",
        "a factor 1/m is missing",
    ),
    (
        "deeplearning_ai",
        PLANAR,
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - np.power(Z^{[1]}, 2))",
        "where a^{[1]} is needed",
    ),
    (
        "deeplearning_ai",
        PLANAR,
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * A^{[1]} * (1 - A^{[1]})",
        "is the derivative of another activation",
    ),
    ("deeplearning_ai", PLANAR, r"dZ^{[1]} = W^{[2]} dZ^{[2]} * g^{[1]\prime}(Z^{[1]})", "transposed"),
    ("deeplearning_ai", PLANAR, r"dZ^{[2]} = \frac{1}{m}(A^{[2]} - Y)", "an extra factor 1/m"),
    ("deeplearning_ai+l2", PLANAR_L2, r"dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T", "regularisation term"),
    ("deeplearning_ai", PLANAR, r"dA^{[l-1]} = W^{[l-1]T} dZ^{[l]}", "off by one layer"),
    ("deeplearning_ai", PLANAR, r"dZ^{[l]} = dA^{[l]} * g^{[l]\prime}(A^{[l]})", "taken at the activation"),
    (
        "deeplearning_ai",
        PLANAR,
        r"db^{[2]} = \frac{1}{m} np.sum(dZ^{[2]}, axis=0, keepdims=True)",
        "axis 1 is needed",
    ),
    # -- goodfellow: algorithm 6.4 (a^{(k)} pre-activation, h^{(k)} activation, one example; the running
    # gradient g is written out as the gradient it holds at each step)
    ("goodfellow", TANH_SSE, r"\nabla_{\hat{y}} J = \hat{y} - y", HOLDS),
    ("goodfellow", TANH_SSE, r"\nabla_{a^{(k)}} J = \nabla_{h^{(k)}} J \odot f'(a^{(k)})", HOLDS),
    ("goodfellow", TANH_SSE, r"\nabla_{b^{(k)}} J = \nabla_{a^{(k)}} J", HOLDS),
    ("goodfellow", TANH_SSE, r"\nabla_{W^{(k)}} J = \nabla_{a^{(k)}} J \, h^{(k-1)\top}", HOLDS),
    ("goodfellow", TANH_SSE, r"\nabla_{h^{(k-1)}} J = W^{(k)\top} \nabla_{a^{(k)}} J", HOLDS),
    ("goodfellow", TANH_SSE, r"\nabla_{W^{(1)}} J = \nabla_{a^{(1)}} J \, x^\top", HOLDS),
    ("goodfellow", TANH_SSE, r"g^{(k)} = \nabla_{h^{(k)}} J \odot f'(a^{(k)})", HOLDS),
    ("goodfellow", TANH_SSE, r"\frac{\partial J}{\partial W^{(k)}_{ij}} = g^{(k)}_i h^{(k-1)}_j", HOLDS),
    (
        "goodfellow",
        TANH_SSE_L2,
        r"\nabla_{W^{(k)}} J = \nabla_{a^{(k)}} J \, h^{(k-1)\top} + \lambda W^{(k)}",
        HOLDS,
    ),
    ("goodfellow", TANH_SSE_L2, r"\nabla_{b^{(k)}} J = \nabla_{a^{(k)}} J", HOLDS),
    (
        "goodfellow",
        TANH_SSE,
        r"\nabla_{a^{(k)}} J = \nabla_{h^{(k)}} J \odot f'(h^{(k)})",
        "taken at the activation",
    ),
    ("goodfellow", TANH_SSE, r"\nabla_{W^{(k)}} J = \nabla_{a^{(k)}} J \, h^{(k)\top}", "off by one layer"),
    ("goodfellow", TANH_SSE, r"\nabla_{h^{(k-1)}} J = W^{(k)} \nabla_{a^{(k)}} J", "transposed"),
    (
        "goodfellow",
        TANH_SSE_L2,
        r"\nabla_{W^{(k)}} J = \nabla_{a^{(k)}} J \, h^{(k-1)\top} + 2\lambda W^{(k)}",
        "an extra factor: 2",
    ),
    (
        "goodfellow",
        TANH_SSE_L2,
        r"\nabla_{b^{(k)}} J = \nabla_{a^{(k)}} J + \lambda b^{(k)}",
        "the bias is regularised",
    ),
    (
        "goodfellow",
        TANH_SSE,
        r"\nabla_{a^{(k)}} J = \nabla_{h^{(k)}} J",
        "a factor is missing: the activation derivative",
    ),
    ("goodfellow", TANH_SSE, r"\nabla_{\hat{y}} J = y - \hat{y}", "sign flipped"),
    ("goodfellow", TANH_SSE, r"\nabla_{W^{(k)}} J = h^{(k-1)\top} \nabla_{a^{(k)}} J", "in the wrong order"),
    ("goodfellow", TANH_SSE, r"\frac{\partial J}{\partial W^{(k)}_{ij}} = g^{(k)}_j h^{(k-1)}_i", "swapped"),
    (
        "goodfellow",
        TANH_SSE_L2,
        r"\nabla_{W^{(k)}} J = \nabla_{a^{(k)}} J \, h^{(k-1)\top}",
        "regularisation term \\lambda W^{(k)} is missing",
    ),
    # -- bishop: PRML 5.3 (index form; a_j pre-activation, z_j = h(a_j), units i, j, k; E = sum_n E_n)
    ("bishop", TANH_SSE, r"\delta_k = y_k - t_k", HOLDS),
    ("bishop", TANH_SSE, r"\delta_j = h'(a_j) \sum_k w_{kj} \delta_k", HOLDS),
    ("bishop", TANH_SSE, r"\delta_j = (1 - z_j^2) \sum_{k} w_{kj} \delta_k", HOLDS),
    ("bishop", TANH_SSE, r"\frac{\partial E_n}{\partial w_{ji}} = \delta_j z_i", HOLDS),
    ("bishop", TANH_SSE, r"\frac{\partial E_n}{\partial w^{(1)}_{ji}} = \delta_j x_i", HOLDS),
    ("bishop", TANH_SSE, r"\frac{\partial E_n}{\partial w^{(2)}_{kj}} = \delta_k z_j", HOLDS),
    ("bishop", TANH_SSE, r"\frac{\partial E_n}{\partial a_j} = h'(a_j) \sum_k w_{kj} \delta_k", HOLDS),
    ("bishop", TANH_SSE, r"\frac{\partial E_n}{\partial b_j} = \delta_j", HOLDS),
    ("bishop", TANH_SSE, r"\frac{\partial E}{\partial w_{kj}} = \sum_n \delta_{nk} z_{nj}", HOLDS),
    ("bishop", TANH_SSE, r"\delta_j = h'(z_j) \sum_k w_{kj} \delta_k", "h'(z_{j}) where h'(a_{j}) is needed"),
    ("bishop", TANH_SSE, r"\delta_j = h'(a_j) \sum_k w_{jk} \delta_k", "swapped weight indices"),
    ("bishop", TANH_SSE, r"\delta_j = (1 - a_j^2) \sum_k w_{kj} \delta_k", "where z_{j} is needed"),
    (
        "bishop",
        TANH_SSE,
        r"\delta_j = z_j(1 - z_j) \sum_k w_{kj} \delta_k",
        "is the derivative of another activation",
    ),
    (
        "bishop",
        TANH_SSE,
        r"\frac{\partial E_n}{\partial w_{kj}} = \delta_k a_j",
        "a_{j} where z_{j} is needed",
    ),
    ("bishop", TANH_SSE, r"\delta_k = t_k - y_k", "sign flipped"),
    ("bishop", TANH_SIGMOID, r"\delta_k = y_k - t_k", "a factor is missing: the activation derivative"),
    (
        "bishop",
        TANH_SSE,
        r"\frac{\partial E}{\partial w_{kj}} = \frac{1}{N} \sum_n \delta_{nk} z_{nj}",
        "an extra factor 1/N",
    ),
    (
        "bishop",
        TANH_SSE,
        r"\delta_j = \sum_k w_{kj} \delta_k",
        "a factor is missing: the activation derivative",
    ),
    # -- cs231n: the neural network case study (rows, X W + b, scores s, hidden h = relu, probs p, reg)
    ("cs231n", CS231N, r"dS^{(2)} = \frac{1}{N}(P - Y)", HOLDS),
    ("cs231n", CS231N, r"dW^{(2)} = np.dot(H^{(1)}.T, dS^{(2)}) + \mathrm{reg} * W^{(2)}", HOLDS),
    ("cs231n", CS231N, r"db^{(2)} = np.sum(dS^{(2)}, axis=0, keepdims=True)", HOLDS),
    ("cs231n", CS231N, r"dH^{(1)} = np.dot(dS^{(2)}, W^{(2)}.T)", HOLDS),
    (
        "cs231n",
        CS231N,
        r"dS^{(1)} = \begin{cases} dH^{(1)} & S^{(1)} > 0 \\ 0 & \text{otherwise} \end{cases}",
        HOLDS,
    ),
    ("cs231n", CS231N, r"dW^{(1)} = np.dot(X.T, dS^{(1)}) + reg * W^{(1)}", HOLDS),
    ("cs231n", CS231N, r"db^{(1)} = np.sum(dS^{(1)}, axis=0, keepdims=True)", HOLDS),
    ("cs231n", CS231N, r"\frac{\partial L_i}{\partial s^{(2)}_k} = p_k - y_k", HOLDS),
    ("cs231n", CS231N, r"dS^{(2)} = P - Y", "a factor 1/N is missing"),
    (
        "cs231n",
        CS231N,
        r"dW^{(2)} = np.dot(H^{(1)}.T, dS^{(2)})",
        "regularisation term \\mathrm{reg} W^{(2)} is missing",
    ),
    (
        "cs231n",
        CS231N,
        r"dW^{(2)} = np.dot(H^{(1)}.T, dS^{(2)}) + 2 * \mathrm{reg} * W^{(2)}",
        "an extra factor: 2",
    ),
    ("cs231n", CS231N, r"dH^{(1)} = np.dot(dS^{(2)}, W^{(2)})", "transposed"),
    (
        "cs231n",
        CS231N,
        r"db^{(2)} = np.sum(dS^{(2)}, axis=0, keepdims=True) + \mathrm{reg} * b^{(2)}",
        "the bias is regularised",
    ),
    ("cs231n", CS231N, r"dW^{(2)} = np.dot(H^{(1)}, dS^{(2)}) + \mathrm{reg} * W^{(2)}", "transposed"),
    ("cs231n", CS231N, r"dS^{(2)} = \frac{1}{N}(Y - P)", "sign flipped"),
    ("cs231n", CS231N, r"dW^{(1)} = np.dot(X.T, dS^{(2)}) + reg * W^{(1)}", "off by one layer"),
    # -- ufldl: Backpropagation Algorithm (W^{(l)} leaves layer l, inputs are layer 1, output n_l, bullet)
    ("ufldl", UFLDL, r"\delta^{(n_l)}_i = -(y_i - a^{(n_l)}_i) \cdot f'(z^{(n_l)}_i)", HOLDS),
    (
        "ufldl",
        UFLDL,
        r"\delta^{(l)}_i = \left(\sum_{j} W^{(l)}_{ji} \delta^{(l+1)}_j\right) f'(z^{(l)}_i)",
        HOLDS,
    ),
    (
        "ufldl",
        UFLDL,
        r"\frac{\partial}{\partial W^{(l)}_{ij}} J(W,b;x,y) = a^{(l)}_j \delta^{(l+1)}_i",
        HOLDS,
    ),
    ("ufldl", UFLDL, r"\frac{\partial}{\partial b^{(l)}_{i}} J(W,b;x,y) = \delta^{(l+1)}_i", HOLDS),
    ("ufldl", UFLDL, r"\delta^{(n_l)} = -(y - a^{(n_l)}) \bullet f'(z^{(n_l)})", HOLDS),
    ("ufldl", UFLDL, r"\delta^{(l)} = \left((W^{(l)})^T \delta^{(l+1)}\right) \bullet f'(z^{(l)})", HOLDS),
    ("ufldl", UFLDL, r"\nabla_{W^{(l)}} J(W,b;x,y) = \delta^{(l+1)} (a^{(l)})^T", HOLDS),
    ("ufldl", UFLDL, r"\nabla_{b^{(l)}} J(W,b;x,y) = \delta^{(l+1)}", HOLDS),
    ("ufldl", UFLDL_L2, r"\nabla_{W^{(l)}} J(W,b) = \delta^{(l+1)} (a^{(l)})^T + \lambda W^{(l)}", HOLDS),
    ("ufldl", UFLDL, r"\delta^{(n_l)} = (y - a^{(n_l)}) \bullet f'(z^{(n_l)})", "sign flipped"),
    (
        "ufldl",
        UFLDL_DEEP,
        r"\delta^{(l)} = \left((W^{(l+1)})^T \delta^{(l+1)}\right) \bullet f'(z^{(l)})",
        "off by one layer",
    ),
    (
        "ufldl",
        UFLDL_L2,
        r"\nabla_{W^{(l)}} J(W,b) = \delta^{(l+1)} (a^{(l)})^T + \frac{\lambda}{2} W^{(l)}",
        "an extra factor 1/2",
    ),
    (
        "ufldl",
        UFLDL,
        r"\frac{\partial}{\partial W^{(l)}_{ij}} J(W,b;x,y) = a^{(l)}_i \delta^{(l+1)}_j",
        "swapped",
    ),
    ("ufldl", UFLDL, r"\nabla_{W^{(l)}} J(W,b;x,y) = (a^{(l)})^T \delta^{(l+1)}", "in the wrong order"),
    (
        "ufldl",
        UFLDL,
        r"\delta^{(l)} = \left((W^{(l)})^T \delta^{(l+1)}\right) \bullet f'(a^{(l)})",
        "taken at the activation",
    ),
    (
        "ufldl",
        UFLDL,
        r"\delta^{(l)} = (W^{(l)})^T \delta^{(l+1)}",
        "a factor is missing: the activation derivative",
    ),
    (
        "ufldl",
        UFLDL,
        r"\delta^{(n_l)}_i = -(y_i - a^{(n_l)}_i) \cdot f'(a^{(n_l)}_i)",
        "taken at the activation",
    ),
    (
        "ufldl",
        UFLDL_L2,
        r"\nabla_{b^{(l)}} J(W,b) = \delta^{(l+1)} + \lambda b^{(l)}",
        "the bias is regularised",
    ),
    # -- wikipedia: Backpropagation (derivation: o_j = phi(net_j), w_ij from i to j; matrix section
    # with bare layers; the layer of each symbol written as a superscript)
    ("wikipedia", SIGMOID_SSE, r"\frac{\partial E}{\partial w^l_{ij}} = o^{l-1}_i \delta^l_j", HOLDS),
    ("wikipedia", SIGMOID_SSE, r"\delta^L_j = (o^L_j - t_j) o^L_j (1 - o^L_j)", HOLDS),
    (
        "wikipedia",
        SIGMOID_SSE,
        r"\delta^l_j = \left(\sum_k w^{l+1}_{jk} \delta^{l+1}_k\right) o^l_j (1 - o^l_j)",
        HOLDS,
    ),
    ("wikipedia", SIGMOID_SSE, r"\frac{\partial E}{\partial o^L_j} = y_j - t_j", HOLDS),
    ("wikipedia", SIGMOID_SSE, r"\delta^L = \varphi'(\mathrm{net}^L) \circ \nabla_{o^L} E", HOLDS),
    (
        "wikipedia",
        SIGMOID_SSE,
        r"\delta^{l-1} = \varphi'(\mathrm{net}^{l-1}) \circ ((W^l)^T \delta^l)",
        HOLDS,
    ),
    ("wikipedia", SIGMOID_SSE, r"\nabla_{W^l} E = \delta^l (o^{l-1})^T", HOLDS),
    ("wikipedia", SIGMOID_SSE, r"\frac{\partial E}{\partial b^l_j} = \delta^l_j", HOLDS),
    ("wikipedia", SIGMOID_SSE, r"\delta^L_j = (o^L_j - t_j) \varphi'(o^L_j)", "taken at the activation"),
    ("wikipedia", SIGMOID_SSE, r"\frac{\partial E}{\partial w^l_{ij}} = o^{l-1}_j \delta^l_i", "swapped"),
    (
        "wikipedia",
        SIGMOID_SSE,
        r"\delta^l_j = \left(\sum_k w^{l+1}_{kj} \delta^{l+1}_k\right) o^l_j (1 - o^l_j)",
        "swapped weight indices",
    ),
    ("wikipedia", SIGMOID_SSE, r"\delta^L_j = (t_j - o^L_j) o^L_j (1 - o^L_j)", "sign flipped"),
    ("wikipedia", SIGMOID_SSE, r"\nabla_{W^l} E = \delta^l (o^l)^T", "off by one layer"),
    (
        "wikipedia",
        SIGMOID_SSE,
        r"\delta^L_j = (o^L_j - t_j) (1 - (o^L_j)^2)",
        "derivative of another activation",
    ),
    (
        "wikipedia",
        SIGMOID_SSE,
        r"\delta^{l-1} = \varphi'(\mathrm{net}^{l-1}) \circ (W^l \delta^l)",
        "transposed",
    ),
    ("wikipedia", SIGMOID_SSE, r"\delta^L_j = o^L_j - t_j", "a factor is missing: the activation derivative"),
    # -- rumelhart: PDP ch. 8, the generalized delta rule (delta_pj = -dE_p/dnet_pj, patterns p, E summed)
    ("rumelhart", RUMELHART, r"\delta_{pj} = (t_{pj} - o_{pj}) f'_j(\mathrm{net}_{pj})", HOLDS),
    ("rumelhart", RUMELHART, r"\delta_{pj} = (t_{pj} - o_{pj}) o_{pj} (1 - o_{pj})", HOLDS),
    (
        "rumelhart",
        RUMELHART,
        r"\delta^{(1)}_{pj} = f'_j(\mathrm{net}^{(1)}_{pj}) \sum_k \delta^{(2)}_{pk} w^{(2)}_{kj}",
        HOLDS,
    ),
    (
        "rumelhart",
        RUMELHART,
        r"\delta^{(1)}_{pj} = o^{(1)}_{pj}(1 - o^{(1)}_{pj}) \sum_k \delta^{(2)}_{pk} w^{(2)}_{kj}",
        HOLDS,
    ),
    ("rumelhart", RUMELHART, r"\frac{\partial E_p}{\partial w_{ji}} = -\delta_{pj} o^{(1)}_{pi}", HOLDS),
    (
        "rumelhart",
        RUMELHART,
        r"\frac{\partial E}{\partial w^{(1)}_{ji}} = -\sum_p \delta^{(1)}_{pj} o^{(0)}_{pi}",
        HOLDS,
    ),
    (
        "rumelhart",
        RUMELHART,
        r"\frac{\partial E}{\partial \mathrm{net}_{pj}} = (o_{pj} - t_{pj}) f'_j(\mathrm{net}_{pj})",
        HOLDS,
    ),
    ("rumelhart", RUMELHART, r"\frac{\partial E_p}{\partial b^{(2)}_j} = -\delta_{j}", HOLDS),
    ("rumelhart", RUMELHART, r"\delta_{pj} = (o_{pj} - t_{pj}) f'_j(\mathrm{net}_{pj})", "sign flipped"),
    (
        "rumelhart",
        RUMELHART,
        r"\frac{\partial E_p}{\partial w_{ji}} = \delta_{pj} o^{(1)}_{pi}",
        "sign flipped",
    ),
    (
        "rumelhart",
        RUMELHART,
        r"\delta^{(1)}_{pj} = f'_j(\mathrm{net}^{(1)}_{pj}) \sum_k \delta^{(2)}_{pk} w^{(2)}_{jk}",
        "swapped weight indices",
    ),
    ("rumelhart", RUMELHART, r"\delta_{pj} = (t_{pj} - o_{pj}) f'_j(o_{pj})", "taken at the activation"),
    (
        "rumelhart",
        RUMELHART,
        r"\delta_{pj} = (t_{pj} - o_{pj}) \mathrm{net}_{pj} (1 - \mathrm{net}_{pj})",
        "where o_{pj} is needed",
    ),
    (
        "rumelhart",
        RUMELHART,
        r"\delta_{pj} = t_{pj} - o_{pj}",
        "a factor is missing: the activation derivative",
    ),
    (
        "rumelhart",
        RUMELHART,
        r"\frac{\partial E_p}{\partial w_{ji}} = -\delta_{pj} o^{(0)}_{pi}",
        "off by one layer",
    ),
    (
        "rumelhart",
        RUMELHART,
        r"\frac{\partial E}{\partial w^{(1)}_{ji}} = -\frac{1}{P}\sum_p \delta^{(1)}_{pj} o^{(0)}_{pi}",
        "an extra factor 1/P",
    ),
    # -- raschka: Python Machine Learning ch. 12 (rows, named layers (in), (h), (out), phi, J with l2). Raschka's
    # J sums its samples; symbp's cross-entropy is a mean, so the gradients below carry the 1/n his sum has not
    ("raschka", RASCHKA, r"\delta^{(out)} = A^{(out)} - Y", HOLDS),
    (
        "raschka",
        RASCHKA,
        r"\delta^{(h)} = \delta^{(out)} (W^{(out)})^T \odot \frac{\partial \phi(z^{(h)})}{\partial z^{(h)}}",
        HOLDS,
    ),
    (
        "raschka",
        RASCHKA,
        r"\delta^{(h)} = \delta^{(out)} (W^{(out)})^T \odot (A^{(h)} \odot (1 - A^{(h)}))",
        HOLDS,
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial W^{(out)}} = \frac{1}{n} (A^{(h)})^T \delta^{(out)} + \lambda W^{(out)}",
        HOLDS,
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial W^{(h)}} = \frac{1}{n} (A^{(in)})^T \delta^{(h)} + \lambda W^{(h)}",
        HOLDS,
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial b^{(h)}} = \frac{1}{n} np.sum(\delta^{(h)}, axis=0)",
        HOLDS,
    ),
    ("raschka", RASCHKA, r"\delta^{(out)}_j = a^{(out)}_j - y_j", HOLDS),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial w^{(out)}_{i,j}} = a^{(h)}_i \delta^{(out)}_j + \lambda w^{(out)}_{i,j}",
        HOLDS,
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial W^{(h)}} = \frac{1}{n} \delta^{(h)} (A^{(in)})^T + \lambda W^{(h)}",
        "in the wrong order",
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial W^{(out)}} = \frac{1}{n} (A^{(h)})^T \delta^{(out)}",
        "regularisation term",
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial b^{(h)}} = \frac{1}{n} np.sum(\delta^{(h)}, axis=0) + \lambda b^{(h)}",
        "the bias is regularised",
    ),
    (
        "raschka",
        RASCHKA,
        r"\delta^{(h)} = \delta^{(out)} (W^{(out)})^T \odot (Z^{(h)} \odot (1 - Z^{(h)}))",
        "where a^{(h)} is needed",
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial b^{(h)}} = np.sum(\delta^{(h)}, axis=0)",
        "a factor 1/n is missing",
    ),
    (
        "raschka",
        RASCHKA,
        r"\delta^{(h)} = \delta^{(out)} W^{(out)} \odot (A^{(h)} \odot (1 - A^{(h)}))",
        "transposed",
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial W^{(h)}} = \frac{1}{n} (A^{(h)})^T \delta^{(h)} + \lambda W^{(h)}",
        "off by one layer",
    ),
    (
        "raschka",
        RASCHKA,
        r"\frac{\partial J}{\partial w^{(out)}_{i,j}} = a^{(h)}_j \delta^{(out)}_i + \lambda w^{(out)}_{i,j}",
        "swapped",
    ),
    # -- 3blue1brown: Backpropagation calculus (C_0 = (a^{(L)} - y)^2 for one example; scalar chain, then w_jk)
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)}-y)",
        HOLDS,
    ),
    ("3blue1brown", CHAIN, r"\frac{\partial C_0}{\partial b^{(L)}} = 1 \sigma'(z^{(L)}) 2(a^{(L)}-y)", HOLDS),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial a^{(L-1)}} = w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)}-y)",
        HOLDS,
    ),
    ("3blue1brown", CHAIN, r"\frac{\partial C_0}{\partial a^{(L)}} = 2(a^{(L)}-y)", HOLDS),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial w^{(L-1)}} = a^{(L-2)} \sigma'(z^{(L-1)}) w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)}-y)",
        HOLDS,
    ),
    (
        "3blue1brown",
        WIDE,
        r"\frac{\partial C_0}{\partial w^{(L)}_{jk}} = a^{(L-1)}_k \sigma'(z^{(L)}_j) 2(a^{(L)}_j - y_j)",
        HOLDS,
    ),
    (
        "3blue1brown",
        WIDE,
        r"\frac{\partial C_0}{\partial a^{(L-1)}_k} = \sum_j w^{(L)}_{jk} \sigma'(z^{(L)}_j) 2(a^{(L)}_j - y_j)",
        HOLDS,
    ),
    (
        "3blue1brown",
        WIDE,
        r"\frac{\partial C_0}{\partial b^{(L)}_j} = \sigma'(z^{(L)}_j) 2(a^{(L)}_j - y_j)",
        HOLDS,
    ),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) (a^{(L)}-y)",
        "a factor 2 is missing",
    ),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(a^{(L)}) 2(a^{(L)}-y)",
        "taken at the activation",
    ),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} 2(a^{(L)}-y)",
        "a factor is missing: the activation derivative",
    ),
    (
        "3blue1brown",
        WIDE,
        r"\frac{\partial C_0}{\partial a^{(L-1)}_k} = w^{(L)}_{jk} \sigma'(z^{(L)}_j) 2(a^{(L)}_j - y_j)",
        "the sum over j is missing",
    ),
    (
        "3blue1brown",
        WIDE,
        r"\frac{\partial C_0}{\partial w^{(L)}_{jk}} = a^{(L-1)}_j \sigma'(z^{(L)}_k) 2(a^{(L)}_k - y_k)",
        "swapped",
    ),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L)} \sigma'(z^{(L)}) 2(a^{(L)}-y)",
        "off by one layer",
    ),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial a^{(L-1)}} = w^{(L)} \sigma'(z^{(L)}) 2(y-a^{(L)})",
        "sign flipped",
    ),
    (
        "3blue1brown",
        CHAIN,
        r"\frac{\partial C_0}{\partial b^{(L)}} = \sigma'(z^{(L)}) 4(a^{(L)}-y)",
        "a factor 2 too many",
    ),
]


def _id(case) -> str:
    profile, network, formula, expected = case
    return f"{profile}:{formula[:50]}:{'holds' if expected == HOLDS else 'slip'}"


@pytest.mark.slow
@pytest.mark.parametrize(("profile", "network", "formula", "expected"), CASES, ids=[_id(c) for c in CASES])
def test_each_source_reads_as_printed(profile, network, formula, expected):
    verdict = verify(network, formula, notation=notation_of(profile))
    if expected == HOLDS:
        assert verdict.holds, verdict.report()
    else:
        assert not verdict.holds, verdict.report()
        assert verdict.diagnosis is not None and expected in verdict.diagnosis, verdict.report()


def test_every_profile_has_eight_equations_and_as_many_slips():
    for name in PROFILES:
        rows = [case for case in CASES if _profile(case[0]) == name]
        equations = sum(case[3] == HOLDS for case in rows)
        slips = len(rows) - equations
        assert equations >= 8, (name, equations)
        assert slips >= equations, (name, equations, slips)


def test_a_slip_is_named_in_the_readers_own_symbols():
    verdict = verify(NG, r"D^{(l)} = \frac{1}{m}\Delta^{(l)}", notation=NG_NOTATION)
    assert "\\Theta^{(l)}" in verdict.diagnosis and "W^{(l)}" not in verdict.diagnosis
    verdict = verify(TANH_SSE, r"\delta_j = h'(z_j) \sum_k w_{kj} \delta_k", notation="bishop")
    assert verdict.diagnosis.startswith("h'(z_{j}) where h'(a_{j}) is needed")


def test_a_layer_mark_of_another_notation_names_it_and_how_to_write_it_here():
    with pytest.raises(FormulaError) as error:
        verify(SIGMOID_MSE, r"\delta^L = (a^L - t) \odot \sigma'(z^L)")
    message = str(error.value)
    assert "`^L` is a layer in the nielsen" in message
    assert "this spec uses default: pass --notation nielsen or write ^{(L)}" in message


def test_a_formula_only_one_profile_reads_is_read_there():
    verdict = verify(NG, r"\delta^{(l)} = ((\Theta^{(l)})^T \delta^{(l+1)}) .* g'(z^{(l)})", numbering=None)
    assert verdict.holds and verdict.notation == "ng", verdict.report()
    assert "holds in the ng notation" in verdict.summary()


def test_a_failing_formula_says_which_notation_it_holds_in():
    # w_jk with k below (Nielsen's order) fails in the default profile's w_ij order
    verdict = verify("half_adder", r"\frac{\partial C}{\partial w^{(l)}_{jk}} = a^{(l-1)}_k \delta^{(l)}_j")
    assert not verdict.holds
    assert "it holds in the" in verdict.diagnosis and "3blue1brown" in verdict.diagnosis, verdict.diagnosis


def test_no_profile_is_hard_coded_a_custom_notation_reads_its_own_symbols():
    custom = dataclasses.replace(
        PROFILES["default"], name="custom", pre_activation="u", pre_activation_matrix="U", function=r"\psi"
    )
    assert verify(SIGMOID_MSE, r"\delta^{(L)}_j = (a^{(L)}_j - t_j) \psi'(u^{(L)}_j)", notation=custom).holds
    with pytest.raises(FormulaError):
        parse_formula(r"\delta^{(L)}_j = (a^{(L)}_j - t_j) \psi'(u^{(L)}_j)")


def test_cli_reads_in_the_notation_it_is_given(capsys):
    from symbp.cli.main import main

    formula = r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)"
    status = main(["verify", "half_adder", formula, "--notation", "nielsen"])
    assert status == 0, capsys.readouterr()
    status = main(["verify", "half_adder", r"\delta^L = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)"])
    assert status == 2
    assert "pass --notation" in capsys.readouterr().err
