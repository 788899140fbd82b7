"""Hostile input and faults, case by case, across every command (issue 13).

Each case runs one command line in a fresh folder and asserts: the exit
status; one line that names the field or file and what is allowed; no
traceback; every file that was there before is still there, byte for byte
and with its mode; nothing half-written or temporary is left. Cheap cases
call ``main`` in this process; a case that could hang or exhaust memory runs
in a child process with an address-space limit and a timeout.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from symbp.cli.main import main
from symbp.files import ownership, read_text, write_owned, write_owned_bytes
from tests.children import start_symbp
from tests.conftest import require

pytestmark = pytest.mark.slow  # a child process a case: left out of the quick loop

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 2 * 2**30
TIME_LIMIT = 60
GOOD = 'name = "tiny"\nlayers = [2, 1]\nactivation = "sigmoid"\n'


@dataclass(frozen=True)
class Case:
    """One hostile command line: the files it starts from, what it must answer."""

    id: str
    argv: tuple[str, ...]
    status: int
    message: str  # must appear in the one-line message (stderr; stdout for a verdict)
    files: dict = field(default_factory=dict)  # name -> text or bytes, written before the run
    isolate: bool = False  # run in a child process with memory and time limits
    pointer: bool = False  # verify's reading errors add the formula and a caret (three lines)


def spec_text(**fields) -> str:
    """A TOML spec: the tiny good one with ``fields`` replaced (values already in TOML)."""
    values = {"name": '"tiny"', "layers": "[2, 1]", "activation": '"sigmoid"'}
    values.update(fields)
    head = [f"{key} = {value}" for key, value in values.items() if not key.startswith("[")]
    tables = [f"{key}\n{value}" for key, value in values.items() if key.startswith("[")]
    return "\n".join(head + tables) + "\n"


# Bad specs: (id, TOML text, field or file named, what the message says is allowed)
BAD_SPECS = [
    ("name-trailing-newline", spec_text(name='"evil\\n"'), "'name'", "a name of 1-32"),
    ("name-nul", spec_text(name='"a\\u0000"'), "'name'", "control characters"),
    ("description-nul", spec_text(description='"a\\u0000b"'), "'description'", "control characters"),
    ("description-escape", spec_text(description='"\\u001b[2J"'), "'description'", "control characters"),
    ("expr-nul", spec_text(activation='{ name = "x", expr = "z\\u0000" }'), "'activation.expr'", "control"),
    (
        "expr-tower",
        spec_text(activation='{ name = "x", expr = "z**10**10**10" }'),
        "activation.expr",
        "exponent",
    ),
    (
        "expr-overflow",
        spec_text(activation='{ name = "x", expr = "10**400*z" }'),
        "activation.expr",
        "exponent",
    ),
    (
        "expr-big-literal",
        spec_text(activation='{ name = "x", expr = "1e300*z" }'),
        "activation.expr",
        "1e100",
    ),
    (
        "expr-folded-power",
        spec_text(activation='{ name = "x", expr = "(z**100)**100" }'),
        "activation.expr",
        "exponent",
    ),
    (
        "expr-minus-495",
        spec_text(activation='{ name = "x", expr = "' + "-" * 495 + 'z" }'),
        "activation.expr",
        "nested at most",
    ),
    (
        "expr-calls-deep",
        spec_text(activation='{ name = "x", expr = "' + "exp(" * 60 + "z" + ")" * 60 + '" }'),
        "activation.expr",
        "nested at most",
    ),
    (
        "expr-import",
        spec_text(activation='{ name = "x", expr = "__import__(\'os\')" }'),
        "activation.expr",
        "allowed",
    ),
    (
        "expr-lambda",
        spec_text(activation='{ name = "x", expr = "(lambda: 1)()" }'),
        "activation.expr",
        "allowed",
    ),
    ("cost-tower", spec_text(cost='{ name = "c", expr = "(a - t)**10**10" }'), "cost.expr", "exponent"),
    (
        "softmax-rows",
        spec_text(
            layers="[2, 3]",
            activation='"softmax"',
            cost='"cce"',
            **{"[data]": "X = [[0.1, 0.2]]\nT = [[1, 1, 0]]"},
        ),
        "data.T[0]",
        "summing to 1",
    ),
    (
        "softmax-negative",
        spec_text(
            layers="[2, 2]",
            activation='"softmax"',
            cost='"cce"',
            **{"[data]": "X = [[0.1, 0.2]]\nT = [[1.5, -0.5]]"},
        ),
        "data.T[0]",
        "[0, 1]",
    ),
    (
        "bce-above-one",
        spec_text(cost='"bce"', **{"[data]": "X = [[0.1, 0.2]]\nT = [[2]]"}),
        "data.T[0]",
        "[0, 1]",
    ),
    (
        "bce-negative",
        spec_text(cost='"bce"', **{"[data]": "X = [[0.1, 0.2], [0.3, 0.4]]\nT = [[0], [-1]]"}),
        "data.T[1]",
        "[0, 1]",
    ),
    ("width-too-big", spec_text(layers="[100001, 1]"), "layers[0]", "at most 100000"),
    ("width-zero", spec_text(layers="[0, 1]"), "layers[0]", "at least 1"),
    ("l2-negative", spec_text(l2="-1.0"), "'l2'", ">= 0"),
    ("l2-nan", spec_text(l2="nan"), "'l2'", "finite"),
    ("epochs-huge", spec_text(**{"[train]": "epochs = 10000000000"}), "train.epochs", "at most"),
    ("seed-negative", spec_text(**{"[train]": "seed = -1"}), "train.seed", "at least 0"),
    ("lr-zero", spec_text(**{"[train]": "learning_rate = 0.0"}), "train.learning_rate", "> 0"),
    ("toml-syntax", "name = \n", "spec.toml", "TOML syntax"),
    ("binary-spec", b"\x89PNG\r\n\x1a\n\xff\xfe", "spec.toml", "UTF-8"),
    ("nul-spec", b'name = "a"\x00\n', "spec.toml", "NUL"),
    ("empty-spec", "", "spec.toml", "empty"),
]
SPEC_COMMANDS = {
    "derive": lambda spec: ("derive", spec),
    "generate": lambda spec: ("generate", spec, "-o", "out.py"),
    "verify": lambda spec: ("verify", spec, "delta(L)_j = 1"),
    "gradcheck": lambda spec: ("gradcheck", "mine.py:g", "--spec", spec),
    "demo": lambda spec: ("demo", spec, "-o", "out", "--no-pdf"),
}
MINE = "def g(params, X, T):\n    return {}\n"

CASES = [
    Case(f"{command}-{name}", build("spec.toml"), 2, f"{named}", {"spec.toml": text, "mine.py": MINE})
    for name, text, named, _allowed in BAD_SPECS
    for command, build in SPEC_COMMANDS.items()
]
# the allowed part of each message, checked once per spec (derive)
CASES += [
    Case(f"allowed-{name}", ("derive", "spec.toml"), 2, allowed, {"spec.toml": text})
    for name, text, _named, allowed in BAD_SPECS
]

# Files that are not spec files, formula files or Python files
CASES += [
    Case("derive-dev-zero", ("derive", "/dev/zero"), 2, "/dev/zero: is not a regular file", isolate=True),
    Case("derive-folder", ("derive", "."), 2, "is a directory"),
    Case("derive-missing", ("derive", "nothere.toml"), 2, "nothere.toml: no such file"),
    Case("generate-dev-zero", ("generate", "/dev/zero"), 2, "not a regular file"),
    Case(
        "verify-file-binary",
        ("verify", "half_adder", "--file", "f.txt"),
        2,
        "f.txt: not UTF-8",
        {"f.txt": b"\xb7\xff\x00"},
    ),
    Case(
        "verify-file-nul",
        ("verify", "half_adder", "--file", "f.txt"),
        2,
        "f.txt: holds a NUL byte",
        {"f.txt": "a\x00b"},
    ),
    Case("verify-file-dev-zero", ("verify", "half_adder", "--file", "/dev/zero"), 2, "not a regular file"),
    Case("verify-file-folder", ("verify", "half_adder", "--file", "."), 2, "is a directory"),
    Case("verify-file-missing", ("verify", "half_adder", "--file", "none.txt"), 2, "none.txt: no such file"),
    Case(
        "verify-file-big",
        ("verify", "half_adder", "--file", "f.txt"),
        2,
        "at most 1048576 bytes",
        {"f.txt": "#" * (2**20 + 1)},
    ),
    Case(
        "gradcheck-no-colon", ("gradcheck", "mine.py", "--spec", "half_adder"), 2, "expected FILE.py:FUNCTION"
    ),
    Case(
        "gradcheck-missing-file",
        ("gradcheck", "none.py:g", "--spec", "half_adder"),
        2,
        "none.py: no such file",
    ),
    Case("gradcheck-folder", ("gradcheck", ".:g", "--spec", "half_adder"), 2, "not a regular file"),
    Case(
        "gradcheck-bad-name",
        ("gradcheck", "mine.py:1x", "--spec", "half_adder"),
        2,
        "expected FILE.py:FUNCTION",
        {"mine.py": MINE},
    ),
]

# Option values
CASES += [
    Case(f"option-{'-'.join(argv[-2:])}-{argv[0]}", argv, 2, message)
    for argv, message in [
        (
            ("verify", "half_adder", "delta(L)_j = 1", "--points", "0"),
            "--points: got '0'; allowed: an integer from 1",
        ),
        (("verify", "half_adder", "delta(L)_j = 1", "--points", "-3"), "--points: got '-3'"),
        (("verify", "half_adder", "delta(L)_j = 1", "--points", "10**9"), "--points"),
        (
            ("verify", "half_adder", "delta(L)_j = 1", "--seed", "-1"),
            "--seed: got '-1'; allowed: an integer from 0",
        ),
        (("verify", "half_adder", "delta(L)_j = 1", "--seed", "x"), "--seed"),
        (("verify", "half_adder", "delta(L)_j = 1", "--numbering", "2"), "--numbering"),
        (("gradcheck", "mine.py:g", "--spec", "half_adder", "--seed", "-1"), "--seed: got '-1'"),
        (("gradcheck", "mine.py:g", "--spec", "half_adder", "--seed", "4294967296"), "--seed"),
        (
            ("gradcheck", "mine.py:g", "--spec", "half_adder", "--timeout", "0"),
            "--timeout: got '0'; allowed: a finite number > 0",
        ),
        (("gradcheck", "mine.py:g", "--spec", "half_adder", "--timeout", "inf"), "--timeout"),
        (("descend", "x**2", "--x0", "nan"), "--x0: got 'nan'; allowed: a finite number"),
        (("descend", "x**2", "--x0", "1e999"), "--x0"),
        (("descend", "x**2", "--lr", "-1"), "--lr: got '-1'; allowed: a finite number > 0"),
        (("descend", "x**2", "--steps", "-5"), "--steps: got '-5'"),
        (("descend", "x**2", "--steps", "100000000"), "--steps"),
        (("derive", "half_adder", "--format", "docx"), "--format"),
        (("generate", "half_adder", "--dtype", "int8"), "--dtype"),
        (("derive", "half_adder", "--pdf"), "--pdf needs --format latex and -o FILE.tex"),
        (("nosuchcommand",), "invalid choice"),
    ]
]

# descend: expressions and starting points outside the domain
CASES += [
    Case(f"descend-{number}", ("descend", *argv), 2, message)
    for number, (argv, message) in enumerate(
        [
            (("1/x", "--x0", "0"), "cannot be evaluated at --x0 0"),
            (("log(x)", "--x0", "0"), "cannot be evaluated at --x0 0"),
            (("sqrt(x)", "--x0", "-1"), "cannot be evaluated at --x0 -1"),
            (("x**(1/3)", "--x0", "-1"), "left the real numbers"),
            (("log(x)", "--x0", "0.001", "--lr", "1"), "left the domain of f"),
            (("x**10**10**10",), "exponent larger than 100"),
            (("10**400*x",), "exponent larger than 100"),
            (("x+" + "-" * 494 + "x",), "nested at most"),
            (("exp(x)", "--x0", "1000"), "overflowed"),
            (("x**4", "--x0", "100", "--lr", "1"), "diverged"),
            (("__import__('os').system('true')",), "only calls of the listed functions"),
            (("x" * 600,), "at most 500 characters"),
            (("y**2",), "unknown name 'y'"),
        ]
    )
]

# verify: formulas whose value is not finite are claims that fail, with the value named (0/0 once raised
# ZeroDivisionError from two Python scalars, and a product of infinities printed NumPy's warning)
NOT_FINITE = [
    ("zero-over-zero", "\\delta^{(3)} = 0/0", "claimed nan"),
    ("one-over-zero", "\\delta^{(3)} = 1/0", "claimed inf"),
    ("log-zero", "\\delta^{(3)} = \\log(0)", "claimed -inf"),
    ("huge-power", "\\delta^{(3)} = 10^{400}", "claimed inf"),
    ("inf-in-a-product", "\\delta^{(3)} = \\log(0) (a^{(2)})^T", "fails"),
]
CASES += [
    Case(f"verify-{name}", ("verify", "half_adder", formula), 1, message)
    for name, formula, message in NOT_FINITE
]


def test_a_formula_that_is_not_finite_prints_no_numpy_warning(capsys):
    for _, formula, _ in NOT_FINITE:
        status, out, err = _run_here(("verify", "half_adder", formula), capsys)
        assert status == 1 and "fails" in out and err == "", (formula, err)


# verify: formulas nested past the readers' depth limit
CASES += [
    Case(
        "verify-braces-900",
        ("verify", "half_adder", "delta(L)_j = " + "{" * 900 + "1" + "}" * 900),
        2,
        "nesting",
        pointer=True,
    ),
    Case(
        "verify-parens-600",
        ("verify", "half_adder", "delta(L)_j = " + "(" * 600 + "1" + ")" * 600),
        2,
        "nesting",
        pointer=True,
    ),
    Case(
        "verify-minus-600",
        ("verify", "half_adder", "delta(L)_j = " + "- " * 600 + "1"),
        2,
        "nesting",
        pointer=True,
    ),
    Case("verify-python", ("verify", "half_adder", "__import__('os')"), 2, "column", pointer=True),
    Case(
        "verify-too-long",
        ("verify", "half_adder", "delta(L)_j = " + "1+" * 1200 + "1"),
        2,
        "at most 2000 characters",
        pointer=True,
    ),
    Case("verify-no-formula", ("verify", "half_adder"), 2, "give at least one formula"),
]

# Outputs that belong to someone else, or cannot be written
FOREIGN = "my own notes\n"
CASES += [
    Case(
        "derive-foreign-tex",
        ("derive", "half_adder", "--format", "latex", "-o", "doc.tex"),
        2,
        "doc.tex: refusing to overwrite a file that was not written by symbp",
        {"doc.tex": FOREIGN},
    ),
    Case(
        "derive-foreign-pdf",
        ("derive", "half_adder", "--format", "latex", "-o", "doc.tex", "--pdf"),
        2,
        "doc.pdf: refusing to overwrite",
        {"doc.pdf": b"%PDF-1.5 mine"},
    ),
    Case(
        "derive-foreign-md",
        ("derive", "half_adder", "--format", "markdown", "-o", "doc.md"),
        2,
        "doc.md: refusing",
        {"doc.md": FOREIGN},
    ),
    Case(
        "derive-output-folder",
        ("derive", "half_adder", "-o", "sub"),
        2,
        "sub: is a directory",
        {"sub/keep.txt": FOREIGN},
    ),
    Case(
        "derive-parent-is-file",
        ("derive", "half_adder", "-o", "notes.txt/doc.txt"),
        2,
        "notes.txt is a file, not a folder",
        {"notes.txt": FOREIGN},
    ),
    Case(
        "derive-parent-deep-file",
        ("derive", "half_adder", "-o", "notes.txt/a/b/doc.txt"),
        2,
        "notes.txt is a file, not a folder",
        {"notes.txt": FOREIGN},
    ),
    Case(
        "generate-foreign-py",
        ("generate", "half_adder", "-o", "mine.py"),
        2,
        "mine.py: refusing",
        {"mine.py": MINE},
    ),
    Case(
        "generate-edited-py",
        ("generate", "half_adder", "-o", "edited.py"),
        2,
        "was edited since symbp wrote it",
        {"edited.py": "# written by symbp; symbp-sha256: " + "0" * 64 + "\nx = 1\n"},
    ),
    Case(
        "generate-parent-is-file",
        ("generate", "half_adder", "-o", "mine.py/x.py"),
        2,
        "mine.py is a file, not a folder",
        {"mine.py": MINE},
    ),
    Case("generate-to-device", ("generate", "half_adder", "-o", "/dev/null"), 2, "/dev/null: refusing"),
    Case(
        "generate-read-only-place",
        ("generate", "half_adder", "-o", "/proc/symbp-out/x.py"),
        2,
        "/proc/symbp-out/x.py: cannot write",
    ),
    Case(
        "demo-foreign-pdf",
        ("demo", "half_adder", "-o", "out"),
        2,
        "holds half_adder.pdf, which symbp did not write",
        {
            "out/half_adder.pdf": b"%PDF mine",
            "out/half_adder.tex": "% written by symbp; symbp-sha256: " + "0" * 64 + "\n",
        },
    ),
    Case(
        "demo-foreign-log",
        ("demo", "half_adder", "-o", "out"),
        2,
        "holds half_adder.log",
        {"out/half_adder.log": FOREIGN},
    ),
    Case(
        "demo-folder-is-file",
        ("demo", "half_adder", "-o", "out"),
        2,
        "out: exists and is not a folder",
        {"out": FOREIGN},
    ),
    Case(
        "demo-too-wide",
        ("demo", "spec.toml", "-o", "out"),
        2,
        "at most 20,000 weights and biases for the demo",
        {"spec.toml": spec_text(layers="[100000, 100000]")},
    ),
    Case(
        "verify-too-wide",
        ("verify", "spec.toml", "delta(L)_j = 1"),
        2,
        "at most 20,000 weights and biases for verify",
        {"spec.toml": spec_text(layers="[20000, 20000]")},
    ),
    Case(
        "gradcheck-too-wide",
        ("gradcheck", "mine.py:g", "--spec", "spec.toml"),
        2,
        "for gradcheck: this network has 400,020,000",
        {"spec.toml": spec_text(layers="[20000, 20000]"), "mine.py": MINE},
    ),
]

# Numbers that overflow in the derivation's own checks: the field is named
CASES += [
    Case(
        "derive-exp-exp-exp",
        ("derive", "spec.toml"),
        2,
        "'activation.expr': got 'exp(exp(exp(z)))'",
        {"spec.toml": spec_text(activation='{ name = "x", expr = "exp(exp(exp(z)))" }')},
    ),
    Case(
        "derive-exp-exp-exp-below-a-sigmoid-with-bce",
        ("derive", "spec.toml"),
        2,
        "'activation[0].expr': got 'exp(exp(exp(z)))'",
        {
            "spec.toml": spec_text(
                layers="[2, 3, 2]",
                activation='[{ name = "x", expr = "exp(exp(exp(z)))" }, "sigmoid"]',
                cost='"bce"',
            )
        },
    ),
    Case(
        "derive-l2-1e300",
        ("derive", "spec.toml"),
        2,
        "spec field 'l2': got 1e+300; allowed: a smaller l2",
        {"spec.toml": spec_text(l2="1e300")},
    ),
    Case(
        "derive-exp-cost",
        ("derive", "spec.toml"),
        2,
        "'cost.expr'",
        {"spec.toml": spec_text(cost='{ name = "c", expr = "exp(exp(exp(10*a)))" }')},
    ),
]

# User code that tries to decide the outcome: every way out is a verdict (exit 1) or a load error (2)
USER_CODE = {
    "sys-exit": (
        "import sys\ndef g(params, X, T):\n    sys.exit(0)\n",
        1,
        "FAIL: the spec's data: the function called sys.exit(0)",
    ),
    "keyboard": ("def g(params, X, T):\n    raise KeyboardInterrupt\n", 1, "raised KeyboardInterrupt"),
    "os-exit": (
        "import os\ndef g(params, X, T):\n    os._exit(0)\n",
        1,
        "process ended (exit status 0) before returning",
    ),
    "sleep": (
        "import time\ndef g(params, X, T):\n    time.sleep(600)\n",
        1,
        "did not return within 2 s (--timeout)",
    ),
    "strings": (
        "def g(params, X, T):\n    return {k: 'abc' for k in params}\n",
        1,
        "is not an array of numbers",
    ),
    "shape": (
        "import numpy as np\ndef g(params, X, T):\n    return {k: np.zeros((7, 7, 7)) for k in params}\n",
        1,
        "has shape (7, 7, 7)",
    ),
    "not-dict": ("def g(params, X, T):\n    return 42\n", 1, "returned int, not a dict"),
    "raises": ("def g(params, X, T):\n    raise ValueError('nope')\n", 1, "raised ValueError: nope"),
    "module-exit": ("import sys\nsys.exit(0)\n", 2, "mine.py: importing it failed: SystemExit: 0"),
    "module-syntax": ("def g(:\n", 2, "mine.py: importing it failed: SyntaxError"),
    "no-function": ("x = 1\n", 2, "mine.py: no function named g"),
}
CASES += [
    Case(
        f"gradcheck-{name}",
        ("gradcheck", "mine.py:g", "--spec", "half_adder", "--timeout", "2"),
        status,
        message,
        {"mine.py": code},
    )
    for name, (code, status, message) in USER_CODE.items()
]

# Cases that would hang or exhaust memory without their limits: run in a child with limits
CASES += [
    Case(
        "isolated-derive-tower",
        ("derive", "spec.toml"),
        2,
        "exponent larger than 100",
        {"spec.toml": spec_text(activation='{ name = "x", expr = "z**10**10**10" }')},
        isolate=True,
    ),
    Case("isolated-descend-tower", ("descend", "x**10**10**10"), 2, "exponent larger than 100", isolate=True),
    Case(
        "isolated-demo-wide",
        ("demo", "spec.toml", "-o", "out"),
        2,
        "for the demo: this network has 10,000,100,000",
        {"spec.toml": spec_text(layers="[100000, 100000]")},
        isolate=True,
    ),
    Case(
        "isolated-derive-wide-is-width-independent",
        ("derive", "spec.toml", "--format", "markdown"),
        0,
        "The worked example is left out: this network has 400,020,000 weights and biases",
        {"spec.toml": spec_text(layers="[20000, 20000]")},
        isolate=True,
    ),
    Case(
        "isolated-gradcheck-sleep",
        ("gradcheck", "mine.py:g", "--spec", "half_adder", "--timeout", "1"),
        1,
        "did not return within 1 s",
        {"mine.py": USER_CODE["sleep"][0]},
        isolate=True,
    ),
]


def _write_files(folder: Path, files: dict):
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(folder: Path) -> dict:
    """Every file and folder below ``folder``: its bytes (None for a folder) and mode."""
    state = {}
    for path in sorted(folder.rglob("*")):
        content = None if path.is_dir() else path.read_bytes()
        state[str(path.relative_to(folder))] = (content, path.stat().st_mode)
    return state


def _run_isolated(argv: tuple[str, ...], folder: Path) -> tuple[int, str, str]:
    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    script = "import sys\nfrom symbp.cli.main import main\nsys.exit(main(sys.argv[1:]))\n"
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=limits,
    )
    return result.returncode, result.stdout, result.stderr


def _run_here(argv: tuple[str, ...], capsys) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit_:  # argparse's refusals
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_case(case, tmp_path, monkeypatch, capsys):
    _write_files(tmp_path, case.files)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    if case.isolate:
        status, out, err = _run_isolated(case.argv, tmp_path)
    else:
        status, out, err = _run_here(case.argv, capsys)
    assert status == case.status, (out, err)
    assert "Traceback" not in out + err
    text = out if status in (0, 1) else err  # a verdict or a result on stdout, a refusal on stderr
    lines = text.strip().splitlines()
    if status == 2:
        assert len(lines) == (3 if case.pointer else 1), err
        assert lines[0].startswith("symbp"), err
    assert any(case.message in line for line in lines), text
    assert snapshot(tmp_path) == before  # nothing lost, replaced, half-written or left behind


def test_the_catalogue_covers_every_command_with_enough_cases():
    commands = {case.argv[0] for case in CASES}
    assert {"derive", "generate", "verify", "gradcheck", "demo", "descend", "examples"} - commands == {
        "examples"
    }
    assert len(CASES) >= 120


def test_examples_takes_no_arguments(capsys):
    status, _, err = _run_here(("examples", "--what"), capsys)
    assert status == 2 and "unrecognized arguments: --what" in err and len(err.strip().splitlines()) == 1


# -- faults while writing ------------------------------------------------------------------------
def test_a_replaced_file_keeps_its_mode_and_a_new_file_gets_the_umask(tmp_path):
    owned = write_owned(tmp_path / "a.py", "x = 1\n")
    os.chmod(owned, 0o640)
    write_owned(owned, "x = 2\n")
    assert owned.stat().st_mode & 0o777 == 0o640 and owned.read_text().endswith("x = 2\n")
    previous = os.umask(0o027)
    try:
        fresh = write_owned(tmp_path / "b.py", "y = 1\n")
    finally:
        os.umask(previous)
    assert fresh.stat().st_mode & 0o777 == 0o640


def test_a_pdf_is_owned_through_its_record(tmp_path):
    pdf = tmp_path / "doc.pdf"
    write_owned_bytes(pdf, b"%PDF-1.5 one")
    assert ownership(pdf) == "ours"
    write_owned_bytes(pdf, b"%PDF-1.5 two")
    pdf.write_bytes(b"%PDF-1.5 edited by hand")
    assert ownership(pdf) == "edited"
    (tmp_path / "theirs.pdf").write_bytes(b"%PDF theirs")
    assert ownership(tmp_path / "theirs.pdf") == "foreign"


def test_a_full_disk_leaves_the_old_file_and_no_new_folder(tmp_path, monkeypatch, capsys):
    old = write_owned(tmp_path / "old.py", "x = 1\n")
    before = snapshot(tmp_path)

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    for target in (old, tmp_path / "new" / "deeper" / "x.py"):
        status, _, err = _run_here(("generate", "half_adder", "-o", str(target)), capsys)
        assert status == 2 and f"{target}: cannot write (No space left on device)" in err
        assert len(err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_a_file_size_limit_in_a_child_is_a_clean_refusal(tmp_path):
    """A real write failure (RLIMIT_FSIZE, the kernel's EFBIG) rather than a patched one."""
    write_owned(tmp_path / "out.py", "x = 1\n")
    before = snapshot(tmp_path)

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    script = "import sys\nfrom symbp.cli.main import main\nsys.exit(main(sys.argv[1:]))\n"
    result = subprocess.run(
        [sys.executable, "-c", script, "generate", "half_adder", "-o", "out.py"],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=small_files,
    )
    assert result.returncode == 2 and "out.py: cannot write (File too large)" in result.stderr
    assert snapshot(tmp_path) == before


def test_reading_refuses_pipes_without_blocking(tmp_path):
    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)
    with pytest.raises(Exception, match="not a regular file"):
        read_text(fifo, limit=100, what="spec file")


# -- signals during a PDF build ----------------------------------------------------------------
def _tex_processes_in(folder: Path) -> list[int]:
    """Processes whose working folder lies in ``folder`` (latexmk and pdflatex run in its .symbp-tex-*)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                where = Path(os.readlink(entry / "cwd"))
                if where.is_relative_to(folder) and where.name.startswith(".symbp-tex-"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_the_pdf_build_ends_tex_and_leaves_nothing(tmp_path, signum):
    require("pdflatex")
    argv = ["derive", "half_adder", "--format", "latex", "-o", "doc.tex", "--pdf"]
    process = start_symbp(argv, tmp_path)
    deadline = time.monotonic() + TIME_LIMIT
    while not _tex_processes_in(tmp_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the build ended before TeX started"
    process.send_signal(signum)
    _, err = process.communicate(timeout=TIME_LIMIT)
    assert process.returncode == 128 + signum and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob(".symbp-tex-*")) and not (tmp_path / "doc.pdf").exists()
    time.sleep(0.2)
    assert not _tex_processes_in(tmp_path)
    assert ownership(tmp_path / "doc.tex") == "ours"


def test_a_failing_tex_run_names_its_first_error_and_this_builds_log(tmp_path):
    from symbp.errors import SymbpError
    from symbp.rendering.pdf import build_pdf

    require("pdflatex")
    bad = tmp_path / "bad.tex"
    bad.write_text("\\documentclass{article}\\begin{document}\\nosuchcommand\\end{document}\n")
    (tmp_path / "bad.log").write_text("someone's own log\n")
    with pytest.raises(SymbpError) as error:
        build_pdf(bad)
    message = str(error.value)
    assert "! Undefined control sequence." in message and "not kept" in message and "[" not in message
    assert (tmp_path / "bad.log").read_text() == "someone's own log\n"
    (tmp_path / "bad.log").unlink()
    with pytest.raises(SymbpError, match=r"this build's log: .*bad\.log"):
        build_pdf(bad)
    assert ownership(tmp_path / "bad.log") == "ours"


# -- no false success ----------------------------------------------------------------------------
def test_the_demo_fails_when_its_own_gradient_check_fails(tmp_path, monkeypatch, capsys):
    """A fault injected into the generated module: the demo must say FAIL (exit 1), not train on."""
    from symbp.pipeline import end_to_end

    real_import = end_to_end.import_file

    def broken(path, name):
        module = real_import(path, name)
        exact = module.gradients
        module.gradients = lambda params, X, T: {k: 1.2 * v for k, v in exact(params, X, T).items()}
        return module

    monkeypatch.setattr(end_to_end, "import_file", broken)
    status, out, err = _run_here(("demo", "half_adder", "-o", str(tmp_path / "out"), "--no-pdf"), capsys)
    assert status == 1 and "gradient check failed" in out and "Training" not in out and not err
