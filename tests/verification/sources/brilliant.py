"""Brilliant.org, *Backpropagation* (Brilliant Math & Science Wiki): the derivation for a network with
hidden activation g and output activation g_o, error E = 1/(2N) sum_d (yhat_d - y_d)^2.

The wiki writes a_j^k for the weighted sum ("activation") of node j in layer k, o_j^k for its output,
w_{ij}^k for the weight from node i in layer k-1 to node j in layer k, delta_j^k = dE/da_j^k, E_d for one
example's error, r^k for the number of nodes in layer k, and m for the output layer (one output node).

Partly checked: notes in public repositories of the code corpus copy the summary of
https://brilliant.org/wiki/backpropagation/ (found by its text ``\\sum_{l=1}^{r^{k+1}}``). Its four formulas
are here as printed, punctuation included: the weight's partial derivative with E_d, the two error terms,
and the mean of the examples' gradients (its first and last members; the middle one is left off). The
derivation above the summary (the chain rule, the error term's definition, the form with E, the output
weights' formula) is not in the copies; the slips each change one printed formula.
"""

from tests.verification.sources.corpus import Source, Written

SOURCE = Source(
    name="brilliant",
    title="Backpropagation (Brilliant Math & Science Wiki)",
    network={
        "name": "brilliant",
        "layers": [2, 3, 1],
        "activation": ["sigmoid", "identity"],
        "cost": "half_mse",
    },
    notation={
        "layout": "column",
        "layer_style": "bare",
        "pre_activation": "a",
        "activation": "o",
        "function": "g",
        "target": "y",
        "prediction": r"\hat{y}",
        "cost": "E",
        "cost_one": "E_d",
        "sample_index": "d",
        "samples": "N",
        "symbols": {"m": "depth", "r": "width"},
    },
    formulas=(
        Written(
            r"\frac{\partial E}{\partial w_{ij}^k} = \frac{\partial E}{\partial a_j^k} \frac{\partial"
            r" a_j^k}{\partial w_{ij}^k}",
            True,
            "the chain rule for one weight",
        ),
        Written(r"\delta_j^k \equiv \frac{\partial E}{\partial a_j^k}", True, "the error term"),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^k} = \delta_j^k o_i^{k-1}",
            True,
            "the weight's partial derivative",
        ),
        Written(
            r"\delta_j^k = \sum_{l=1}^{r^{k+1}} \frac{\partial E}{\partial a_l^{k+1}} \frac{\partial"
            r" a_l^{k+1}}{\partial a_j^k}",
            True,
            "hidden layers: the chain rule over layer k+1",
        ),
        Written(
            r"\delta_j^k = g^{\prime}\big(a_j^k\big)\sum_{l=1}^{r^{k+1}}w_{jl}^{k+1}\delta_l^{k+1}.",
            True,
            "hidden layers: the backpropagation formula",
        ),
        Written(
            r"\frac{\partial E(X, \theta)}{\partial w_{ij}^k} = \frac{1}{N}\sum_{d=1}^N\frac{\partial"
            r" E_d}{\partial w_{ij}^k}.",
            True,
            "the gradient as the mean of the examples' gradients",
        ),
        Written(
            r"\frac{\partial E_d}{\partial w_{ij}^k} = \delta_j^k o_i^{k-1}.",
            True,
            "the summary: the weight's partial derivative for one example",
        ),
        Written(
            r"\frac{\partial E_d}{\partial w_{ij}^k} = \delta_j^{k-1} o_i^{k-1}",
            False,
            "the summary's weight derivative with the layer below's error term",
            "off by one layer",
        ),
        Written(
            r"\frac{\partial E(X, \theta)}{\partial w_{ij}^k} = \sum_{d=1}^N\frac{\partial"
            r" E_d}{\partial w_{ij}^k}",
            False,
            "the summary's mean of the examples' gradients without 1/N",
            "1/N",
        ),
        Written(
            r"\delta_1^m = g_o^{\prime}(a_1^m)\left(y_d-\hat{y_d}\right)",
            False,
            "the final layer's error term reversed",
            "sign flipped",
        ),
        Written(
            r"\delta_j^k = g^{\prime}\big(a_j^k\big)\sum_{l=1}^{r^{k+1}}w_{lj}^{k+1}\delta_l^{k+1}",
            False,
            "the hidden error term with the weight's indices swapped",
            "indices transposed",
        ),
        Written(
            r"\delta_j^k = g^{\prime}\big(a_j^{k+1}\big)\sum_{l=1}^{r^{k+1}}w_{jl}^{k+1}\delta_l^{k+1}",
            False,
            "the hidden error term with g' of the next layer's node",
            "off by one layer",
        ),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^k} = \delta_j^k o_i^{k}",
            False,
            "the weight's derivative with its own layer's output",
            "off by one layer",
        ),
        Written(
            r"\frac{\partial E}{\partial w_{ij}^k} = \delta_i^k o_j^{k-1}",
            False,
            "the weight's derivative with i and j swapped",
            "swapped",
        ),
        Written(
            r"\delta_j^k = \sum_{l} w_{jl}^{k+1} \delta_l^{k+1}",
            False,
            "the backpropagation formula without g'",
            "a factor is missing",
        ),
        Written(
            r"\delta_1^m = g_o^{\prime}(a_1^m)\left(\hat{y_d}-y_d\right).",
            True,
            "the output layer's error term",
        ),
        Written(
            r"\frac{\partial E_d}{\partial w_{i1}^m} = g_o'(a_1^m)(\hat{y}_d - y_d) o_i^{m-1}",
            True,
            "the output layer's weights",
        ),
    ),
)
