"""The HTML page of a graph network (skips, residuals, tied weights, dC/dx), opened in headless Chromium.

Each page's numbers are compared with values this test computes itself: the
generated module trained in one call as the spec says, then the network's
meaning in plain NumPy (tests.codegen.test_graph_module.Meaning) for the
activations, and the module's own gradients for the deltas and dC/dx.
"""

from __future__ import annotations

import html
import re
import tomllib

import numpy as np
import pytest

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.any_network import derive
from symbp.pipeline.end_to_end import train_settings, training_data
from symbp.pipeline.page import page_html, recorded_epochs
from symbp.rendering.page_network import number, sample
from symbp.spec.catalog import builtin_text, graph_builtin_names
from symbp.spec.network import load
from symbp.spec.profiles import PROFILES
from symbp.verification.formula import FormulaError
from symbp.verification.verify_formula import verify
from tests.codegen.test_graph_module import Meaning, _random_spec
from tests.rendering.test_page import _ANNOTATED, _browser_tools, _frames, _open, _press, step_through

_LABELLED = re.compile(
    r'<li class="(?:step|mline)" id="([^"]+)"[^>]*data-label="([^"]+)"[^>]*>(.*?)</li>', re.S
)
# an entry's subscript, or a general layer (l, its source s, a consumer c) in a layer mark
_GENERAL = re.compile(r"_\{[a-z]+\}|[(\[{,][lsc][,)\]}]")
pytestmark = pytest.mark.slow  # seconds a test: left out of the quick loop

# a reader's own notation: to_from weights, y for activations, a calligraphic cost, delta = -dE/dnet
CUSTOM_NOTATION = {
    "profile": "default",
    "weight_indices": "to_from",
    "activation": "y",
    "cost": r"\mathcal{E}",
    "delta_sign": -1,
    "layer_style": "bracket",
}


def _custom_spec() -> dict:
    """A random small graph in the reader's notation, trained briefly on random samples: this draw has
    skips of one and two layers, joins of three sources, residuals of two and ties as is."""
    spec = _random_spec(np.random.default_rng(103), 0)
    return spec | {"name": "custom_graph", "notation": CUSTOM_NOTATION, "train": {"epochs": 40, "seed": 3}}


def _chain_with_input_gradient() -> dict:
    """A chain whose spec asks for dC/dx: [2, 3, 2] tanh then sigmoid."""
    return {
        "name": "chain_dx",
        "layers": [2, 3, 2],
        "activation": ["tanh", "sigmoid"],
        "cost": "half_mse",
        "input_gradient": True,
        "train": {"epochs": 30, "learning_rate": 0.5},
    }


def _as_graph(spec: dict) -> dict:
    """The same network as named layers each fed by the one below, for Meaning."""
    if isinstance(spec["layers"][0], dict):
        return spec
    names = [f"layer{k}" for k in range(len(spec["layers"]))]
    tables = [{"name": names[0], "size": spec["layers"][0]}]
    for k, size in enumerate(spec["layers"][1:], start=1):
        tables.append(
            {
                "name": names[k],
                "size": size,
                "activation": spec["activation"][k - 1],
                "weighted": [names[k - 1]],
            }
        )
    return spec | {"layers": tables}


SPECS = {name: tomllib.loads(builtin_text(name)) for name in graph_builtin_names()}
SPECS["custom_graph"] = _custom_spec()
SPECS["chain_dx"] = _chain_with_input_gradient()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every page on disk, with its derivation, its generated module and the spec it came from."""
    folder = tmp_path_factory.mktemp("graph_pages")
    made = {}
    for name, spec in SPECS.items():
        derivation = derive(load(spec))
        text = page_html(derivation)
        path = folder / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        module = load_module(generate(derivation), f"symbp_graph_page_test_{name}")
        made[name] = (path, text, derivation, module, spec)
    return made


@pytest.fixture(scope="module")
def browser(pages):
    driver = _open(_browser_tools(), pages["skip_xor"][0])
    yield driver
    driver.quit()


def _load(browser, pages, name):
    """Open a page afresh; the browser's log then holds only what this page wrote."""
    browser.get("about:blank")
    browser.get_log("browser")
    browser.get(pages[name][0].resolve().as_uri())
    return pages[name]


def _errors(browser) -> list:
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


def _expected_connections(network) -> set[str]:
    graph, found = network.graph, set()
    for layer in range(1, network.depth + 1):
        for connection in graph.weighted[layer]:
            found.add(f"c-{connection.source}-{layer}-{'tied' if connection.tie else 'weighted'}")
        found |= {f"c-{source}-{layer}-identity" for source in graph.identity[layer]}
    return found


@pytest.mark.parametrize("name", SPECS)
def test_the_page_loads_with_no_console_errors(browser, pages, name):
    _, text, derivation, _, _ = _load(browser, pages, name)
    assert browser.find_element("id", "counter").text == f"Step 1 of {len(derivation.steps)}"
    assert _errors(browser) == []
    assert len(text.encode("utf-8")) <= 400 * 1024
    ids = set(re.findall(r' id="([^"]+)"', text))
    assert set(re.findall(r'href="#([^"]+)"', text)) <= ids


@pytest.mark.parametrize("name", SPECS)
def test_the_diagram_draws_every_connection(browser, pages, name):
    _, _, derivation, _, _ = _load(browser, pages, name)
    network = derivation.network
    arrows = browser.find_elements("css selector", "#net path.connection")
    assert {arrow.get_attribute("id") for arrow in arrows} == _expected_connections(network)
    graph = network.graph
    for arrow in arrows:
        box = arrow.rect
        assert box["width"] > 0, arrow.get_attribute("id")
        source, target = (int(arrow.get_attribute(key)) for key in ("data-source", "data-target"))
        described = arrow.get_attribute("aria-label")
        assert graph.names[source] in described and graph.names[target] in described
        dashed = arrow.get_attribute("stroke-dasharray")
        assert bool(dashed) == (arrow.get_attribute("data-kind") == "identity")
    kinds = {arrow.get_attribute("data-kind") for arrow in arrows}
    if name == "residual":
        assert kinds == {"weighted", "identity"}
    if name == "tied_autoencoder":
        assert kinds == {"weighted", "tied"}
        (tied,) = [arrow for arrow in arrows if arrow.get_attribute("data-kind") == "tied"]
        assert "tied" in tied.get_attribute("aria-label")
    if name == "skip_xor":  # the input feeds the output directly, bent above the hidden layer
        assert "c-0-2-weighted" in {arrow.get_attribute("id") for arrow in arrows}
    # every layer is a box with its caption; every unit a circle
    assert len(browser.find_elements("css selector", "#net rect.layerbox")) == network.depth + 1
    assert len(browser.find_elements("css selector", "#net g.node circle")) == sum(network.layers)


@pytest.mark.parametrize("name", SPECS)
def test_stepping_through_shows_every_step(browser, pages, name):
    _, text, derivation, _, _ = _load(browser, pages, name)
    total = len(derivation.steps)
    labels = {step.label for step in derivation.steps if step.label}
    shown = {
        node.get_attribute("data-label")
        for node in browser.find_elements("css selector", ".step[data-label]")
    }
    assert shown == labels
    step_through(browser, total)
    assert browser.find_element("id", "counter").text == f"Step {total} of {total}"
    assert browser.find_element("id", "next").get_attribute("disabled") == "true"
    # the graph's own steps, each shown: the chain rule through every consumer, the identity path's term,
    # a tied matrix's uses
    reasons = " ".join(node.text for node in browser.find_elements("css selector", ".step .reason"))
    graph = derivation.network.graph
    assert "through each layer that reads it" in reasons
    assert "\\" not in reasons  # the notation's symbols as text, no LaTeX (the custom cost is ℰ)
    assert ("identity path" in reasons) == any(graph.identity)
    assert ("a tied matrix: one term per use" in reasons) == any(c.tie for c in graph.connections())
    sections = [key for key, _ in derivation.sections()]
    assert re.findall(r'<section class="dsection" id="section-([^"]+)"', text) == sections
    if derivation.network.input_gradient:
        assert "input" in sections
    assert _errors(browser) == []


def _trained(module, network):
    """The module's parameters after the page's last recorded epoch, trained in one call as the spec says."""
    X, T = training_data(network, module)
    last = recorded_epochs(network.train.epochs)[-1]
    params = module.init_params(seed=network.train.seed)
    history = module.train(params, X, T, **{**train_settings(network), "epochs": last, "print_every": 0})
    return params, history, last


@pytest.mark.parametrize("name", SPECS)
def test_the_numbers_on_the_page_are_the_modules_own(browser, pages, name):
    _, text, derivation, module, spec = _load(browser, pages, name)
    network = derivation.network
    _press(browser, browser.find_element("id", "epoch"), "END")
    params, history, last = _trained(module, network)
    assert browser.find_element("id", "epoch-now").text.startswith(f"epoch {last},")
    assert _frames(text)[-1]["cost"] == number(history[-1])
    _, (x, t, _) = sample(network)
    _, A = Meaning(_as_graph(spec)).forward(params, x)
    gradients = module.gradients(params, x, t)
    shown = lambda key: browser.find_element("css selector", f'[data-value="{key}"]').text  # noqa: E731
    for layer in range(1, network.depth + 1):
        for unit in range(1, network.layers[layer] + 1):
            assert shown(f"a-{layer}-{unit}") == number(A[layer][0, unit - 1]), (layer, unit)
            if network.bias:  # on one sample, dC/db is the delta (the notation's sign)
                delta = network.notation.delta_sign * gradients[f"b{layer}"][unit - 1]
                assert shown(f"delta-{layer}-{unit}") == f"δ {number(delta)}", (layer, unit)
    assert shown("out") == ", ".join(number(value) for value in module.forward(params, x)[0])
    if network.input_gradient:
        dx = module.input_gradient(params, x, t)[0]
        for unit in range(1, network.layers[0] + 1):
            assert shown(f"dx-0-{unit}") == number(dx[unit - 1])
    assert _errors(browser) == []


@pytest.mark.parametrize("name", SPECS)
def test_selecting_a_layer_shows_its_matrix_equations(browser, pages, name):
    _, _, derivation, _, _ = _load(browser, pages, name)
    layer = derivation.network.depth - 1
    browser.find_element("id", f"layer-{layer}").click()
    lines = browser.find_elements("css selector", ".mline.hl-layer")
    expected = [line for line in derivation.forward + derivation.backward if line.layer == layer]
    assert len(lines) == len(expected) and {line.get_attribute("data-layer") for line in lines} == {
        str(layer)
    }
    assert len(browser.find_elements("css selector", "#panel-math math")) == len(lines)


@pytest.mark.parametrize("notation", sorted(PROFILES))
def test_the_page_prints_a_graph_in_every_notation(notation):
    """skip_xor with dC/dx in every profile: the page is written, and its deltas follow the profile's sign."""
    spec = SPECS["skip_xor"] | {"notation": notation, "input_gradient": True, "train": {"epochs": 3}}
    network = load(spec)
    frames = _frames(page_html(derive(network)))
    default = _frames(page_html(derive(load(spec | {"notation": "default"}))))
    assert [frame["a"] for frame in frames] == [frame["a"] for frame in default]
    assert [frame["dx"] for frame in frames] == [frame["dx"] for frame in default]
    sign = network.notation.delta_sign
    flipped = [
        [[number(sign * float(value)) for value in row] for row in frame["delta"]] for frame in default
    ]
    assert [frame["delta"] for frame in frames] == flipped


@pytest.mark.parametrize("name", list(SPECS))
def test_every_equation_of_a_graph_page_reads_back_through_verify_and_never_fails(pages, name):
    """Each TeX annotation, read by verify in the page's notation, holds or is refused, never judged false;
    every backward matrix line holds; a refusal is a forward definition, an index-form step naming an
    entry or a general form in a layer l (as a graph's documents read back)."""
    _, text, derivation, _, _ = pages[name]
    held, refused = set(), set()
    for element, label, body in _LABELLED.findall(text):
        (tex,) = _ANNOTATED.findall(body)
        tex = html.unescape(tex)
        try:
            verdict = verify(derivation.network, tex)
        except FormulaError:
            refused.add(element)
            assert label == "eq:forward" or _GENERAL.search(tex), tex
            continue
        assert verdict.holds, f"{element}: {verdict.report()}"
        held.add(element)
    backward = {element for element, label, _ in _LABELLED.findall(text) if element.startswith("line-")}
    backward -= {element for element, label, _ in _LABELLED.findall(text) if label == "eq:forward"}
    assert len(backward) == len(derivation.backward) and backward <= held


def test_symbp_derive_writes_a_graph_networks_page(tmp_path, capsys):
    from symbp.cli.main import main

    page = tmp_path / "skip_xor.html"
    assert main(["derive", "skip_xor", "--format", "html", "-o", str(page)]) == 0
    assert 'id="c-0-2-weighted"' in page.read_text(encoding="utf-8")


def test_a_wide_graph_is_drawn_by_layers_with_every_connection():
    """A layer wider than a unit-by-unit drawing allows: boxes by width, every arrow still drawn."""
    spec = SPECS["skip_xor"] | {"train": {"epochs": 5}}
    spec["layers"] = [dict(table) for table in spec["layers"]]
    spec["layers"][1]["size"] = 20
    network = load(spec)
    text = page_html(derive(network))
    assert 'class="node"' not in text
    assert len(re.findall(r'<rect class="layerbox"', text)) == network.depth + 1
    drawn = set(re.findall(r'<path class="connection [a-z]+" id="([^"]+)"', text))
    assert drawn == _expected_connections(network) == {"c-0-1-weighted", "c-1-2-weighted", "c-0-2-weighted"}


@pytest.mark.parametrize("name", SPECS)
def test_the_symbol_tables_name_what_a_graph_adds(pages, name):
    """A skip's weights, a tied matrix, a layer's output derivative and dC/dx, where the network has each."""
    _, text, derivation, _, _ = pages[name]
    network = derivation.network
    tables = text[text.index('<section id="symbols"') : text.index('<section id="derivation"')]
    graph = network.graph
    skips = any(c.source < layer - 1 for layer in range(1, network.depth + 1) for c in graph.weighted[layer])
    assert tables.count("skips the layers between them") == (2 if skips else 0)
    assert tables.count(": tied to ") == sum(1 for c in graph.connections() if c.tie)
    assert "the sum over the layers that read it" in tables
    assert ("derivative of the cost by input" in tables) == network.input_gradient
