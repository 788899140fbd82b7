"""Morten Hjorth-Jensen, *Applied Data Analysis and Machine Learning* (FYS-STK3155/4155, University of
Oslo), lecture notes of weeks 41-42: "Bringing it together, first back propagation equation" and "Final
back propagating equation".

The notes write {\\cal C} for the cost, 1/2 sum_i (a_i^L - t_i)^2 for one example, a bare layer superscript
(a_j^L, z_k^{l+1}), w_{jk}^l from neuron k of layer l-1 to neuron j of layer l, t for the target and f for
the activation (sigma in one week's version), layers numbered from 1. Their forward formula
z_j^{l+1} = sum_i w_{ij}^{l+1} a_i^l + b_j^{l+1} swaps the weight's indices against the rest; a reader
takes the convention of the back-propagation equations, which the notes use throughout. A hat marks a
vector (\\hat{\\delta}^L, \\hat{z}^L): a reader declares each as the matrix it names.

Checked: https://compphysics.github.io/MachineLearning/doc/pub/week42/html/._week42-bs040.html prints the
three week-42 equations for delta_j^l as here, in the version with sigma' for f'.
"""

from tests.verification.sources.corpus import Source, Written

SOURCE = Source(
    name="hjorth_jensen",
    title="Applied Data Analysis and Machine Learning (Morten Hjorth-Jensen, Oslo), weeks 41-42",
    network={"name": "fys_stk", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_sse"},
    notation={
        "layout": "column",
        "layer_style": "bare",
        "weight_indices": "to_from",
        "index_letters": ["k", "j"],
        "input_layer": 1,
        "cost": r"{\cal C}",
        "target": "t",
        "function": "f",
        # a hat marks a vector (week 41's Hadamard form): each is declared as the matrix it names
        "symbols": {
            r"\hat{\delta}": "delta_matrix",
            r"\hat{z}": "pre_activation_matrix",
            r"\hat{a}": "activation_matrix",
        },
    },
    formulas=(
        Written(
            r"\frac{\partial{\cal C}(\hat{W^L})}{\partial w_{jk}^L} = \left(a_j^L - t_j\right)"
            r"\frac{\partial a_j^L}{\partial w_{jk}^{L}},",
            True,
            "week 41, the derivative with respect to the output weights",
        ),
        Written(
            r"\frac{\partial a_j^L}{\partial w_{jk}^{L}} = \frac{\partial a_j^L}{\partial z_{j}^{L}}"
            r"\frac{\partial z_j^L}{\partial w_{jk}^{L}}=a_j^L(1-a_j^L)a_k^{L-1},",
            True,
            "week 41, the last partial derivative by the chain rule",
        ),
        Written(
            r"\frac{\partial{\cal C}(\hat{W^L})}{\partial w_{jk}^L} = \left(a_j^L -"
            r" t_j\right)a_j^L(1-a_j^L)a_k^{L-1},",
            True,
            "week 41, first back propagation equation",
        ),
        Written(r"\delta_j^L = a_j^L(1-a_j^L)\left(a_j^L - t_j\right)", True, "week 41, defining delta_j^L"),
        Written(
            r"\delta_j^L = f'(z_j^L)\frac{\partial {\cal C}}{\partial (a_j^L)},",
            True,
            "week 41, defining delta_j^L",
        ),
        Written(
            r"\hat{\delta}^L = f'(\hat{z}^L)\circ\frac{\partial {\cal C}}{\partial (\hat{a}^L)}.",
            True,
            "week 41, the Hadamard form (a hat marks a vector)",
        ),
        Written(
            r"\frac{\partial{\cal C}(\hat{W^L})}{\partial w_{jk}^L} = \delta_j^La_k^{L-1}.",
            True,
            "week 41, the compact form",
        ),
        Written(r"\delta_j^l =\frac{\partial {\cal C}}{\partial z_j^l}.", True, "week 42, a general layer l"),
        Written(
            r"\delta_j^l =\sum_k \frac{\partial {\cal C}}{\partial z_k^{l+1}}\frac{\partial"
            r" z_k^{l+1}}{\partial z_j^{l}}",
            True,
            "week 42, the chain rule over all k",
        ),
        Written(
            r"\delta_j^l =\sum_k \delta_k^{l+1}\frac{\partial z_k^{l+1}}{\partial z_j^{l}},", True, "week 42"
        ),
        Written(
            r"\delta_j^l =\sum_k \delta_k^{l+1}w_{kj}^{l+1}f'(z_j^l),", True, "week 42, the final equation"
        ),
        Written(
            r"\delta_j^l =\sum_k \delta_k^{l+1}w_{jk}^{l+1}f'(z_j^l)",
            False,
            "the final equation with the forward formula's index order",
            "indices transposed",
        ),
        Written(
            r"\delta_j^l =\sum_k \delta_k^{l+1}w_{kj}^{l+1}",
            False,
            "the final equation without f'",
            "a factor is missing",
        ),
        Written(
            r"\frac{\partial{\cal C}(\hat{W^L})}{\partial w_{jk}^L} = \delta_j^La_k^{L}",
            False,
            "the compact form with the output layer's activation",
            "off by one layer",
        ),
        Written(
            r"\delta_j^L = a_j^L(1-a_j^L)\left(t_j - a_j^L\right)",
            False,
            "delta_j^L with the difference reversed",
            "sign flipped",
        ),
    ),
)
