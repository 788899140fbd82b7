"""``symbp verify SPEC --derivation FILE|FOLDER``: marked derivations, --json, a teacher's summary, exit
status, and the annotated LaTeX compiling to a PDF."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from symbp.cli.main import main
from symbp.files import ownership
from tests.conftest import require

CORPUS = Path(__file__).parent.parent / "verification" / "derivations"
NIELSEN = ["verify", "half_adder", "--notation", "nielsen"]


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def copy(tmp_path, *names):
    folder = tmp_path / "handins"
    folder.mkdir()
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def test_json_is_one_object_per_file_with_every_line(tmp_path, capsys):
    folder = copy(tmp_path, "right_output_delta.tex", "wrong_layer_line3.tex")
    status, out, _ = run([*NIELSEN, "--derivation", str(folder), "--json"], capsys)
    assert status == 1
    objects = [json.loads(line) for line in out.splitlines()]
    assert [Path(item["file"]).name for item in objects] == [
        "right_output_delta.tex",
        "wrong_layer_line3.tex",
    ]
    right, wrong = objects
    assert right["first_wrong_line"] is None and right["status"] == 0
    assert [line["step"] for line in wrong["lines"]] == ["right", "right", "wrong"]
    assert [line["claim"] for line in wrong["lines"]] == ["holds", "holds", "fails"]
    assert wrong["first_wrong_line"] == 3
    assert "a^{l}_{k} where a^{l-1}_{k} is needed" in wrong["lines"][2]["diagnosis"]
    assert wrong["lines"][2]["text"].endswith(r"= \delta^l_j a^{l}_k")


def test_the_terminal_marks_each_line_and_exit_status_is_verify_s(capsys):
    status, out, _ = run([*NIELSEN, "--derivation", str(CORPUS / "right_hidden_delta.tex")], capsys)
    assert status == 0
    assert out.count("[        ok]") == 3 and "every line right (3 lines)" in out
    status, out, _ = run([*NIELSEN, "--derivation", str(CORPUS / "compensated_factor_two.tex")], capsys)
    assert status == 1
    assert "first wrong line: 2" in out and "right result, wrong working" in out


def test_one_unreadable_file_never_stops_the_others(tmp_path, capsys):
    folder = copy(tmp_path, "wrong_sign_line2.tex", "right_bias.tex")
    (folder / "empty.tex").write_text("nothing to see\n")
    summary = tmp_path / "marked"
    status, out, _ = run([*NIELSEN, "--derivation", str(folder), "--summary", str(summary)], capsys)
    assert status == 2
    assert "no derivation found" in out
    table = (summary / "summary.csv").read_text().splitlines()
    assert table[1] == "file,lines,first wrong line,slip,counterexample"
    rows = {Path(row.split(",")[0]).name: row for row in table[2:]}
    assert set(rows) == {"empty.tex", "right_bias.tex", "wrong_sign_line2.tex"}
    assert ",2,2,sign flipped" in rows["wrong_sign_line2.tex"]
    assert rows["right_bias.tex"].endswith(",3,,,")
    assert "wrong_sign_line2.tex | 2 | 2 | sign flipped" in (summary / "summary.md").read_text()
    assert (summary / "wrong_sign_line2.marked.md").exists()
    assert ownership(summary / "summary.csv") == "ours"


def test_the_summary_never_overwrites_a_file_symbp_did_not_write(tmp_path, capsys):
    summary = tmp_path / "marked"
    summary.mkdir()
    (summary / "summary.csv").write_text("the teacher's own marks\n")
    status, _, err = run(
        [*NIELSEN, "--derivation", str(CORPUS / "right_bias.tex"), "-o", str(summary)], capsys
    )
    assert status == 2 and "summary.csv" in err
    assert (summary / "summary.csv").read_text() == "the teacher's own marks\n"


def test_the_marked_latex_compiles_to_a_pdf(tmp_path, capsys):
    require("pdflatex")
    summary = tmp_path / "marked"
    run([*NIELSEN, "--derivation", str(CORPUS / "compensated_sign.tex"), "-o", str(summary)], capsys)
    tex = summary / "compensated_sign.marked.tex"
    assert r"\textcolor{red}{(2) WRONG}" in tex.read_text()
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=summary,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (summary / "compensated_sign.marked.pdf").stat().st_size > 1000


@pytest.mark.parametrize("given", ["missing.tex", "folder"])
def test_a_missing_file_or_an_empty_folder_is_one_line(tmp_path, capsys, given):
    (tmp_path / "folder").mkdir()
    status, out, err = run([*NIELSEN, "--derivation", str(tmp_path / given)], capsys)
    assert status == 2
    assert "Traceback" not in out + err
