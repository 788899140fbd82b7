"""Raúl Rojas, *Neural Networks: A Systematic Introduction* (1996), ch. 7.3: back-propagation in a network
of sigmoid units with one hidden layer, error E = 1/2 sum_{i=1}^m (o_i^{(2)} - t_i)^2 for one pattern.

Rojas writes o^{(1)} for the hidden outputs, o^{(2)} for the output units, o_i for the input sites,
w_{ij}^{(2)} for the weight from hidden unit i to output unit j, t for the target, delta_j^{(2)} =
o_j^{(2)}(1 - o_j^{(2)})(o_j^{(2)} - t_j) for the backpropagated error, and m for the number of outputs. A
reader declares o without a layer mark as the input layer's and m as the output layer's width.

Not checked: searches of the pages and code corpora for the book's title, chapter 7 and its error term
o_j^{(2)}(1-o_j^{(2)})(o_j^{(2)} - t_j) find no copy of the chapter; the formulas are written from the book.
"""

from tests.verification.sources.corpus import Source, Written

SOURCE = Source(
    name="rojas",
    title="Neural Networks: A Systematic Introduction (Raul Rojas), ch. 7.3",
    network={"name": "rojas", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_sse"},
    notation={
        "layout": "column",
        "activation": "o",
        "target": "t",
        "cost": "E",
        "symbols": {"o": {"quantity": "activation", "layer": 0}, "m": {"quantity": "width", "layer": 2}},
    },
    formulas=(
        Written(
            r"\delta_j^{(2)} = o_j^{(2)}(1 - o_j^{(2)})(o_j^{(2)} - t_j)",
            True,
            "7.3.2, the output layer's error",
        ),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^{(2)}} = [o_j^{(2)}(1 - o_j^{(2)})(o_j^{(2)} - t_j)]"
            r" o_i^{(1)}",
            True,
            "7.3.2, the partial derivative for a hidden-to-output weight",
        ),
        Written(r"\frac{\partial E}{\partial w_{ij}^{(2)}} = \delta_j^{(2)} o_i^{(1)}", True, "7.3.2"),
        Written(
            r"\delta_j^{(1)} = o_j^{(1)}(1 - o_j^{(1)}) \sum_{q=1}^{m} w_{jq}^{(2)} \delta_q^{(2)}",
            True,
            "7.3.2, the hidden layer's error (m outputs)",
        ),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^{(1)}} = \delta_j^{(1)} o_i",
            True,
            "7.3.2, an input-to-hidden weight (o_i: input site i)",
        ),
        Written(
            r"\delta_j^{(2)} = o_j^{(2)}(1 - o_j^{(2)})(t_j - o_j^{(2)})",
            False,
            "the output error reversed",
            "sign flipped",
        ),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^{(2)}} = \delta_i^{(2)} o_j^{(1)}",
            False,
            "the weight's units swapped",
            "swapped weight indices",
        ),
        Written(
            r"\delta_j^{(2)} = o_j^{(2)} - t_j",
            False,
            "the output error without the sigmoid's derivative",
            "missing",
        ),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^{(2)}} = \delta_j^{(2)} o_i^{(2)}",
            False,
            "the output layer's o in place of the hidden one's",
            "off by one layer",
        ),
        Written(
            r"\delta_j^{(1)} = o_j^{(1)}(1 - o_j^{(1)}) \sum_{q} w_{qj}^{(2)} \delta_q^{(2)}",
            False,
            "the hidden error with the weight's indices swapped",
            "indices transposed",
        ),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^{(1)}} = \delta_j^{(1)} o_i^{(1)}",
            False,
            "an input-to-hidden weight with the hidden output in place of the input site",
            "off by one layer",
        ),
        Written(
            r"\delta_j^{(1)} = o_j^{(1)}(1 - o_j^{(1)}) \sum_{q=1}^{m} w_{jq}^{(2)} \delta_q^{(1)}",
            False,
            "the hidden error summing the hidden layer's own errors",
            "off by one layer",
        ),
        Written(
            r"\delta_j^{(1)} = \sum_{q=1}^{m} w_{jq}^{(2)} \delta_q^{(2)}",
            False,
            "the hidden error without the sigmoid's derivative",
            "a factor is missing",
        ),
    ),
)
