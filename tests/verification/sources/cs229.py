"""Stanford CS229 lecture notes, *Deep Learning* (Tengyu Ma, Anand Avati, Kian Katanforoosh, Andrew Ng):
backpropagation for a multi-layer network of ReLU layers and a linear output, J = 1/2 (y - o)^2.

The notes write z^{[k]}, a^{[k]}, W^{[k]}, b^{[k]} with bracketed layer numbers, column vectors, o for the
output z^{[r]}, y for the target, delta^{[k]} = dJ/dz^{[k]}, ReLU' for the derivative and the transpose
as a second superscript (W^{[k+1]^\\top}). r is the number of layers.

Not checked: the pages corpus holds copies of the notes
(https://fdocuments.net/document/deep-learning-stanford-university.html,
https://spectra.mathpix.com/article/2022.03.00464/, a powcoder.com page), but searches for the
backpropagation section's formulas (delta^{[k]}, W^{[k+1]^\\top}, ReLU') return only their opening pages;
no copy in the code corpus prints W^{[k+1]^\\top} or ReLU'(z^{[k]}). The formulas are written from the notes.
"""

from tests.verification.sources.corpus import Source, Written

SOURCE = Source(
    name="cs229",
    title="CS229 lecture notes (Stanford), Deep Learning: backpropagation",
    network={"name": "cs229", "layers": [3, 4, 2], "activation": ["relu", "identity"], "cost": "half_sse"},
    notation={
        "layout": "column",
        "layer_style": "bracket",
        "cost": "J",
        "target": "y",
        "prediction": "o",
        "transpose": r"\top",
        "function": r"\mathrm{ReLU}",
        "symbols": {"r": "depth"},
    },
    formulas=(
        Written(
            r"\delta^{[k]} = \left(W^{[k+1]^\top} \delta^{[k+1]}\right) \odot \text{ReLU}'(z^{[k]})",
            True,
            "the recursion for delta^{[k]}",
        ),
        Written(
            r"\frac{\partial J}{\partial W^{[k]}} = \delta^{[k]} a^{[k-1]^\top}",
            True,
            "the gradient of W^{[k]}",
        ),
        Written(r"\frac{\partial J}{\partial b^{[k]}} = \delta^{[k]}", True, "the gradient of b^{[k]}"),
        Written(
            r"\delta^{[2]} = \frac{\partial J}{\partial z^{[2]}}",
            True,
            "two layers: delta^{[2]}, first equality",
        ),
        Written(r"\delta^{[2]} = z^{[2]} - y", True, "two layers: delta^{[2]}, second equality"),
        Written(
            r"\frac{\partial J}{\partial W^{[2]}} = (o - y) a^{[1]^\top}", True, "two layers: dJ/dW^{[2]}"
        ),
        Written(
            r"\frac{\partial J}{\partial a^{[1]}} = W^{[2]^\top} (o - y)", True, "two layers: dJ/da^{[1]}"
        ),
        Written(
            r"\frac{\partial J}{\partial z^{[1]}} = \frac{\partial J}{\partial a^{[1]}} \odot 1\{z^{[1]}"
            r" \geq 0\}",
            True,
            "two layers: dJ/dz^{[1]} with ReLU' as an indicator",
        ),
        Written(
            r"\frac{\partial J}{\partial W^{[1]}} = \frac{\partial J}{\partial z^{[1]}} x^\top",
            True,
            "two layers",
        ),
        Written(
            r"\delta^{[k]} = \left(W^{[k]^\top} \delta^{[k+1]}\right) \odot \text{ReLU}'(z^{[k]})",
            False,
            "the recursion with layer k's weights",
            "off by one layer",
        ),
        Written(
            r"\frac{\partial J}{\partial W^{[k]}} = a^{[k-1]} \delta^{[k]^\top}",
            False,
            "the gradient of W^{[k]} transposed",
            "transpose",
        ),
        Written(
            r"\frac{\partial J}{\partial W^{[1]}} = \frac{\partial J}{\partial a^{[1]}} x^\top",
            False,
            "dJ/dW^{[1]} through a^{[1]} without ReLU'",
            "a factor is missing",
        ),
        Written(r"\delta^{[2]} = y - z^{[2]}", False, "delta^{[2]} reversed", "sign flipped"),
        Written(r"\delta^{[r]} = z^{[r]} - y", True, "delta of the last layer"),
    ),
)
