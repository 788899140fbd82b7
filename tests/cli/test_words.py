"""Words a user reads: source texts by title, no project-internal names, no stale module or file names.

Every user-facing command runs once, and its output, the files it writes, generated/, docs/ and the README
must not call a source text a "seed text", number it ("seed 002") or call the default notation "the
seed's". The default profile is named ``default``; ``seed`` is accepted for it too, never printed.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from symbp.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = re.compile(r"seed text|seed 00|seed's", re.IGNORECASE)
SUBCOMMANDS = ("examples", "notations", "derive", "verify", "gradcheck", "generate", "demo", "descend")


def _run(argv, capsys) -> str:
    try:
        status = main(argv)
    except SystemExit as leaving:  # --help
        status = leaving.code
    captured = capsys.readouterr()
    assert status == 0 or argv[0] == "verify", (argv, captured.err)
    return captured.out + captured.err


def _forbidden_in(text: str, where: str) -> list[str]:
    return [f"{where}: {match.group(0)!r}" for match in FORBIDDEN.finditer(text)]


@pytest.mark.slow
def test_no_command_output_or_shipped_file_calls_a_source_a_seed(capsys, tmp_path):
    outputs = {
        "examples": _run(["examples"], capsys),
        "notations": _run(["notations"], capsys),
        "--help": _run(["--help"], capsys),
        "generate": _run(["generate", "demystified"], capsys),
        "verify": _run(
            [
                "verify",
                "demystified",
                r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)}",
                r"\frac{\partial J}{\partial W^{(1)}} = X \delta^{(2)}",
                r"\delta^{(3)} = (\hat{y} - y) \hat{y} (1 - \hat{y})",
            ],
            capsys,
        ),
        "descend": _run(["descend", "x**3 - 4*x**2 + 6", "--x0", "0.5", "--steps", "10"], capsys),
        "demo": _run(["demo", "demystified", "-o", str(tmp_path / "demo"), "--no-pdf"], capsys),
    }
    for command in SUBCOMMANDS:
        outputs[f"{command} --help"] = _run([command, "--help"], capsys)
    for fmt in ("text", "markdown", "latex"):
        outputs[f"derive --format {fmt}"] = _run(["derive", "demystified", "--format", fmt], capsys)
    found = [hit for where, text in outputs.items() for hit in _forbidden_in(text, where)]
    written = sorted((tmp_path / "demo").iterdir())
    assert written, "the demo wrote nothing"
    shipped = [*written, *sorted((ROOT / "generated").iterdir()), *sorted((ROOT / "docs").glob("*.md"))]
    for path in [*shipped, ROOT / "README.md"]:
        if path.suffix != ".png":
            found += _forbidden_in(path.read_text(encoding="utf-8"), str(path.relative_to(path.anchor)))
    assert not found, "\n".join(found)
    # the third example comes from Neural Networks Demystified and says so, not another text
    assert "Neural Networks Demystified" in outputs["generate"]
    assert "hours slept/studied" in outputs["examples"]


@pytest.mark.slow
def test_seed_names_the_default_profile_on_the_command_line(capsys):
    listed = _run(["notations"], capsys).splitlines()
    assert [line.split()[0] for line in listed][0] == "default"
    assert not any(line.split()[0] == "seed" for line in listed)
    by_alias = _run(["derive", "half_adder", "--notation", "seed"], capsys)
    by_name = _run(["derive", "half_adder", "--notation", "default"], capsys)
    assert by_alias == by_name == _run(["derive", "half_adder"], capsys)
    assert "symbp's default notation" in by_alias
    assert not re.search(r"\bseed\b(?!=)", by_alias), "the alias is printed"  # init_params(seed=0) is a seed


def _package_texts():
    for path in sorted((ROOT / "symbp").rglob("*.py")) + sorted((ROOT / "templates").glob("*.j2")):
        yield path, path.read_text(encoding="utf-8")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for attribute in parts[end:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def test_every_module_a_docstring_or_comment_names_exists():
    stale = {
        f"{path.relative_to(ROOT)}: {dotted}"
        for path, text in _package_texts()
        for dotted in re.findall(r"\bsymbp(?:\.[a-z_][a-z0-9_]*)+", text)
        if dotted != "symbp.templates" and not _resolves(dotted)  # the wheel's name for templates/
    }
    assert not stale, sorted(stale)


def test_every_path_the_readme_and_docs_name_exists():
    """A backquoted path in README.md or docs/*.md is a file or folder of the project (or of symbp/);
    a bare file name (`catalog.py` in a folder's row) is a file somewhere in the project."""
    pattern = re.compile(r"`((?:[\w.-]+/)*[\w.-]+\.(?:py|md|toml|txt|j2|tex|png|csv)|(?:[\w.-]+/)+)`")
    folders = ("symbp", "templates", "tests", "docs")
    project = {path.name for path in ROOT.iterdir()}
    project |= {path.name for folder in folders for path in (ROOT / folder).rglob("*")}
    missing = []
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for name in pattern.findall(document.read_text(encoding="utf-8")):
            if "NAME" in name or name.startswith(("./", "symbp-out")):
                continue  # a placeholder, or a file the user's own run writes
            bare = "/" not in name.rstrip("/")
            if not (
                name.rstrip("/") in project
                if bare
                else any((base / name).exists() for base in (ROOT, ROOT / "symbp"))
            ):
                missing.append(f"{document.name}: {name}")
    assert not missing, missing
