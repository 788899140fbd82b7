"""Simon Haykin, *Neural Networks and Learning Machines* (3rd ed., 2009), section 4.4: the back-propagation
algorithm, equations (4.12)-(4.24), and its logistic form in section 4.6.

Haykin writes v_j(n) for neuron j's induced local field, y_j(n) for its output, d_j(n) for the desired
response, e_j(n) = d_j(n) - y_j(n) for the error, E(n) = 1/2 sum_j e_j^2(n) for the instantaneous error
energy (script E) and E_av for its average over the N examples, w_ji from neuron i to neuron j, phi_j for
the activation and delta_j(n) = -dE(n)/dv_j(n) for the local gradient. Every quantity carries the step n as
an argument, the weights too. Neuron i feeds j, j feeds k (i, j, k name the layers); in the case of an
output neuron j, j is the output layer. Section 4.6's logistic 1/(1 + exp(-a v)) has a slope a: a
reader declares it a constant, 1 (the spec's sigmoid).

Not checked against the book, whose section 4.4 is not stored: study notes in public repositories that copy
it print (4.24) and an output neuron's delta_j(n) = e_j(n) varphi'_j(v_j(n)) as here (with \\phi'_j or
\\varphi' for \\varphi'_j, some with a \\cdot); the other formulas are not in them, and no copy in the code
corpus holds the text \\varphi'_j(v_j(n)). Notes in the code corpus copying slides on section 4.6 print the
logistic form of (4.24) as a y_j(n)[1 - y_j(n)] \\sum_k \\delta_k(n) w_{kj}(n), as here (found by the text
``\\delta_j(n) = e_j(n)``).
"""

from tests.verification.sources.corpus import Source, Written

# the case of an output neuron j fed by neuron i (4.12-4.15)
OUTPUT_J = {"unit_letters": ["h", "i", "j"]}

SOURCE = Source(
    name="haykin",
    title="Neural Networks and Learning Machines (Simon Haykin), 3rd ed., section 4.4",
    network={"name": "haykin", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_mse"},
    notation={
        "layout": "column",
        "weight_indices": "to_from",
        "unit_letters": ["i", "j", "k"],
        "pre_activation": "v",
        "activation": "y",
        "target": "d",
        "cost": r"\mathcal{E}_{av}",
        "cost_one": r"\mathcal{E}(n)",
        "function": r"\varphi",
        "sample_index": "n",
        "samples": "N",
        "delta_sign": -1,
        "delta_of": "sample",
        "symbols": {
            "e": {"quantity": "error", "factor": -1},
            "a": {"quantity": "constant", "value": 1},  # the logistic's slope (4.6): the spec's sigmoid
        },
    },
    formulas=(
        Written(
            r"\delta_j(n) = -\frac{\partial \mathcal{E}(n)}{\partial v_j(n)}",
            True,
            "(4.14), the local gradient",
        ),
        Written(
            r"\delta_j(n) = -\frac{\partial \mathcal{E}(n)}{\partial y_j(n)} \varphi'_j(v_j(n))",
            True,
            "(4.23), neuron j hidden",
        ),
        Written(
            r"\delta_j(n) = \varphi'_j(v_j(n)) \sum_k \delta_k(n) w_{kj}(n)",
            True,
            "(4.24), the back-propagation formula",
        ),
        Written(
            r"\frac{\partial \mathcal{E}(n)}{\partial w_{ji}(n)} = \frac{\partial"
            r" \mathcal{E}(n)}{\partial v_j(n)} "
            r"\frac{\partial v_j(n)}{\partial w_{ji}(n)}",
            True,
            "(4.12) with its first three factors gathered as dE(n)/dv_j(n)",
        ),
        Written(
            r"\frac{\partial \mathcal{E}(n)}{\partial w_{ji}(n)} = -\delta_j(n) y_i(n)",
            True,
            "(4.14) and (4.15): the gradient in the delta rule",
        ),
        Written(
            r"\frac{\partial \mathcal{E}_{av}}{\partial w_{ji}} = -\frac{1}{N} \sum_{n=1}^{N} \delta_j(n)"
            r" y_i(n)",
            True,
            "section 4.3, batch learning: the gradient of E_av",
        ),
        Written(
            r"\delta_j(n) = a y_j(n)[1 - y_j(n)] \sum_k \delta_k(n) w_{kj}(n)",
            True,
            "section 4.6, the logistic function with slope a (a constant, 1 here), neuron j hidden",
        ),
        Written(
            r"\delta_j(n) = \varphi'_j(v_j(n)) \sum_k \delta_k(n) w_{jk}(n)",
            False,
            "(4.24) with the weight's indices swapped",
            "indices transposed",
        ),
        Written(
            r"\delta_j(n) = \sum_k \delta_k(n) w_{kj}(n)", False, "(4.24) without phi'", "a factor is missing"
        ),
        Written(
            r"\delta_j(n) = \frac{\partial \mathcal{E}(n)}{\partial v_j(n)}",
            False,
            "(4.14) without its minus",
            "sign",
        ),
        Written(
            r"\delta_j(n) = -\frac{\partial \mathcal{E}(n)}{\partial y_j(n)} \varphi'_k(v_k(n))",
            False,
            "(4.23) with the next layer's phi'",
            "an extra factor",
        ),
        Written(
            r"\frac{\partial \mathcal{E}_{av}}{\partial w_{ji}} = -\sum_{n=1}^{N} \delta_j(n) y_i(n)",
            False,
            "the gradient of E_av without its 1/N",
            "1/N",
        ),
        Written(
            r"\delta_j(n) = e_j(n) \varphi'_j(v_j(n))",
            True,
            "(4.15), neuron j an output",
            notation=OUTPUT_J,
        ),
        Written(
            r"\frac{\partial \mathcal{E}(n)}{\partial w_{ji}(n)} = -e_j(n) \varphi'_j(v_j(n)) y_i(n)",
            True,
            "(4.13), neuron j an output",
            notation=OUTPUT_J,
        ),
        Written(
            r"\frac{\partial \mathcal{E}(n)}{\partial y_j(n)} = -\sum_k e_k(n) \varphi'_k(v_k(n)) w_{kj}(n)",
            True,
            "(4.22), neuron j hidden",
        ),
    ),
)
