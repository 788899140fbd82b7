"""*Back Propagation Intro... Or What Happens to the Output When I Change a Given Weight* (blog post, Neurotic
Networks, December 2016): the derivation for a sigmoid network without biases, layers h (input), i, j
(hidden) and k (one output), error E = (T - L_k)^2 / 2.

The post writes L_h, L_i, L_j, L_k for the outputs of the layers its unit letters name, net_k for the
weighted sum, w_{jk} for the weight from unit j to unit k, T for the target and \\dfrac for its fractions.
It writes no sum over k: its network has one output, so L_k is that output. A reader declares the letters
as the four layers' units and L as the activation.

Checked: every printed formula here matches http://neuroticnetworks.blogspot.com/2016_12_01_archive.html
in the pages corpus symbol for symbol, spacing and brackets included (``(\\dfrac{\\partial E}{\\partial{
L_k}})``); a chain of several "=" is cut into its members. The page's hidden layers below j are not in the
stored excerpts; the formulas for w_{hi} and L_i continue its pattern (not printed), and the slips each
change one formula.
"""

from tests.verification.sources.corpus import Source, Written

SOURCE = Source(
    name="neurotic_networks",
    title="Back Propagation Intro (Neurotic Networks blog)",
    network={
        "name": "neurotic_networks",
        "layers": [2, 3, 3, 1],
        "activation": "sigmoid",
        "cost": "half_sse",
        "bias": False,
    },
    notation={
        "layout": "column",
        "weight_indices": "from_to",
        "unit_letters": ["h", "i", "j", "k"],
        "activation": "L",
        "pre_activation": "net",
        "target": "T",
        "cost": "E",
    },
    formulas=(
        Written(
            r"\dfrac{\partial E}{\partial w_{jk}} = \dfrac{\partial E}{\partial L_k}\dfrac{\partial L_k}"
            r"{\partial w_{jk}}",
            True,
            "the output neuron: the chain rule, first member",
        ),
        Written(
            r"\dfrac{\partial E}{\partial w_{jk}} = (\dfrac{\partial E}{\partial{ L_k}}) ( \dfrac{\partial{"
            r" \sigma (net_k)}}{\partial net_k})(\dfrac{\partial{net_k}}{\partial w_{jk}})",
            True,
            "the output neuron: the chain rule through net_k",
        ),
        Written(r"(\dfrac{\partial E}{\partial{ L_k}})=(T - L_k)(-1)", True, "the error's derivative"),
        Written(
            r"(\dfrac{\partial E}{\partial{ L_k}})=(L_k-T)", True, "the error's derivative, its last member"
        ),
        Written(
            r"\dfrac{\partial E}{\partial w_{jk}} =(L_k - T)\cdot{L_k(1-L_k)}\cdot{L_j}",
            True,
            "the output neuron: hence",
        ),
        Written(
            r"\dfrac{\partial E}{\partial w_{ij}} = \dfrac{\partial E}{\partial{ L_j}} [L_j(1-L_j)][L_i]",
            True,
            "the previous layer: a weight into j",
        ),
        Written(
            r"\dfrac{\partial E}{\partial{ L_j}}=(\dfrac{\partial E}{\partial{ L_k}})(\dfrac{\partial L_k}"
            r"{\partial{ L_j}})",
            True,
            "the previous layer: L_j through the one output",
        ),
        Written(
            r"\dfrac{\partial E}{\partial{ L_j}}=(L_k-T) L_k(1-L_k) w_{jk}",
            True,
            "the previous layer: L_j's derivative put together (continued, not printed)",
        ),
        Written(
            r"\dfrac{\partial E}{\partial w_{hi}} = \dfrac{\partial E}{\partial{ L_i}} [L_i(1-L_i)][L_h]",
            True,
            "the first layer's weights, the pattern continued (not printed)",
        ),
        Written(
            r"\dfrac{\partial E}{\partial{ L_i}} = \sum_j \dfrac{\partial E}{\partial{ L_j}}"
            r" L_j(1-L_j) w_{ij}",
            True,
            "L_i through the three units of j, the pattern continued (not printed)",
        ),
        Written(
            r"\dfrac{\partial E}{\partial w_{jk}} =(T - L_k)\cdot{L_k(1-L_k)}\cdot{L_j}",
            False,
            "hence, with the error's -1 lost",
            "sign flipped",
        ),
        Written(
            r"\dfrac{\partial E}{\partial w_{jk}} =(L_k - T)\cdot{L_j}",
            False,
            "hence, without the sigmoid's derivative",
            "a factor is missing",
        ),
        Written(
            r"\dfrac{\partial E}{\partial w_{ij}} = \dfrac{\partial E}{\partial{ L_j}} [L_i(1-L_i)][L_i]",
            False,
            "a weight into j with the sigmoid's derivative at i",
            "L_{i} (1 - L_{i})",
        ),
        Written(
            r"\dfrac{\partial E}{\partial{ L_j}}=(L_k-T) L_k(1-L_k) w_{ij}",
            False,
            "L_j's derivative with the weight of the layer below",
        ),
        Written(
            r"\dfrac{\partial E}{\partial{ L_i}} = \sum_j \dfrac{\partial E}{\partial{ L_j}}"
            r" L_j(1-L_j) w_{ji}",
            False,
            "L_i's derivative with the weight's units swapped",
            "indices transposed",
        ),
    ),
)
