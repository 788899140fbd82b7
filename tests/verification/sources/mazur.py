"""Matt Mazur, *A Step by Step Backpropagation Example* (blog post, 2015): a 2-2-2 logistic network with
inputs i1, i2, hidden neurons h1, h2, outputs o1, o2, weights w_1 ... w_8, one bias per layer, and
E_total = sum 1/2 (target - output)^2.

Mazur names every unit and weight: net_{h1}, out_{h1}, net_{o1}, out_{o1}, target_{o1}, w_5 (from h1 to
o1), E_{o1} = 1/2 (target_{o1} - out_{o1})^2 for one output's share of the error, i_1 for an input. A
reader declares the three families of units and the eight weights as the post's figure draws them.

Checked: every formula printed here was compared with a copy of the post that keeps its LaTeX (the alt text of
its s0.wp.com/latex.php images), mltrees/document, note/A_Step_by_Step_Backpropagation_Example/
A_Step_by_Step_Backpropagation_Example.md in the code corpus: each matches it symbol for symbol, the
numbers the post appends to a line (``= -(0.01 - 0.75136507) = 0.74136507``) left off. The slips are not
printed there; each changes one printed formula. The copy prints net_{h1} = w_1 * i_1 + w_3 * i_2 in the
hidden layer's part and w_2 in the forward pass; the weights below follow the forward pass and the figure.
"""

from tests.verification.sources.corpus import Source, Written

# w_1 ... w_8 as the post's figure draws them
WEIGHTS = enumerate(
    [
        ("i1", "h1"),
        ("i2", "h1"),
        ("i1", "h2"),
        ("i2", "h2"),
        ("h1", "o1"),
        ("h2", "o1"),
        ("h1", "o2"),
        ("h2", "o2"),
    ],
    start=1,
)

SOURCE = Source(
    name="mazur",
    title="A Step by Step Backpropagation Example (Matt Mazur)",
    network={"name": "mazur", "layers": [2, 2, 2], "activation": "sigmoid", "cost": "half_sse"},
    notation={
        "layout": "column",
        "cost": "E_{total}",
        "symbols": {
            "net": "pre_activation",
            "out": "activation",
            "target": "target",
            "i": {"quantity": "units", "layer": 0},
            "h": {"quantity": "units", "layer": 1},
            "o": {"quantity": "units", "layer": 2},
            **{
                f"w_{number}": {"quantity": "weight", "from": start, "to": end}
                for number, (start, end) in WEIGHTS
            },
        },
    },
    formulas=(
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = \frac{\partial E_{total}}{\partial out_{o1}} * "
            r"\frac{\partial out_{o1}}{\partial net_{o1}} * \frac{\partial net_{o1}}{\partial w_{5}}",
            True,
            "the backwards pass, output layer: the chain rule for w5",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial out_{o1}} = -(target_{o1} - out_{o1})",
            True,
            "the output layer",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = -(target_{o1} - out_{o1}) * out_{o1}(1 -"
            r" out_{o1}) * out_{h1}",
            True,
            "the output layer, the three factors together",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = \delta_{o1} out_{h1}",
            True,
            "the delta rule",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial out_{h1}} = \frac{\partial E_{o1}}{\partial out_{h1}} + "
            r"\frac{\partial E_{o2}}{\partial out_{h1}}",
            True,
            "the hidden layer: out_{h1} affects both outputs",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{1}} = (\sum\limits_{o}{\delta_{o} * w_{ho}}) *"
            r" out_{h1}(1 - out_{h1}) * i_{1}",
            True,
            "the hidden layer, the delta rule for w1",
        ),
        Written(
            r"\delta_{o1} = -(target_{o1} - out_{o1}) * out_{o1}(1 - out_{o1})",
            True,
            "the output layer: the node delta",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = -\delta_{o1} out_{h1}",
            True,
            "the output layer: the delta rule with the sign taken out of delta (delta = -dE/dnet)",
            notation={"delta_sign": -1},
        ),
        Written(
            r"\frac{\partial out_{o1}}{\partial net_{o1}} = out_{o1}(1 - out_{o1})",
            True,
            "the output layer: the logistic function's derivative (a Jacobian on the left side)",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{1}} = \frac{\partial E_{total}}{\partial out_{h1}} * "
            r"\frac{\partial out_{h1}}{\partial net_{h1}} * \frac{\partial net_{h1}}{\partial w_{1}}",
            True,
            "the hidden layer: the chain rule for w1",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{1}} = \delta_{h1}i_{1}",
            True,
            "the hidden layer: the delta rule for w1",
        ),
        Written(
            r"\delta_{o1} = (target_{o1} - out_{o1}) * out_{o1}(1 - out_{o1})",
            False,
            "the node delta with the error's sign reversed",
            "sign flipped",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = \delta_{o1} out_{o1}",
            False,
            "the delta rule with the output's own out in place of out_{h1}",
            "off by one layer: out_{o1} where out_{h1} is needed",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = -\delta_{o1} out_{h1}",
            False,
            "the delta rule with the sign taken out of a delta defined as +dE/dnet",
            "sign flipped",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial out_{h1}} = \delta_{o1} * w_5 + \delta_{o2} * w_6",
            False,
            "the sum over o written out with w6 (from h2) where w7 (from h1 to o2) is needed",
            "w_6 where w_7 is needed (the weight's two units swapped)",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = -(target_{o1} - out_{o1}) * out_{h1}",
            False,
            "w5's gradient without the logistic's derivative",
        ),
        Written(
            r"\frac{\partial E_{total}}{\partial w_{5}} = (target_{o1} - out_{o1}) * out_{o1}(1 -"
            r" out_{o1}) * out_{h1}",
            False,
            "w5's gradient with the sign of the error reversed",
        ),
    ),
)
