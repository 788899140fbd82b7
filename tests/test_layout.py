"""The package layout: stages import only earlier stages, the public API's examples run, the wheel works."""

from __future__ import annotations

import ast
import doctest
import importlib
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "symbp"
GROUND = 0
STAGES = {
    "spec": 1,
    "derivation": 2,
    "rendering": 3,
    "codegen": 3,
    "verification": 3,
    "pipeline": 4,
    "cli": 5,
}
API_MODULES = (
    "symbp",
    "symbp.spec.network",
    "symbp.derivation.engine",
    "symbp.rendering.documents",
    "symbp.rendering.pdf",
    "symbp.codegen.generator",
    "symbp.codegen.loading",
    "symbp.verification.verify_formula",
    "symbp.verification.gradient_check",
    "symbp.pipeline.end_to_end",
)


def _stage(module: str) -> str | None:
    """'symbp.derivation.engine' -> 'derivation'; ground-floor modules -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES) else None


def _imports(path: Path) -> set[str]:
    """Every symbp module a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("symbp"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("symbp"))
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(path for path in PACKAGE.rglob("*.py") if path != PACKAGE / "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_module_imports_only_its_own_stage_and_earlier_ones(path):
    module = _module_name(path)
    own = _stage(module)
    level = STAGES[own] if own else GROUND
    for imported in _imports(path):
        other = _stage(imported)
        if imported == "symbp":
            pytest.fail(f"{module} imports the top-level package, which comes after every stage")
        if other is None:
            continue
        if other == own:
            continue
        assert STAGES[other] < level, f"{module} (stage {own or 'ground'}) imports {imported} (stage {other})"


MAX_LINES = 450
MAX_IMPORTED = 8
# Modules allowed past a limit, each with the reason; a module not listed is held to the limits, and
# an entry that no longer needs its place fails, so the list cannot go stale.
TOO_LONG: dict[str, str] = {}
IMPORTS_TOO_MUCH = {
    "symbp/pipeline/end_to_end.py": "the demo's conductor: its one job is to run every stage in turn",
}


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imported_modules(path: Path) -> set[str]:
    """The other symbp modules a file imports: ``from symbp.rendering import latex`` names the module
    symbp.rendering.latex, ``from symbp.rendering.latex import latex`` the same one."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("symbp"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if _is_module(submodule) else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("symbp"))
    return found - {_module_name(path)} if path.is_relative_to(ROOT) else found


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_module_has_at_most_450_lines(path):
    where = str(path.relative_to(ROOT))
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if where in TOO_LONG:
        assert lines > MAX_LINES, f"{where} has {lines} lines now: remove it from TOO_LONG"
        return
    assert lines <= MAX_LINES, f"{where} has {lines} lines: split it along its jobs"


def _other_rooms(path: Path) -> set[str]:
    """The modules outside its own folder that a module draws on. A folder's own modules are its parts
    (the generator assembling codegen's printers does one job); each module of another folder is work
    of another room, and a module reaching into many of them does several jobs."""
    name = _module_name(path)
    folder = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return {module for module in _imported_modules(path) if module.rpartition(".")[0] != folder}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_module_draws_on_at_most_eight_modules_of_other_folders(path):
    where = str(path.relative_to(ROOT))
    reached = _other_rooms(path)
    if where in IMPORTS_TOO_MUCH:
        assert len(reached) > MAX_IMPORTED, (
            f"{where} reaches {len(reached)} now: remove it from IMPORTS_TOO_MUCH"
        )
        return
    assert len(reached) <= MAX_IMPORTED, (
        f"{where} imports {len(reached)} modules of other folders: {sorted(reached)}"
    )


def test_the_import_count_names_modules_not_packages(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text(
        "from symbp.rendering import latex, step_views\nfrom symbp.rendering.latex import latex\n"
        "from symbp.spec import notation\nimport symbp.naming\n"
    )
    assert _imported_modules(module) == {
        "symbp.rendering.latex",
        "symbp.rendering.step_views",
        "symbp.spec.notation",
        "symbp.naming",
    }


def test_the_stage_rule_catches_a_sibling_import(tmp_path):
    rendering = tmp_path / "symbp" / "rendering"
    rendering.mkdir(parents=True)
    (rendering / "bad.py").write_text("from symbp.verification.formula import parse_formula\n")
    assert _imports(rendering / "bad.py") == {"symbp.verification.formula"}
    assert _stage("symbp.verification.formula") == "verification" and STAGES["verification"] == 3


def test_every_subpackage_init_names_only_its_entry_points():
    for stage in STAGES:
        package = importlib.import_module(f"symbp.{stage}")
        assert package.__all__, stage
        for name in package.__all__:
            assert getattr(package, name) is not None, (stage, name)


def test_the_top_level_names_are_the_pipeline_entry_points():
    import symbp

    expected = {
        "load",
        "derive",
        "render",
        "build_pdf",
        "generate",
        "load_module",
        "verify",
        "gradcheck",
        "demo",
    }
    assert expected <= set(symbp.__all__)
    for name in expected:
        assert callable(getattr(symbp, name)), name
        assert getattr(symbp, name).__doc__.count(">>>") >= 1, f"{name} has no runnable example"


@pytest.mark.slow
@pytest.mark.parametrize("name", API_MODULES)
def test_the_api_examples_run(name):
    if os.environ.get("CI") == "true" and name == "symbp.rendering.pdf":
        require("pdflatex")  # CI runs the build_pdf example for real
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert attempted > 0 and failed == 0


def test_reprs_are_one_line():
    import symbp

    derivation = symbp.derive(symbp.load("half_adder"))
    assert repr(derivation) == "Derivation(half_adder: 2-2-2-2, sigmoid, half_mse, biases, 42 steps)"
    assert repr(derivation.network) == "Network(half_adder: 2-2-2-2, sigmoid, half_mse, biases)"
    for step in derivation.steps:
        text = repr(step)
        assert "\n" not in text and len(text) < 160 and text.startswith("Step(")
    assert repr(derivation.section("L-1")) == "SectionView(half_adder, 'L-1')"


def test_help_imports_no_sympy():
    code = (
        "import sys\nfrom symbp.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'sympy' not in sys.modules, 'symbp --help imported sympy'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT.parent)


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["examples"]], ids=" ".join)
def test_light_commands_load_no_sympy_numpy_jinja2_or_lark(argv):
    code = (
        f"import sys\nfrom symbp.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted({'sympy', 'numpy', 'jinja2', 'lark'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.parent)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.splitlines()[-1]
    assert loaded == "[]", f"symbp {' '.join(argv)} imported {loaded}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "half_adder"],
        ["verify", "demystified", r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)}"],
    ],
    ids=lambda argv: argv[0],
)
def test_generate_and_verify_leave_sympy_physics_units_out(argv):
    """sympy.simplify and solve's check import it (0.1 s); derive's in-a forms need neither (derive's
    text printer still loads it: SymPy's pretty _print_Mul imports it)."""
    code = (
        f"import sys\nfrom symbp.cli import main\nstatus = main({argv!r})\n"
        "print(status, 'sympy.physics.units' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 False"


@pytest.mark.slow
def test_the_installed_wheel_finds_its_templates_outside_the_checkout(tmp_path):
    """Build the wheel, install it into a fresh venv, run two commands from a folder elsewhere."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("symbp-*.whl")
    environment = tmp_path / "venv"
    venv.create(environment, system_site_packages=True, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    def output(*command) -> str:
        return subprocess.run(
            [str(part) for part in command],
            cwd=elsewhere,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    where = output(python, "-c", "import symbp; print(symbp.__file__)").strip()
    assert Path(where).is_relative_to(environment), where
    symbp_command = environment / "bin" / "symbp"
    latex = output(symbp_command, "derive", "half_adder", "--format", "latex")
    assert latex.startswith(r"\documentclass") and r"\label{eq:delta-rec-matrix}" in latex
    module = output(symbp_command, "generate", "half_adder")
    from symbp.files import with_header

    assert with_header("half_adder.py", module) == (ROOT / "generated" / "half_adder.py").read_text()


@pytest.mark.slow
def test_the_notebook_session_of_docs_api_runs(tmp_path, monkeypatch):
    require("pdflatex")  # docs/api.md builds a PDF
    monkeypatch.chdir(tmp_path)
    failed, attempted = doctest.testfile(
        str(ROOT / "docs" / "api.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert attempted >= 20 and failed == 0
