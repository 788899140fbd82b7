"""Dan Jurafsky and James H. Martin, *Speech and Language Processing* (3rd ed. draft): ch. 5, the gradient
of logistic regression's cross-entropy loss, and ch. 7, backward differentiation on a two-layer network
(ReLU hidden layer, sigmoid output, L_CE = -[y log a^{[2]} + (1-y) log(1 - a^{[2]})]).

The book writes z, a, W, b with bracketed layer numbers, yhat = a^{[2]} for the output, y for the gold
label, L (or L_CE) for one example's loss, and in ch. 5 w_j for the weight of feature x_j.

Partly checked: a page restating ch. 7's gradient for one weight layer,
https://1cademy.com/node/computing-gradients-for-multi-layer-neural-networks/1FjKZ2Dx0e67gK21DWpi,
prints dL_CE(w,b)/dw_j = (sigma(w . x + b) - y) x_j: the ch. 5 formula here but for the loss's arguments
and the bracket; the book's own pages are not stored.
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
            r"\frac{\partial L_{CE}}{\partial w_j} = (\hat y - y) x_j",
            True,
            "5.10, the gradient for one weight of logistic regression, as yhat - y",
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
    ),
)
