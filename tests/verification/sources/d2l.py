"""*Dive into Deep Learning* (Zhang, Lipton, Li, Smola), section "Forward Propagation, Backward Propagation,
and Computational Graphs": one hidden layer without biases, z = W^{(1)} x, h = phi(z), o = W^{(2)} h,
loss L = l(o, y), regularisation s = lambda/2 (||W^{(1)}||^2 + ||W^{(2)}||^2), objective J = L + s.

The book writes bold vectors and matrices, ^\\top for the transpose, and names the hidden layer's z and h
and the output o without a layer mark: only the weights carry one. A reader declares h and z as layer 1's.

Checked: the five printed formulas match the book's source, chapter_multilayer-perceptrons/backprop.md in
https://github.com/d2l-ai/d2l-en (https://d2l.ai/chapter_multilayer-perceptrons/backprop.html), symbol for
symbol (the trailing full stops as printed; the first formula is the last member without "\\in
\\mathbb{R}^q", and once more with it, as printed); the slips are derived from them.
"""

from tests.verification.sources.corpus import Source, Written

SOURCE = Source(
    name="d2l",
    title="Dive into Deep Learning, Forward Propagation, Backward Propagation, and Computational Graphs",
    network={
        "name": "d2l",
        "layers": [4, 3, 2],
        "activation": ["sigmoid", "identity"],
        "cost": "half_sse",
        "bias": False,
        "l2": 0.1,
    },
    notation={
        "layout": "column",
        "cost": "J",
        "activation": "h",
        "activation_matrix": "h",
        "pre_activation_matrix": "z",
        "input_matrix": "x",
        "prediction": "o",
        "function": r"\phi",
        "transpose": r"\top",
        "symbols": {
            "h": {"quantity": "activation", "layer": 1},
            "z": {"quantity": "pre_activation", "layer": 1},
        },
    },
    formulas=(
        Written(
            r"\frac{\partial J}{\partial \mathbf{o}} = \frac{\partial L}{\partial \mathbf{o}}",
            True,
            "the objective's gradient by the output (its last form)",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{W}^{(2)}} = \frac{\partial J}{\partial \mathbf{o}}"
            r" \mathbf{h}^\top + \lambda \mathbf{W}^{(2)}",
            True,
            "the gradient of W^{(2)} (its last form)",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{W}^{(2)}} = \mathbf{h} \frac{\partial J}{\partial"
            r" \mathbf{o}}^\top + \lambda \mathbf{W}^{(2)}",
            False,
            "the gradient of W^{(2)} transposed",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{W}^{(2)}} = \frac{\partial J}{\partial \mathbf{o}}"
            r" \mathbf{h}^\top",
            False,
            "the gradient of W^{(2)} without the regularisation's term",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{h}} = {\mathbf{W}^{(2)}}^\top \frac{\partial J}{\partial"
            r" \mathbf{o}}.",
            True,
            "the gradient by the hidden layer's output",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{z}} = \frac{\partial J}{\partial \mathbf{h}} \odot"
            r" \phi'\left(\mathbf{z}\right).",
            True,
            "the gradient by the hidden layer's z",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{W}^{(1)}} = \frac{\partial J}{\partial \mathbf{z}}"
            r" \mathbf{x}^\top + \lambda \mathbf{W}^{(1)}.",
            True,
            "the gradient of W^{(1)} (its last form)",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{z}} = \frac{\partial J}{\partial \mathbf{h}}",
            False,
            "the gradient by z without phi'",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{o}} = \frac{\partial L}{\partial \mathbf{o}}"
            r" \in \mathbb{R}^q",
            True,
            "the objective's gradient by the output, its last form with the space it lies in, as printed",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{h}} = \mathbf{W}^{(2)} \frac{\partial J}{\partial"
            r" \mathbf{o}}",
            False,
            "the gradient by h without the transpose",
            "transposed",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{W}^{(1)}} = \frac{\partial J}{\partial \mathbf{z}}"
            r" \mathbf{x}^\top",
            False,
            "the gradient of W^{(1)} without the regularisation's term",
            "the regularisation term",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{W}^{(1)}} = \frac{\partial J}{\partial \mathbf{z}}"
            r" \mathbf{h}^\top + \lambda \mathbf{W}^{(1)}",
            False,
            "the gradient of W^{(1)} with the hidden output in place of the input",
            r"off by one layer: \mathbf{h}^{(1)} where \mathbf{x} is needed",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{z}} = \frac{\partial J}{\partial \mathbf{h}} \odot"
            r" \phi\left(\mathbf{z}\right)",
            False,
            "the gradient by z with phi in place of its derivative",
            "where the derivative",
        ),
        Written(
            r"\frac{\partial J}{\partial \mathbf{W}^{(2)}} = \frac{\partial J}{\partial \mathbf{o}}"
            r" \mathbf{h}^\top + \lambda \mathbf{W}^{(1)}",
            False,
            "the gradient of W^{(2)} with the other matrix's regularisation",
            "off by one layer",
        ),
    ),
)
