"""Dan Jurafsky and James H. Martin, *Speech and Language Processing* (3rd ed. draft): ch. 5, the gradient
of logistic regression's cross-entropy loss, and ch. 7, backward differentiation on a two-layer network
(ReLU hidden layer, sigmoid output, L_CE = -[y log a^{[2]} + (1-y) log(1 - a^{[2]})]).

The book writes z, a, W, b with bracketed layer numbers, yhat = a^{[2]} for the output, y for the gold
label, L (or L_CE) for one example's loss, and in ch. 5 w_j for the weight of feature x_j.

Partly checked: a markdown transcript of an earlier draft's ch. 7 in the code corpus (found by its text
``\\frac{\\partial L_{CE}``) prints its eq. 7.21, the gradient for one weight layer, as
\\frac{\\partial L_{CE}(w, b)}{\\partial w_{j}} = (\\hat{y} - y) x_{j} = (\\sigma(w \\cdot x + b) - y) x_{j};
its first member is here as printed. The ch. 5 form with the bracket comes from notes copying ch. 5
(https://1cademy.com/node/computing-gradients-for-multi-layer-neural-networks/1FjKZ2Dx0e67gK21DWpi prints
it with (w,b) and round brackets). That draft's section 7.4.4 shows the two-layer network's backward pass
only as a figure, so the formulas on z^{[2]} and a^{[2]} (from the current draft) are not in a stored copy;
those marked "continued" are a student's next lines, not printed, and the slips each change one formula.
"""

from tests.verification.sources.corpus import Source, Written

LOGISTIC = "logistic"  # ch. 5: one sigmoid unit, binary cross-entropy

SOURCE = Source(
    name="jurafsky_martin",
    title="Speech and Language Processing (Jurafsky, Martin), 3rd ed. draft, ch. 5 and 7",
    network={"name": "slp", "layers": [2, 3, 1], "activation": ["relu", "sigmoid"], "cost": "bce"},
    notation={
        "layout": "column",
        "layer_style": "bracket",
        "cost": "L",
        "cost_one": "L_{CE}",
        "target": "y",
        "prediction": r"\hat{y}",
    },
    formulas=(
        Written(
            r"\frac{\partial L}{\partial a^{[2]}} = -\left(\frac{y}{a^{[2]}} + \frac{y-1}{1-a^{[2]}}\right)",
            True,
            "7.5, the loss's derivative by the output",
        ),
        Written(
            r"\frac{\partial L}{\partial z^{[2]}} = \frac{\partial L}{\partial a^{[2]}} \frac{\partial"
            r" a^{[2]}}{\partial z^{[2]}}",
            True,
            "7.5, the chain rule through the sigmoid",
        ),
        Written(r"\frac{\partial L}{\partial z^{[2]}} = a^{[2]} - y", True, "7.5, the output's z"),
        Written(
            r"\frac{\partial L}{\partial z^{[2]}} = \hat{y} - y", True, "7.5, the output's z, as yhat - y"
        ),
        Written(
            r"\frac{\partial L_{CE}(\hat{y}, y)}{\partial w_j} = [\sigma(w \cdot x + b) - y] x_j",
            True,
            "5.10, the gradient for one weight of logistic regression",
            network=LOGISTIC,
        ),
        Written(
            r"\frac{\partial L_{CE}(w, b)}{\partial w_{j}} = (\hat{y} - y) x_{j}",
            True,
            "7.21, the gradient for one weight layer, as yhat - y",
            network=LOGISTIC,
        ),
        Written(
            r"\frac{\partial L}{\partial z^{[2]}} = y - a^{[2]}",
            False,
            "the output's z reversed",
            "sign flipped",
        ),
        Written(
            r"\frac{\partial L}{\partial z^{[2]}} = (a^{[2]} - y) a^{[2]}(1 - a^{[2]})",
            False,
            "the sigmoid's derivative applied twice",
        ),
        Written(
            r"\frac{\partial L}{\partial a^{[2]}} = -\left(\frac{y}{a^{[2]}} + \frac{1-y}{1-a^{[2]}}\right)",
            False,
            "the second term's sign lost",
        ),
        Written(
            r"\frac{\partial L}{\partial z^{[2]}} = \frac{\partial L}{\partial a^{[2]}} \sigma(z^{[2]})",
            False,
            "the chain rule through the sigmoid with sigma in place of its derivative",
            "the derivative",
        ),
        Written(
            r"\frac{\partial L}{\partial a^{[2]}} = \frac{y}{a^{[2]}} + \frac{y-1}{1-a^{[2]}}",
            False,
            "the loss's derivative by the output without its minus",
            "sign flipped",
        ),
        Written(
            r"\frac{\partial L}{\partial z^{[2]}} = \frac{\partial L}{\partial a^{[2]}} a^{[2]}(1 - a^{[2]})",
            True,
            "continued: the sigmoid's derivative (7.28) put in",
        ),
        Written(
            r"\frac{\partial L}{\partial W^{[2]}} = (a^{[2]} - y) a^{[1]\top}",
            True,
            "continued: the output layer's weights",
        ),
        Written(
            r"\frac{\partial L}{\partial W^{[2]}} = (a^{[2]} - y) a^{[2]\top}",
            False,
            "continued: the output layer's weights with its own activation",
            "off by one layer",
        ),
        Written(r"\frac{\partial L}{\partial b^{[2]}} = a^{[2]} - y", True, "continued: the output bias"),
        Written(
            r"\frac{\partial L}{\partial a^{[1]}} = W^{[2]\top} \frac{\partial L}{\partial z^{[2]}}",
            True,
            "continued: back to the hidden layer",
        ),
    ),
)
