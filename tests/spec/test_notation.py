"""Notation profiles: every built-in profile validates and follows its source; tables override axes."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from symbp.errors import SpecError
from symbp.spec.notation import Notation
from symbp.spec.profiles import FIELDS, PROFILES, notation_from

NAMES = (
    "default",
    "welch",
    "nielsen",
    "ng",
    "deeplearning_ai",
    "goodfellow",
    "bishop",
    "cs231n",
    "ufldl",
    "wikipedia",
    "rumelhart",
    "raschka",
    "3blue1brown",
)

# The axes each source is known for (from the sources' own text).
KEY_AXES = {
    "default": dict(
        layout="row", weight_indices="from_to", input_layer=0, cost="C", target="t", delta_sign=1
    ),
    "welch": dict(layout="row", weights_named_by="leaving", input_layer=1, cost="J", prediction=r"\hat{y}"),
    "nielsen": dict(
        layout="column",
        weight_indices="to_from",
        index_letters=("k", "j"),
        layer_style="bare",
        input_layer=1,
        target="y",
        weight_matrix="w",
        samples="n",
        hadamard=r"\odot",
    ),
    "ng": dict(
        layout="column",
        weight=r"\Theta",
        weights_named_by="leaving",
        input_layer=1,
        function="g",
        hadamard=".*",
        accumulators=True,
        samples="m",
        learning_rate=r"\alpha",
    ),
    "deeplearning_ai": dict(
        layout="column",
        batch_columns=True,
        layer_style="bracket",
        gradient_style="d",
        delta_matrix="dZ",
        samples="m",
        function="g",
        hadamard="*",
    ),
    "goodfellow": dict(
        pre_activation="a", activation="h", delta="g", gradient_style="nabla", learning_rate=r"\epsilon"
    ),
    "bishop": dict(
        pre_activation="a",
        activation="z",
        function="h",
        weight_indices="to_from",
        cost_one="E_n",
        prediction="y",
        unit_letters=("i", "j", "k"),
    ),
    "cs231n": dict(layout="row", cost="L", l2=r"\mathrm{reg}", gradient_style="d", delta_matrix="dS"),
    "ufldl": dict(
        layout="column",
        weights_named_by="leaving",
        input_layer=1,
        hadamard=r"\bullet",
        prediction=r"h_{W,b}(x)",
        learning_rate=r"\alpha",
    ),
    "wikipedia": dict(
        pre_activation=r"\mathrm{net}",
        activation="o",
        function=r"\varphi",
        cost="E",
        weight_indices="from_to",
    ),
    "rumelhart": dict(
        delta_sign=-1,
        pre_activation=r"\mathrm{net}",
        activation="o",
        weight_indices="to_from",
        sample_index="p",
    ),
    "raschka": dict(layout="row", layer_style="named", layer_names=("in", "h", "out"), function=r"\phi"),
    "3blue1brown": dict(cost_one="C_0", target="y", weight_indices="to_from", index_letters=("k", "j")),
}


def test_all_thirteen_profiles_are_built_in():
    assert tuple(PROFILES) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_profile_validates_and_follows_its_source(name):
    profile = notation_from(name)
    assert profile.name == name and profile.source
    assert dataclasses.replace(profile) == profile  # __post_init__ accepts it again
    for axis, value in KEY_AXES[name].items():
        assert getattr(profile, axis) == value, (name, axis)


def test_default_profile_is_the_derivations_own_convention():
    assert notation_from("default") == Notation() == PROFILES["default"]


def test_seed_names_the_default_profile_but_is_never_listed():
    """Specs and --notation that say "seed" get the default profile, printed as "default"."""
    from symbp.spec.network import load

    assert notation_from("seed") is PROFILES["default"]
    assert notation_from({"profile": "seed", "cost": "J"}).name == "default+custom"
    base = {"name": "tiny", "layers": [2, 1], "activation": "sigmoid"}
    assert load({**base, "notation": "seed"}).notation.name == "default"
    assert "seed" not in PROFILES
    with pytest.raises(SpecError) as raised:
        notation_from("sead")
    assert "seed" not in str(raised.value)


def test_custom_table_overrides_axes_of_its_profile():
    custom = notation_from({"profile": "nielsen", "cost": "J", "index_letters": ["q", "p"]})
    assert custom.cost == "J" and custom.index_letters == ("q", "p")
    assert custom.layout == "column" and custom.layer_style == "bare"  # the rest is Nielsen's
    assert custom.name == "nielsen+custom"
    assert notation_from({"layout": "column"}).target == "t"  # no profile: the default one


@pytest.mark.parametrize(
    "table, field",
    [
        ({"layout": "diagonal"}, "notation.layout"),
        ({"profile": "knuth"}, "notation.profile"),
        ({"colour": "red"}, "notation.colour"),
        ({"input_layer": 2}, "notation.input_layer"),
        ({"input_layer": True}, "notation.input_layer"),
        ({"delta_sign": 0}, "notation.delta_sign"),
        ({"cost": 3}, "notation.cost"),
        ({"cost": ""}, "notation.cost"),
        ({"batch_columns": True}, "notation.batch_columns"),
        ({"layer_style": "named"}, "notation.layer_names"),
        ({"index_letters": ["i", "i"]}, "notation.index_letters"),
        ({"unit_letters": ["i", 2]}, "notation.unit_letters"),
        ("knuth", "notation"),
        (3, "notation"),
    ],
)
def test_bad_table_is_one_clear_error_naming_the_field(table, field):
    with pytest.raises(SpecError) as raised:
        notation_from(table)
    assert raised.value.field == field
    message = str(raised.value)
    assert "\n" not in message and f"'{field}'" in message and "allowed" in message


def test_every_field_can_be_overridden():
    assert "name" not in FIELDS and "source" not in FIELDS
    for field in FIELDS:
        assert hasattr(Notation(), field)


def test_notations_command_lists_every_profile_without_sympy():
    code = (
        "import sys, importlib; importlib.import_module('symbp.cli.main').main(['notations']);"
        "print('sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[-1] == "False"
    assert [line.split()[0] for line in lines[:-1]] == list(NAMES)
    for line, profile in zip(lines, PROFILES.values(), strict=False):
        assert line.endswith(profile.source) and profile.summary() in line


def test_a_spec_names_its_notation_or_overrides_one():
    from symbp.spec.network import load

    base = {"name": "tiny", "layers": [2, 1], "activation": "sigmoid"}
    assert load(base).notation == PROFILES["default"]
    assert load({**base, "notation": "nielsen"}).notation == PROFILES["nielsen"]
    custom = load({**base, "notation": {"profile": "ng", "learning_rate": r"\eta"}}).notation
    assert custom.weight == r"\Theta" and custom.learning_rate == r"\eta"
    with pytest.raises(SpecError) as raised:
        load({**base, "notation": {"profile": "ng", "layout": "3d"}})
    assert raised.value.field == "notation.layout"


def test_numbering_still_numbers_the_input_layer_and_keeps_the_weight_numbers():
    from symbp.spec.network import load

    demystified = load("demystified")
    assert demystified.numbering == demystified.notation.input_layer == 1
    assert demystified.notation.weights_named_by == "leaving"  # W^{(1)} leaves layer 1, as the text writes
    assert load({"name": "n", "layers": [2, 1], "activation": "sigmoid", "numbering": 0}).numbering == 0


@pytest.mark.parametrize("command", ["derive", "demo", "verify", "gradcheck"])
def test_notation_option_names_a_profile(command, capsys, tmp_path, monkeypatch):
    from symbp.cli.main import build_parser, main

    monkeypatch.chdir(tmp_path)
    args = {
        "gradcheck": ["gradcheck", "x.py:f", "--spec", "logistic"],
        "verify": ["verify", "logistic", "C = 0"],
    }
    argv = args.get(command, [command, "logistic"]) + ["--notation", "nielsen"]
    assert build_parser().parse_args(argv).notation == "nielsen"
    bad = argv[:-1] + ["knuth"]
    if command == "gradcheck":  # the function file is read first; give it one
        (tmp_path / "x.py").write_text("def f(params, X, T):\n    return {}\n")
    assert main(bad) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--notation" in err[0] and "nielsen" in err[0]


def test_generated_module_docstring_maps_the_profiles_symbols_onto_params():
    from symbp.codegen.generator import generate
    from symbp.derivation.engine import derive
    from symbp.spec.network import load

    half_adder = derive(load("half_adder"))
    assert "notation (" not in generate(half_adder).split('"""')[1]  # default: the module's own names

    def docstring(profile):
        network = dataclasses.replace(half_adder.network, notation=PROFILES[profile])
        return generate(dataclasses.replace(half_adder, network=network)).split('"""')[1]

    nielsen = docstring("nielsen")
    assert "w^2 is params['W1'].T" in nielsen and "b^4 is params['b3'] as a column" in nielsen
    assert "x is X.T and y is T.T" in nielsen
    assert "W^[3] is params['W3'].T" in docstring("deeplearning_ai")
    assert "Θ^(1) is params['W1'].T" in docstring("ng")  # named by the layer it leaves
    raschka = docstring("raschka")
    assert "W^(out) is params['W3']" in raschka and "A^(in) is X and Y is T" in raschka


@pytest.mark.parametrize(
    ("tex", "text"),
    [(r"\mathcal{L}", "ℒ"), (r"\mathcal{E}", "ℰ"), (r"\mathcal{J}", "𝒥"), (r"\mathcal{E}_{av}", "ℰ_av")],
)
def test_a_calligraphic_symbol_is_its_script_capital_as_text(tex, text):
    """A calligraphic cost (Haykin's \\mathcal{E}_{av}) reads as a letter in prose, not as a LaTeX command."""
    from symbp.spec.notation import as_text

    assert as_text(tex) == text
