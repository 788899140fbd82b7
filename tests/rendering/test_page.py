"""The HTML page of a derivation, opened from disk in a real headless Chromium (Selenium).

The browser tests skip without Chromium, chromedriver or Selenium, and fail
instead when CI=true (.ci/page-deps installs them). The page's own numbers are
compared with the generated module's, trained the same way in one call.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.any_network import derive
from symbp.files import with_header
from symbp.pipeline.end_to_end import train_settings, training_data
from symbp.pipeline.page import STEP_OVERHEAD, WORK_BUDGET, page_html, record_training, recorded_epochs
from symbp.rendering.page_network import number, sample
from symbp.spec.catalog import graph_builtin_names
from symbp.spec.network import builtin_names, load, load_builtin
from symbp.verification.formula import FormulaError
from symbp.verification.verify_formula import verify
from tests.conftest import require

pytestmark = pytest.mark.slow  # seconds a test: left out of the quick loop

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB, too little for Chromium
    "--window-size=1200,1400",
)
_ANNOTATED = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>')
_EQUATIONS = re.compile(r'<li class="(?:step|mline)" id="([^"]+)"[^>]*>(.*?)</li>', re.S)


def _browser_tools():
    """Selenium's webdriver module, once Chromium, chromedriver and Selenium are there (conftest.require)."""
    require("chromium")
    require("selenium")
    from selenium import webdriver

    return webdriver


def _open(webdriver, path: Path, javascript: bool = True):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='symbp-chromium-')}")
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.get(path.resolve().as_uri())
    return driver


@pytest.fixture(scope="module")
def half_adder_page(tmp_path_factory):
    """The half adder's page on disk, and the generated module that trained for it."""
    derivation = derive(load("half_adder"))
    text = page_html(derivation)
    path = tmp_path_factory.mktemp("page") / "half_adder.html"
    path.write_text(text, encoding="utf-8")
    module = load_module(generate(derivation), "symbp_page_test_half_adder")
    return path, text, derivation, module


@pytest.fixture(scope="module")
def browser(half_adder_page):
    driver = _open(_browser_tools(), half_adder_page[0])
    yield driver
    driver.quit()


def _frames(text: str) -> list[dict]:
    data = re.search(r'<script type="application/json" id="frames">(.*?)</script>', text, re.S).group(1)
    return json.loads(data.replace("<\\/", "</"))


def _visible_steps(driver) -> list[int]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.step'))"
        ".filter(s => s.offsetParent !== null).map(s => Number(s.dataset.step));"
    )


def _highlighted(driver, selector: str) -> set[str]:
    return set(
        driver.execute_script(
            f"return Array.from(document.querySelectorAll('{selector}')).map(n => n.dataset.label || n.id);"
        )
    )


def step_through(driver, total: int, each=lambda shown: None):
    """Step 1 alone first, then the right arrow reveals one step at a time up to ``total`` (``each(shown)``
    after each); returns the page's body."""
    assert _visible_steps(driver) == [1]
    body = driver.find_element("tag name", "body")
    for shown in range(2, total + 1):
        _press(driver, body, "ARROW_RIGHT")
        assert _visible_steps(driver) == list(range(1, shown + 1))
        each(shown)
    return body


def _press(driver, element, key):
    from selenium.webdriver.common.keys import Keys

    element.send_keys(getattr(Keys, key))


def test_the_page_is_one_small_file_that_loads_nothing(half_adder_page):
    text = half_adder_page[1]
    assert len(text.encode("utf-8")) <= 400 * 1024
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    assert text.count("<math") >= len(half_adder_page[2].steps)


@pytest.fixture(scope="module")
def wide_page(tmp_path_factory):
    spec = {
        "name": "wide_mnist",
        "layers": [784, 128, 10],
        "activation": ["sigmoid", "softmax"],
        "cost": "cce",
    }
    spec["train"] = {"epochs": 20}
    text = page_html(derive(load(spec)))
    path = tmp_path_factory.mktemp("wide") / "wide_mnist.html"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_a_wide_network_is_drawn_by_layers_within_two_megabytes(wide_page):
    text = wide_page[1]
    assert len(text.encode("utf-8")) <= 2 * 1024 * 1024
    assert text.count('class="layerbox"') == 3 and 'class="edge"' not in text
    assert '<tspan dy="-3"> = 784</tspan>' in text and '<tspan dy="-3"> = 128</tspan>' in text


def test_a_wide_network_shows_a_layers_matrix_equations_and_its_epochs(wide_page, tmp_path):
    driver = _open(_browser_tools(), wide_page[0])
    try:
        driver.find_element("id", "layer-1").send_keys("\n")
        lines = driver.find_elements("css selector", ".mline.hl-layer")
        assert lines and {line.get_attribute("data-layer") for line in lines} == {"1"}
        cost = driver.find_element("css selector", '[data-value="sample-cost"]')
        before = cost.text
        _press(driver, driver.find_element("id", "epoch"), "END")
        assert cost.text != before and cost.text == _frames(wide_page[1])[-1]["sample_cost"]
        driver.save_screenshot(str(tmp_path / "wide.png"))
    finally:
        driver.quit()


def test_a_network_too_large_to_evaluate_has_no_numbers_and_says_why():
    spec = {"name": "huge", "layers": [2000, 1000, 10], "activation": ["sigmoid", "softmax"], "cost": "cce"}
    text = page_html(derive(load(spec)))
    assert "The worked example is left out: this network has 2,011,010 weights and biases" in text
    assert 'id="epoch"' not in text and _frames(text) == [{"epoch": 0}]


@pytest.mark.parametrize("batch_size", [None, 2])
def test_a_long_run_of_a_small_network_is_recorded_for_its_first_epochs_only(batch_size):
    """A step's overhead counts against the budget: a billion epochs of the half adder are not hours."""
    spec = {"name": "long", "layers": [2, 2, 2, 2], "activation": "sigmoid", "train": {"epochs": 10**9}}
    if batch_size:
        spec["train"]["batch_size"] = batch_size
    network = load(spec)
    module = load_module(generate(derive(network)), "symbp_page_test_long")
    X, T = training_data(network, module)
    recording = record_training(network, module, X, T)
    steps = 1 if batch_size is None else X.shape[0] // batch_size
    run = recording.epochs[-1]
    assert 1000 < run <= WORK_BUDGET / (steps * STEP_OVERHEAD)
    assert f"only the first {run} of its 1000000000 epochs are recorded here" in recording.note


def test_the_page_is_the_same_bytes_every_time(half_adder_page):
    assert page_html(half_adder_page[2]) == half_adder_page[1]


def test_stepping_through_the_whole_derivation(browser, tmp_path):
    steps = browser.find_elements("css selector", ".step")
    total = len(steps)
    assert total == 42

    def each(shown):
        assert browser.find_element("id", "counter").text == f"Step {shown} of {total}"
        if shown == 24:
            browser.save_screenshot(str(tmp_path / "stepping.png"))

    body = step_through(browser, total, each)
    assert browser.find_element("id", "next").get_attribute("disabled") == "true"
    browser.find_element("id", "prev").click()
    assert _visible_steps(browser) == list(range(1, total))
    _press(browser, body, "HOME")
    assert _visible_steps(browser) == [1]
    browser.find_element("id", "all").click()
    assert _visible_steps(browser) == list(range(1, total + 1))
    assert (tmp_path / "stepping.png").stat().st_size > 10_000


def test_selecting_a_weight_highlights_its_paths_and_equations(browser, half_adder_page, tmp_path):
    _, text, derivation, module = half_adder_page
    edge = browser.find_element("id", "w-2-1-2")  # layer L-1 = 2, from unit 1 below to unit 2
    edge.send_keys("\n")  # the keyboard selects as a click does
    # the paths dC/dw^{(2)}_{12} sums over: the weight itself, then every weight out of unit 2 of layer 2
    assert _highlighted(browser, ".edge.hl-path") == {"w-2-1-2", "w-3-2-1", "w-3-2-2"}
    assert _highlighted(browser, ".unit.hl-path") == {"u-1-1", "u-2-2", "u-3-1", "u-3-2"}
    equations = _highlighted(browser, ".hl-def[data-label]")
    assert {"eq:dW-L-1", "eq:delta-L-1", "eq:delta-L", "eq:dW", "eq:dW-matrix", "eq:delta-rec"} <= equations
    assert not {"eq:dW-L", "eq:dW-L-2", "eq:db-L-1", "eq:delta-L-2"} & equations
    params, (x, t, _) = sample(derivation.network)
    gradient = module.gradients(params, x, t)["W2"][0, 1]
    assert browser.find_element("id", "panel-text").get_attribute("data-gradient") == number(gradient)
    assert browser.find_element("css selector", "#panel-math math").size["height"] > 0
    browser.save_screenshot(str(tmp_path / "weight.png"))
    assert (tmp_path / "weight.png").stat().st_size > 10_000


def test_selecting_a_delta_highlights_where_it_is_defined_and_reused(browser):
    browser.find_element("id", "u-2-1").click()  # delta^{(L-1)}_1
    defined = _highlighted(browser, ".hl-def[data-label]")
    used = _highlighted(browser, ".hl-use[data-label]")
    assert {"eq:delta-L-1", "eq:delta-rec", "eq:delta-rec-matrix"} <= defined
    assert {"eq:dW-L-1", "eq:db-L-1", "eq:delta-L-2", "eq:dW", "eq:db"} <= used
    assert not {"eq:delta-L", "eq:dW-L", "eq:db-L"} & (defined | used)
    # it gathers the deltas above along its outgoing weights, and flows back along the weights into it
    assert _highlighted(browser, ".edge.hl-back") == {"w-3-1-1", "w-3-1-2"}
    assert _highlighted(browser, ".edge.hl-delta") == {"w-2-1-1", "w-2-2-1"}
    browser.find_element("id", "clear").click()
    assert _highlighted(browser, ".hl-def, .hl-use") == set()


def test_selecting_a_layer_shows_its_matrix_equations(browser):
    browser.find_element("id", "layer-2").click()
    lines = browser.find_elements("css selector", ".mline.hl-layer")
    assert {line.get_attribute("data-layer") for line in lines} == {"2"}
    assert {line.get_attribute("data-label") for line in lines} >= {
        "eq:forward",
        "eq:delta-rec-matrix",
        "eq:dW-matrix",
    }
    assert len(browser.find_elements("css selector", "#panel-math math")) == len(lines)


def test_the_epoch_control_shows_the_modules_own_numbers(browser, half_adder_page, tmp_path):
    _, text, derivation, module = half_adder_page
    network = derivation.network
    frames = _frames(text)
    assert [frame["epoch"] for frame in frames] == recorded_epochs(network.train.epochs)
    slider = browser.find_element("id", "epoch")
    outputs = [browser.find_element("css selector", f'[data-value="a-3-{j}"]') for j in (1, 2)]
    before = [node.text for node in outputs]
    browser.find_element("id", "w-2-1-2").send_keys("\n")
    _press(browser, slider, "END")  # the range's own key: the last recorded epoch
    last = frames[-1]["epoch"]
    assert browser.find_element("id", "epoch-now").text.startswith(f"epoch {last},")
    after = [node.text for node in outputs]
    assert after != before
    # the module's own: trained in one call as the spec says, then its forward pass and gradient on the sample
    X, T = training_data(network, module)
    params = module.init_params(seed=network.train.seed)
    settings = {**train_settings(network), "epochs": last, "print_every": 0}
    history = module.train(params, X, T, **settings)
    _, (x, t, _) = sample(network)
    assert after == [number(value) for value in module.forward(params, x)[0]]
    gradient = module.gradients(params, x, t)["W2"][0, 1]
    assert browser.find_element("id", "panel-text").get_attribute("data-gradient") == number(gradient)
    assert frames[-1]["cost"] == number(history[-1])
    edge_label = browser.find_element("id", "w-3-1-2").get_attribute("aria-label")
    assert edge_label.endswith(": " + number(params["W3"][0, 1]))
    browser.save_screenshot(str(tmp_path / "trained.png"))
    assert (tmp_path / "trained.png").stat().st_size > 10_000


def test_every_equation_is_rendered_with_a_size(browser):
    if not _all_shown(browser):
        browser.find_element("id", "all").click()
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('main math'))"
        ".filter(m => !m.closest('[hidden]')).map(m => m.getBoundingClientRect())"
        ".map(r => [r.width, r.height]);"
    )
    assert len(sizes) > 60
    assert all(width > 0 and height > 0 for width, height in sizes)


def _all_shown(driver) -> bool:
    return driver.find_element("id", "all").get_attribute("aria-pressed") == "true"


def test_the_printed_page_holds_every_step_and_no_controls(browser, tmp_path):
    import base64

    browser.find_element("id", "clear").click()  # a selection shows the steps it highlights
    _press(browser, browser.find_element("tag name", "body"), "HOME")  # on screen: the first step only
    assert _visible_steps(browser) == [1]
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert _visible_steps(browser) == list(range(1, 43))
        assert not browser.find_element("id", "next").is_displayed()
        pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {})["data"])
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 5  # the whole derivation, over several pages
    (tmp_path / "printed.pdf").write_bytes(pdf)


def test_no_request_leaves_the_page(browser, half_adder_page):
    """The page asks for nothing but itself; nothing at all goes to the network (chrome:// pages are the
    browser's own, not the page's)."""
    page = half_adder_page[0].resolve().as_uri()
    mine, everything = [], []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            everything.append(url)
            if message["params"].get("documentURL") == page:
                mine.append(url)
    assert mine == [page]
    assert [url for url in everything if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))] == []
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_without_javascript_the_page_holds_every_step_in_order(half_adder_page, tmp_path):
    driver = _open(_browser_tools(), half_adder_page[0], javascript=False)
    try:
        steps = driver.find_elements("css selector", ".step")
        assert [int(step.get_attribute("data-step")) for step in steps] == list(range(1, 43))
        assert all(step.is_displayed() for step in steps)
        tops = [step.location["y"] for step in steps]
        assert tops == sorted(tops)
        assert not driver.find_element("id", "epoch").is_displayed()  # controls need the script
        sizes = [math.size for math in driver.find_elements("css selector", "main math")]
        assert all(
            size["width"] > 0 and size["height"] > 0 for size in sizes if size != {"width": 0, "height": 0}
        )
        shown = [m for m in driver.find_elements("css selector", ".step math.eq") if m.is_displayed()]
        assert len(shown) == 42 and all(m.size["height"] > 0 for m in shown)
        driver.save_screenshot(str(tmp_path / "static.png"))
    finally:
        driver.quit()


@pytest.mark.parametrize("notation", ["default", "nielsen"])
def test_every_equation_of_the_page_reads_back_through_verify_and_holds(notation):
    """Each equation's TeX annotation, read by verify in the page's notation, holds, the forward pass's
    definitions included; verify refuses (in one line, never with a verdict) only the cost's definition,
    which is no claim about the network. The chain-rule steps, unevaluated partials and all, hold too
    (Nielsen's sum over the samples keeps dC/da^L_{xj} inside it)."""
    network = load({"name": "half_adder_page", "layers": [2, 2, 2, 2], "activation": "sigmoid",
                    "cost": "half_mse", "notation": notation, "train": {"epochs": 10}})  # fmt: skip
    text = page_html(derive(network))
    held, refused = set(), set()
    for element, body in _EQUATIONS.findall(text):
        (tex,) = _ANNOTATED.findall(body)
        tex = html.unescape(tex)
        try:
            verdict = verify(network, tex)
        except FormulaError:
            refused.add(element)
            assert "eq:cost" in body, tex
            continue
        assert verdict.holds, f"{element}: {verdict.report()}"
        held.add(element)
    labelled = set(
        re.findall(r'<li class="(?:step|mline)" id="([^"]+)"[^>]*data-label="eq:(?!cost|forward)', text)
    )
    assert labelled <= held and len(labelled) == 17 + 9  # every labelled step and backward line
    assert len(held) == 56 and len(refused) == 1
    # the gradient of each weight and bias as the selection panel shows it, on the sample
    instances = re.findall(r'<div data-instance="([^"]+)">(.*?)</div>', text, re.S)
    assert len(instances) == 12 + 6
    for key, body in instances:
        (tex,) = _ANNOTATED.findall(body)
        verdict = verify(network, html.unescape(tex))
        assert verdict.holds, f"{key}: {verdict.report()}"


def test_each_matrix_equation_links_to_the_module_line_that_implements_it(half_adder_page):
    _, text, derivation, _ = half_adder_page
    code = generate(derivation).splitlines()
    items = re.findall(
        r'<li class="mline" id="(line-\d+)"[^>]*data-label="([^"]+)"[^>]*>(.*?)</li>', text, re.S
    )
    assert len(items) == len(derivation.forward) + len(derivation.backward)
    targets = []
    for (line_id, label, body), line in zip(items, derivation.forward + derivation.backward, strict=True):
        at = int(re.search(r'href="#code-(\d+)"', body).group(1))
        if label == "eq:forward":  # the forward pass computes each Z and A by name (not a read-back)
            assert code[at - 1].strip().startswith(f"{line.target.name} = ")
            assert "values[" not in code[at - 1] and "np.empty" not in code[at - 1]
        else:  # each backward line cites its equation, the line after it computes the target
            assert code[at - 1].strip() == f"# {label}" and code[at].strip().startswith(line.target.name)
        assert re.search(rf'<span class="cl" id="code-{at}">.*?href="#{line_id}"', text)  # and links back
        targets.append(at)
    assert targets == sorted(targets) and len(set(targets)) == len(targets)


def test_the_page_without_a_training_run_says_so():
    from symbp.rendering.page import render_page

    derivation = derive(load("half_adder"))
    text = render_page(derivation, generate(derivation))
    assert "no training run was recorded" in text
    assert len(_frames(text)) == 1
    np.testing.assert_equal(_frames(text)[0]["epoch"], 0)


@pytest.mark.parametrize("name", builtin_names() + graph_builtin_names())
def test_generated_pages_are_fresh(name):
    path = ROOT / "generated" / f"{name}.html"
    assert path.exists(), f"{path} is missing: run python tools/refresh.py"
    expected = with_header(path, page_html(derive(load_builtin(name))))
    assert path.read_bytes() == expected.encode("utf-8"), f"{path} is stale: run python tools/refresh.py"


def test_every_link_inside_the_page_has_a_target(half_adder_page):
    text = half_adder_page[1]
    ids = set(re.findall(r' id="([^"]+)"', text))
    targets = set(re.findall(r'href="#([^"]+)"', text))
    assert targets and targets <= ids, targets - ids


def test_the_numbers_follow_the_notations_delta():
    """Rumelhart, Hinton and Williams write delta = -dE/dnet: the page shows their delta, not symbp's."""
    spec = {
        "name": "signs",
        "layers": [2, 2, 1],
        "activation": "sigmoid",
        "cost": "half_sse",
        "train": {"epochs": 4},
    }
    default, rumelhart = (
        _frames(page_html(derive(load({**spec, "notation": name}))))[-1] for name in ("default", "rumelhart")
    )
    assert default["a"] == rumelhart["a"] and default["dW"] == rumelhart["dW"]
    flipped = [[number(-float(value)) for value in layer] for layer in default["delta"]]
    assert rumelhart["delta"] == flipped and flipped != default["delta"]


def test_a_notation_symbol_the_page_cannot_print_is_refused_naming_its_field(tmp_path, capsys):
    from symbp.cli.main import main

    spec = tmp_path / "frak.toml"
    spec.write_text(
        'name = "frak"\nlayers = [2, 2, 1]\nactivation = "sigmoid"\ncost = "half_mse"\n'
        "[notation]\nprofile = \"seed\"\ncost = '\\mathfrak{J}'\n"
    )
    page = tmp_path / "frak.html"
    assert main(["derive", str(spec), "--format", "html", "-o", str(page)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "notation.cost" in line and "\\mathfrak" in line and not page.exists()
