"""Tom Mitchell, *Machine Learning* (1997), ch. 4.5: the BACKPROPAGATION algorithm of table 4.2 and the
derivation of its rules in section 4.5.3.

Mitchell writes net_j for a unit's weighted sum, o_j for its output, x_ji and w_ji for the input from
unit i to unit j and its weight, t for the target, E_d = 1/2 sum_{k in outputs} (t_k - o_k)^2 for one
example's error, and delta = -dE_d/dnet. No layer marks: table 4.2 names output units k and hidden units
h; section 4.5.3 calls the unit in question j, an output unit in its case 1 and a hidden one in its case
2, so those formulas say which letters name which layer.

Partly checked: http://www.cs.washington.edu/education/courses/cse573/01au/lect28/ch4/node18.html, a
course page copying the book's chapter 4 slides, prints step 2 (T4.3) as here, and step 3 with w_{h,k};
study notes in public repositories copying table 4.2 print step 3 with w_{kh}, as here (searched
again by the text ``\\sum_{k \\in outputs} w_{kh}``: notes and a notebook print step 3 as o_h (1 - o_h)
\\sum_{k \\in outputs} w_{kh} \\delta_k, with "=" or "\\leftarrow"). The book's own pages (table 4.2,
section 4.5.3) are not stored.
"""

from tests.verification.sources.corpus import Source, Written

# case 1 of section 4.5.3: j is an output unit, i a hidden unit feeding it
OUTPUT_J = {"unit_letters": ["x", "i", "j"]}
# case 2: j is a hidden unit, i an input, k a unit downstream of j
HIDDEN_J = {"unit_letters": ["i", "j", "k"]}

SOURCE = Source(
    name="mitchell",
    title="Machine Learning (Tom Mitchell), ch. 4.5",
    network={"name": "mitchell", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_sse"},
    notation={
        "layout": "column",
        "weight_indices": "to_from",
        "unit_letters": ["i", "h", "k"],
        "pre_activation": "net",
        "activation": "o",
        "input": "x",
        "target": "t",
        "cost": "E",
        "cost_one": "E_d",
        "sample_index": "d",
        "delta_sign": -1,
    },
    formulas=(
        Written(r"\delta_k \leftarrow o_k(1 - o_k)(t_k - o_k)", True, "table 4.2, step 2 (T4.3)"),
        Written(
            r"\delta_h \leftarrow o_h(1 - o_h) \sum_{k \in outputs} w_{kh} \delta_k",
            True,
            "table 4.2, step 3 (T4.4)",
        ),
        Written(r"\delta_k \leftarrow o_k(1 - o_k)(o_k - t_k)", False, "table 4.2, step 2", "sign flipped"),
        Written(
            r"\delta_h \leftarrow o_h(1 - o_h) \sum_{k \in outputs} w_{hk} \delta_k",
            False,
            "table 4.2, step 3",
            "indices transposed",
        ),
        Written(
            r"\delta_h \leftarrow \sum_{k \in outputs} w_{kh} \delta_k",
            False,
            "table 4.2, step 3",
            "a factor is missing",
        ),
        Written(
            r"\frac{\partial E_d}{\partial w_{ji}} = \frac{\partial E_d}{\partial net_j} \frac{\partial"
            r" net_j}{\partial w_{ji}}",
            True,
            "4.5.3, the chain rule for a weight",
            notation=OUTPUT_J,
        ),
        Written(
            r"\frac{\partial E_d}{\partial net_j} = \frac{\partial E_d}{\partial o_j} \frac{\partial"
            r" o_j}{\partial net_j}",
            True,
            "4.5.3, case 1",
            notation=OUTPUT_J,
        ),
        Written(
            r"\frac{\partial E_d}{\partial o_j} = -(t_j - o_j)", True, "4.5.3, case 1", notation=OUTPUT_J
        ),
        Written(
            r"\frac{\partial E_d}{\partial net_j} = -(t_j - o_j) o_j(1 - o_j)",
            True,
            "4.5.3, case 1",
            notation=OUTPUT_J,
        ),
        Written(
            r"\frac{\partial E_d}{\partial net_j} = (t_j - o_j) o_j(1 - o_j)",
            False,
            "4.5.3, case 1",
            "sign flipped",
            notation=OUTPUT_J,
        ),
        # x_ji, the input from unit i to unit j, is o_i, the output of unit i
        Written(
            r"\frac{\partial E_d}{\partial w_{ji}} = -(t_j - o_j) o_j(1 - o_j) o_i",
            True,
            "4.5.3, case 1 (4.21), x_{ji} written as o_i",
            notation=OUTPUT_J,
        ),
        Written(
            r"\frac{\partial E_d}{\partial w_{ji}} = -(t_j - o_j) o_j(1 - o_j) o_j",
            False,
            "4.5.3, case 1, with unit j's own output in place of its input from i",
            notation=OUTPUT_J,
        ),
        Written(
            r"\frac{\partial E_d}{\partial net_j} = \sum_{k \in Downstream(j)} \frac{\partial"
            r" E_d}{\partial net_k} \frac{\partial net_k}{\partial net_j}",
            True,
            "4.5.3, case 2",
            notation=HIDDEN_J,
        ),
        Written(
            r"\delta_j = o_j(1 - o_j) \sum_{k \in Downstream(j)} \delta_k w_{kj}",
            True,
            "4.5.3, case 2 (4.24)",
            notation=HIDDEN_J,
        ),
        Written(
            r"\frac{\partial E_d}{\partial net_j} = \sum_{k \in Downstream(j)} \delta_k w_{kj} o_j(1 - o_j)",
            False,
            "4.5.3, case 2, with delta_k taken for dE_d/dnet_k",
            "sign flipped",
            notation=HIDDEN_J,
        ),
    ),
)
