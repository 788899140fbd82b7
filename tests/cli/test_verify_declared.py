"""``symbp verify`` with a spec that declares its source's own names ([notation.symbols], summation):
formulas and whole derivations read with them; a bad declaration is one line naming the field, exit 2."""

import json
from pathlib import Path

import pytest

from symbp.cli.main import main

DEFINED = Path(__file__).parent.parent / "verification" / "defined"
AIMA = str(DEFINED / "aima.toml")


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_formulas_in_the_declared_names_are_verified(capsys):
    right = r"\frac{\partial Loss}{\partial w_{j,k}} = -a_j Err_k g'(in_k)"
    wrong = r"\frac{\partial Loss}{\partial w_{j,k}} = a_j Err_k g'(in_k)"
    assert run(["verify", AIMA, right], capsys)[0] == 0
    status, out, _ = run(["verify", AIMA, wrong], capsys)
    assert status == 1 and "sign flipped" in out


def test_a_derivation_with_definitions_is_marked_and_reported_as_json(capsys):
    status, out, _ = run(
        ["verify", AIMA, "--derivation", str(DEFINED / "right_where_and_define.tex")], capsys
    )
    assert status == 0
    assert out.count("[   defines]") == 2 and "every line right (5 lines)" in out
    status, out, _ = run(
        ["verify", AIMA, "--derivation", str(DEFINED / "wrong_sign_line2.tex"), "--json"], capsys
    )
    assert status == 1
    result = json.loads(out)
    assert result["first_wrong_line"] == 2
    assert [line["claim"] for line in result["lines"]] == ["holds", "fails", "defines", "defines", "holds"]


def test_implicit_summation_declared_in_the_spec(tmp_path, capsys):
    spec = tmp_path / "einstein.toml"
    spec.write_text(
        'name = "einstein"\nlayers = [2, 3, 2]\nactivation = "sigmoid"\ncost = "half_mse"\n\n'
        '[notation]\nprofile = "nielsen"\nsummation = "implicit"\n'
    )
    formula = r"\delta^l_j = w^{l+1}_{kj}\delta^{l+1}_k\sigma'(z^l_j)"
    assert run(["verify", str(spec), formula], capsys)[0] == 0


@pytest.mark.parametrize(
    ("symbols", "field"),
    [
        ('Delta = {quantity = "delta", factor = "half"}', "notation.symbols.Delta.factor"),
        ('K = {quantity = "depth", layer = 2}', "notation.symbols.K.layer"),
        ('w_5 = {quantity = "weight", from = "h1", to = "o1"}', "notation.symbols.w_5.from"),
        ('Err = "errors"', "notation.symbols.Err"),
        ('a = {quantity = "constant", value = 0.5}', "notation.symbols.a.value"),
        ('a = {quantity = "constant", value = "slope"}', "notation.symbols.a.value"),
        ('a = "constant"', "notation.symbols.a"),
    ],
)
def test_a_bad_declaration_is_one_line_naming_the_field_and_exit_2(tmp_path, capsys, symbols, field):
    spec = tmp_path / "bad.toml"
    spec.write_text(
        'name = "bad"\nlayers = [2, 2, 2]\nactivation = "sigmoid"\ncost = "half_mse"\n\n'
        f'[notation]\nprofile = "nielsen"\n\n[notation.symbols]\n{symbols}\n'
    )
    status, out, err = run(["verify", str(spec), r"\delta^L_j = a^L_j - y_j"], capsys)
    assert status == 2
    assert field in err and len(err.strip().splitlines()) == 1


def test_a_declared_constant_is_read_as_its_value(tmp_path, capsys):
    """A slope A declared 1 is the spec's sigmoid's; declared 1/2, the formula is a factor 2 off."""
    spec = tmp_path / "slope.toml"
    formula = r"\delta^L_j = A (a^L_j - y_j) \sigma'(z^L_j)"
    for value, status in (("1", 0), ('"1/2"', 1)):
        spec.write_text(
            'name = "slope"\nlayers = [2, 2, 2]\nactivation = "sigmoid"\ncost = "half_mse"\n\n'
            '[notation]\nprofile = "nielsen"\n\n[notation.symbols]\n'
            f'A = {{quantity = "constant", value = {value}}}\n'
        )
        assert run(["verify", str(spec), formula], capsys)[0] == status
