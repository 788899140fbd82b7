"""Stuart Russell and Peter Norvig, *Artificial Intelligence: A Modern Approach* (3rd ed.), section 18.7.4,
"Learning in multilayer networks": back-propagation for a network with activation g and the squared
error Loss = sum_k (y_k - a_k)^2.

AIMA writes in_j for a unit's weighted input, a_j for its output, w_{i,j} for the weight from unit i to
unit j, y for the target, Err_k = y_k - a_k for one output's error, Delta_k = Err_k x g'(in_k) for the
"modified error" (which is -1/2 dLoss_k/din_k) and Loss_k = (y_k - a_k)^2 for one output's loss. A
reader declares Err as the error with the other sign and Delta as the delta with the factor -1/2. Its
last step drops the 2 of -2 Delta_k a_j (a slip of the book: with its own Delta the right side is half the
derivative). The derivatives of Loss_k, one output's share of the loss, are read as that output's
term (k is the output layer's unit letter), for each output where k is free.

Partly checked: a blog post in the code corpus implementing the book's update rules (its 2016 post
"Cobaan!", found by its text ``Err_k \\times g'(in_k)``) prints Delta_k = Err_k \\times g'(in_k) and
Delta_j = g'(in_j) \\times \\sum_{k}w_{j,k}\\Delta_k, both copied here as printed. The derivation of section
18.7.4 (the Loss_k formulas) is not in any stored copy; those are written from the book, and the slips
each change one formula.
"""

from tests.verification.sources.corpus import Source, Written

SOURCE = Source(
    name="aima",
    title="Artificial Intelligence: A Modern Approach (Russell, Norvig), 3rd ed., 18.7.4",
    network={"name": "aima", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "sse"},
    notation={
        "layout": "column",
        "unit_letters": ["i", "j", "k"],
        "activation": "a",
        "target": "y",
        "function": "g",
        "cost": "Loss",
        "symbols": {
            "in": "pre_activation",
            "Err": {"quantity": "error", "factor": -1},
            "Delta": {"quantity": "delta", "factor": "-1/2"},
        },
    },
    formulas=(
        Written(r"\Delta_k = Err_k \times g'(in_k)", True, "the output layer's modified error"),
        Written(
            r"\Delta_j = g'(in_j) \times \sum_{k}w_{j,k}\Delta_k",
            True,
            "the hidden layer's modified error",
        ),
        Written(
            r"\frac{\partial Loss_k}{\partial w_{j,k}} = -2(y_k - a_k) \frac{\partial a_k}{\partial w_{j,k}}",
            True,
            "the derivation for an output weight, first step",
        ),
        Written(
            r"\frac{\partial Loss_k}{\partial w_{j,k}} = -2(y_k - a_k) g'(in_k) a_j",
            True,
            "the derivation for an output weight",
        ),
        Written(
            r"\frac{\partial Loss_k}{\partial w_{j,k}} = -a_j \Delta_k",
            False,
            "the derivation's last step as printed (the 2 dropped)",
        ),
        Written(
            r"\frac{\partial Loss_k}{\partial w_{i,j}} = -2 \Delta_k w_{j,k} g'(in_j) a_i",
            True,
            "the derivation for a hidden weight",
        ),
        Written(
            r"\Delta_j = g'(in_j) \sum_k w_{k,j} \Delta_k",
            False,
            "the hidden error with the weight's units swapped",
        ),
        Written(r"\Delta_k = Err_k", False, "the output error without g'"),
        Written(
            r"\Delta_k = -Err_k \times g'(in_k)", False, "the modified error with Err's sign reversed", "sign"
        ),
        Written(
            r"\Delta_j = \sum_{k}w_{j,k}\Delta_k",
            False,
            "the hidden error without g'(in_j)",
            "a factor is missing",
        ),
        Written(
            r"\Delta_k = Err_k \times g'(in_j)",
            False,
            "the output error with the hidden layer's g'",
            "g'(in_{j})",
        ),
        Written(
            r"\frac{\partial Loss}{\partial w_{j,k}} = -2 a_j \Delta_k",
            True,
            "an output weight, with the whole output's loss",
        ),
        Written(
            r"\frac{\partial Loss}{\partial w_{j,k}} = -a_j \Delta_k",
            False,
            "an output weight, with the whole output's loss and the 2 dropped",
            "a factor 2 is missing",
        ),
        Written(
            r"\frac{\partial Loss}{\partial w_{i,j}} = -2 a_i \Delta_j",
            True,
            "a hidden weight, with the whole output's loss",
        ),
        Written(
            r"\frac{\partial Loss}{\partial in_k} = -2(y_k - a_k) g'(in_k)",
            True,
            "the loss by an output unit's weighted input",
        ),
        Written(
            r"\frac{\partial Loss}{\partial in_k} = 2(y_k - a_k) g'(in_k)",
            False,
            "the loss by an output unit's weighted input, the sign of the error's derivative lost",
            "sign flipped",
        ),
        Written(
            r"\frac{\partial Loss}{\partial a_j} = -2 \sum_k w_{j,k} \Delta_k",
            True,
            "the loss by a hidden unit's output",
        ),
    ),
)
