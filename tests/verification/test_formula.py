"""The formula grammar: what it reads, what it refuses, and where it points."""

from __future__ import annotations

import pytest

from symbp.verification.formula import FormulaError, parse_formula
from symbp.verification.parse import parse_tree
from symbp.verification.tree import Bin, Call, Layer, Sum, Sym, Transpose


def test_seed_text_equation_six():
    formula = parse_formula(r"\delta^{(3)} = -(y-\hat y) f^\prime(z^{(3)}) \tag 6")
    assert formula.quantity.kind == "delta" and formula.quantity.layer == Layer(None, 3)
    assert formula.matrix
    product = formula.rhs.arg
    assert isinstance(product, Bin) and product.op == "juxt"
    assert product.right == Call("act", True, Sym("z", Layer(None, 3)))


def test_derivative_left_sides():
    weight = parse_formula(r"\frac{\partial C}{\partial w^{(l)}_{ij}} = a^{(l-1)}_i \delta^{(l)}_j").quantity
    assert (weight.kind, weight.layer, weight.indices) == ("w", Layer("l", 0), ("i", "j"))
    bias = parse_formula(r"\frac{\partial E}{\partial b^{(L-1)}_j} = \delta^{(L-1)}_j").quantity
    assert (bias.kind, bias.layer, bias.indices, bias.cost) == ("b", Layer("L", -1), ("j",), "E")
    matrix = parse_formula(r"\frac{dJ}{dW^{(2)}} = (a^{(2)})^T \delta^{(3)}").quantity
    assert matrix.matrix and matrix.cost == "J"
    assert parse_formula(r"\partial J / \partial W^{(2)} = X").quantity.kind == "w"
    # dC/dz as written: delta in the default notation, not Rumelhart's -dE/dnet
    assert parse_formula(r"\frac{\partial C}{\partial z^{(L)}_j} = a_j").quantity.kind == "dz"


@pytest.mark.parametrize(
    ("latex", "plain"),
    [
        (
            r"\delta^{(L)}_j = (a^{(L)}_j - t_j) \sigma'(z^{(L)}_j)",
            "delta(L)_j = (a(L)_j - t_j) sigma'(z(L)_j)",
        ),
        (r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)}", "dJ/dW(1) = X^T delta(2)"),
        (r"\delta^{(2)} = \hat{y} e^{-z}", "delta(2) = yhat exp(-z)"),
        (r"\delta^{(2)}_j = w^{(2)}_{i,j}", "delta(2)_j = w(2)_ij"),
    ],
)
def test_plain_and_latex_read_alike(latex, plain):
    left, right = parse_formula(latex), parse_formula(plain)
    assert (left.quantity, left.rhs) == (right.quantity, right.rhs)


def test_operators():
    rhs = parse_formula(r"\delta = a \odot b \cdot t * x @ W / N").rhs
    ops = []
    node = rhs
    while isinstance(node, Bin):
        ops.append(node.op)
        node = node.left
    assert ops == ["div", "matmul", "star", "juxt", "hadamard"]
    assert isinstance(parse_formula(r"\delta = X^{\top}").rhs, Transpose)
    assert isinstance(parse_formula(r"\delta = X.T").rhs, Transpose)
    assert isinstance(parse_formula(r"\delta = \left( X \right)^{T}").rhs, Transpose)


def test_sum_with_and_without_limits():
    rhs = parse_formula(r"\delta^{(l)}_j = \sum_{k=1}^{n_{l+1}} w^{(l+1)}_{jk} \delta^{(l+1)}_k").rhs
    assert isinstance(rhs, Sum) and (rhs.index, rhs.lower) == ("k", 1)
    assert rhs.upper == Sym("width", Layer("l", 1))
    bare = parse_formula(r"\delta_j = \sum_k w_{jk} \delta_k").rhs
    assert isinstance(bare, Sum) and bare.upper is None


def test_functions_and_numbers():
    rhs = parse_formula(r"\delta = \frac{1}{2} \exp(z) \tanh(z) \log(a) \sigma(z)").rhs
    calls = []
    node = rhs
    while isinstance(node, Bin):
        if isinstance(node.right, Call):
            calls.append(node.right.func)
        node = node.left
    assert calls == ["act", "log", "tanh", "exp"]


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        (r"\delta^{(3)} = -(y-\hat{y} f'(z^{(3)})", 39, "ends too early"),
        (r"\delta^{(3)} = (y - q)", 21, "unknown name starting 'q'"),
        (r"\delta^{(3)} = a + + ", 21, "ends too early"),
        (r"\delta^{(3)} = a ) b", 18, "unexpected ')'"),
        (r"\delta^{(3) = a", 13, "unexpected '='"),
        ("delta(L)_j = a_j = t_j", 18, "unexpected '='"),
        (r"\delta^{(3)} = \sum x", 16, "summation index"),
        (r"t = \delta^{(3)}", 1, "left side must name a quantity"),
        (r"\frac{\partial C}{\partial t_j} = x", 28, "left side must name a quantity"),
        (r"\delta^{(3)} = \frac{\partial C}{\partial W}", 16, "only as the gradient by an activation"),
        (r"\delta^{(3)} = a_{i+1}", 17, "index letters"),
        (r"\frac{\partial C}{\partial W^{(2)}} = a_i", 39, "no subscripts on the right side"),
        (r"\frac{\partial C}{\partial b^{(2)}} = \sum_n \delta_{nj}", 46, "except a sample index summed"),
        (r"\frac{\partial C}{\partial b^{(2)}} = \sum_n W^{(2)}_n", 46, "except a sample index summed"),
        ("delta = 1 ? 2", 11, "unexpected character '?'"),
        (r"\delta^{(2)}_j = \frac{\partial a^{(2)}_j}{\partial z^{(3)}_j}", 18, "da/dz of one neuron"),
    ],
)
def test_errors_point_at_the_column(text, column, fragment):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    assert caught.value.column == column, str(caught.value)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"column {column}: ")
    assert caught.value.pointer().splitlines()[1] == "  " + " " * (column - 1) + "^"


def test_python_is_rejected_without_running_it(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    calls = []
    monkeypatch.setattr("os.system", lambda command: calls.append(command))
    for text in (
        f"__import__('os').system('touch {marker}')",
        f"delta = __import__('os').system('touch {marker}')",
        f"delta(L) = exec(\"open('{marker}', 'w')\")",
        "delta = ().__class__.__bases__[0].__subclasses__()",
    ):
        with pytest.raises(FormulaError):
            parse_formula(text)
    assert not marker.exists() and calls == []


def test_limits_and_empty_input():
    with pytest.raises(FormulaError, match="expected a formula"):
        parse_tree("  ")
    with pytest.raises(FormulaError, match="at most"):
        parse_tree("delta = " + "a + " * 1000 + "a")
    with pytest.raises(FormulaError, match="one formula per line"):
        parse_tree("delta = a\ndelta = b")
