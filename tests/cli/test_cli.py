"""The command line: listings, derivations, the demo, and one clear line for every bad input."""

from pathlib import Path

import pytest

from symbp.cli.main import main
from symbp.files import ownership
from symbp.spec.catalog import graph_builtin_names
from symbp.spec.network import builtin_names, load
from tests.conftest import require

FIXTURES = str(Path(__file__).parents[1] / "verification" / "gradcheck_fixtures.py")
COMMANDS = {
    "derive": lambda spec: ["derive", spec],
    "gradcheck": lambda spec: ["gradcheck", f"{FIXTURES}:correct", "--spec", spec],
    "generate": lambda spec: ["generate", spec],
    "verify": lambda spec: ["verify", spec, r"\delta^{(L)} = a - t"],
    "demo": lambda spec: ["demo", spec, "--no-pdf"],
}


def run(argv, capsys):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_examples_lists_every_builtin(capsys):
    status, out, _ = run(["examples"], capsys)
    assert status == 0
    for name in ("half_adder", "demystified", "logistic", "softmax", "linear_net"):
        assert name in out
    chains, graphs = out.split("\n\n")
    assert len(chains.splitlines()) == 5
    heading, *lines = graphs.strip().splitlines()
    assert heading == "Graph networks (skips, residual connections, tied weights):"
    assert [line.split()[0] for line in lines] == ["residual", "skip_xor", "tied_autoencoder"]


def test_examples_lines_say_what_the_loaded_networks_say(capsys):
    """The listing reads the TOML fields without building the Networks (no SymPy); same lines, and a
    graph's line names its weight matrices as the loaded network does."""
    _, out, _ = run(["examples"], capsys)
    networks = {name: load(name) for name in builtin_names()}
    expected = [f"{name:12s} {net.summary():40s} {net.description}" for name, net in networks.items()]
    chains, graphs = out.split("\n\n")
    assert chains.splitlines() == expected
    graph_networks = {name: load(name) for name in graph_builtin_names()}
    width = max(len(net.summary()) for net in graph_networks.values())
    expected = [
        f"{name:16s} {net.summary():{width}s} {net.description}" for name, net in graph_networks.items()
    ]
    assert graphs.strip().splitlines()[1:] == expected
    assert "skip_xor         2-1-1, sigmoid, half_mse, biases, graph of W1, W2, W2_0 " in graphs


@pytest.mark.slow
def test_derive_prints_terminal_maths_and_markdown(capsys):
    status, out, _ = run(["derive", "logistic"], capsys)
    assert status == 0 and "δ" in out and "eq:delta-L" in out and "chain rule" in out
    status, out, _ = run(["derive", "logistic", "--format", "markdown"], capsys)
    assert status == 0 and out.count("$$") >= 10


def bad_inputs(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = [1, 2\n")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\xfa")
    return {
        "missing file": str(tmp_path / "missing.toml"),
        "empty file": str(empty),
        "TOML syntax error": str(broken),
        "directory": str(tmp_path),
        "unknown built-in": "half_addr",
        "non-UTF-8": str(binary),
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_reports_bad_input_in_one_line(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for case, spec in bad_inputs(tmp_path).items():
        status, _, err = run(COMMANDS[command](spec), capsys)
        assert status == 2, (command, case)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err and "error" in lines[0], (command, case, err)


@pytest.mark.slow
def test_demo_writes_everything_into_its_folder(tmp_path, capsys):
    folder = tmp_path / "out"
    status, out, _ = run(["demo", "linear_net", "-o", str(folder), "--no-pdf"], capsys)
    assert status == 0
    for name in ("linear_net.py", "linear_net.tex", "linear_net-cost.csv", "linear_net.html"):
        assert ownership(folder / name) == "ours"
        assert str(folder / name) in out
    assert "Gradient check" in out and "target" in out
    curve = (folder / "linear_net-cost.csv").read_text().splitlines()
    assert curve[1] == "epoch,cost" and curve[2].startswith("0,")
    status, _, _ = run(["demo", "linear_net", "-o", str(folder), "--no-pdf"], capsys)
    assert status == 0, "a second run may replace its own files"


@pytest.mark.slow
def test_demo_refuses_a_folder_with_foreign_or_edited_files(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    status, _, err = run(["demo", "linear_net", "-o", str(folder), "--no-pdf"], capsys)
    assert status == 2 and "notes.txt" in err and "--force" in err
    assert (folder / "notes.txt").read_text() == "mine"
    (folder / "notes.txt").unlink()
    assert run(["demo", "linear_net", "-o", str(folder), "--no-pdf"], capsys)[0] == 0
    module = folder / "linear_net.py"
    module.write_text(module.read_text() + "# my change\n")
    status, _, err = run(["demo", "linear_net", "-o", str(folder), "--no-pdf"], capsys)
    assert status == 2 and "linear_net.py" in err
    assert module.read_text().endswith("# my change\n")
    assert run(["demo", "linear_net", "-o", str(folder), "--no-pdf", "--force"], capsys)[0] == 0


def test_demo_reports_divergence_instead_of_training_on_nan(tmp_path, capsys):
    spec = tmp_path / "wild.toml"
    spec.write_text(
        'name = "wild"\nlayers = [1, 3, 1]\nactivation = "identity"\ncost = "half_mse"\n'
        "[train]\nlearning_rate = 1000.0\nepochs = 50\nprint_every = 10\n"
        "[data]\nX = [[10000.0], [-10000.0]]\nT = [[1.0], [0.0]]\n"
    )
    status, out, _ = run(["demo", str(spec), "-o", str(tmp_path / "out"), "--no-pdf"], capsys)
    assert status == 1 and "diverged" in out


@pytest.mark.slow
def test_demo_half_adder_builds_the_pdf_with_the_training_curve(tmp_path, capsys):
    require("pdflatex")
    folder = tmp_path / "half_adder"
    status, out, _ = run(["demo", "-o", str(folder)], capsys)
    assert status == 0
    assert (folder / "half_adder.pdf").stat().st_size > 10_000
    tex = (folder / "half_adder.tex").read_text()
    assert r"\begin{semilogyaxis}" in tex and "Training" in tex
    final = [line for line in out.splitlines() if line.startswith("epoch 20000/")][0]
    assert float(final.split()[3]) < 1e-3


def test_tex_injection_in_a_spec_is_escaped(tmp_path, capsys):
    spec = tmp_path / "sneaky.toml"
    spec.write_text(
        'name = "sneaky"\n'
        "description = '\\input{/etc/passwd} \\write18{rm -rf /} \\immediate'\n"
        'layers = [2, 1]\nactivation = "sigmoid"\n'
    )
    status, out, _ = run(["derive", str(spec), "--format", "latex"], capsys)
    assert status == 0
    assert "\\input{" not in out and "\\write18" not in out and "\\immediate" not in out
    assert "textbackslash" in out


def test_gradcheck_reports_a_bad_function_file_in_one_line(tmp_path, capsys):
    for target in (f"{tmp_path / 'missing.py'}:f", f"{FIXTURES}:no_such_function", str(tmp_path)):
        status, _, err = run(["gradcheck", target, "--spec", "half_adder"], capsys)
        assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    import os

    from symbp.files import write_owned

    target = tmp_path / "module.py"
    write_owned(target, "x = 1\n")
    before = target.read_bytes()

    def interrupted(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_owned(target, "x = 2\n")
    assert target.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["module.py"]


def test_ci_tests_the_installed_package_with_its_templates_and_examples():
    import os
    from importlib import resources

    import symbp

    if os.environ.get("CI") == "true":
        assert "site-packages" in symbp.__file__, symbp.__file__
    from symbp.templating import template_folder

    templates = {path.name for path in template_folder().iterdir()}
    assert {"derivation.tex.j2", "derivation.md.j2", "numpy_module.py.j2", "descent.py.j2"} <= templates
    examples = {item.name for item in resources.files("symbp.spec.examples").iterdir()}
    assert {"half_adder.toml", "verify_demystified.txt"} <= examples


def test_a_generated_module_run_as_a_script_reports_divergence(tmp_path, capsys):
    import subprocess
    import sys

    spec = tmp_path / "wild.toml"
    spec.write_text(
        'name = "wild"\nlayers = [1, 3, 1]\nactivation = "identity"\ncost = "half_mse"\n'
        "[train]\nlearning_rate = 1000.0\nepochs = 20\nprint_every = 10\n"
        "[data]\nX = [[10000.0], [-10000.0]]\nT = [[1.0], [0.0]]\n"
    )
    module = tmp_path / "wild.py"
    assert run(["generate", str(spec), "-o", str(module)], capsys)[0] == 0
    result = subprocess.run([sys.executable, str(module)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "training diverged" in result.stdout and not result.stderr


def test_pdf_builds_are_atomic_and_leave_no_by_products(tmp_path):
    from symbp.errors import SymbpError
    from symbp.rendering.pdf import build_pdf

    require("pdflatex")
    good = tmp_path / "good.tex"
    good.write_text("\\documentclass{article}\\begin{document}Hello\\end{document}\n")
    assert build_pdf(good) == tmp_path / "good.pdf"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".good.pdf.symbp-sha256",
        "good.pdf",
        "good.tex",
    ]
    bad = tmp_path / "bad.tex"
    bad.write_text("\\documentclass{article}\\begin{document}\\nosuchcommand\\end{document}\n")
    with pytest.raises(SymbpError, match="Undefined control sequence"):
        build_pdf(bad)
    assert not (tmp_path / "bad.pdf").exists() and (tmp_path / "bad.log").exists()
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == [
        ".good.pdf.symbp-sha256"
    ]


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly():
    """`symbp notations | head`: the reader goes away; symbp stops with no traceback, as a pipe's writer."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # no reader: the first write fails with EPIPE
    try:
        result = subprocess.run(
            [sys.executable, "-c", "import sys; from symbp.cli import main; sys.exit(main())", "notations"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""
