"""The demo's training: the spec's optimiser and held-out data, both cost curves, and Ctrl-C."""

from __future__ import annotations

import signal

import pytest

from symbp.cli.main import main
from tests.children import start_symbp

ADDER = (
    'layers = [2, 2, 2, 2]\nactivation = "sigmoid"\n'
    "[data]\nX = [[0, 0], [0, 1], [1, 0], [1, 1], [0, 0], [0, 1], [1, 0], [1, 1]]\n"
    "T = [[0, 0], [1, 0], [1, 0], [0, 1], [0, 0], [1, 0], [1, 0], [0, 1]]\n"
)


@pytest.mark.slow
def test_demo_trains_with_the_spec_optimiser_and_plots_training_and_validation(tmp_path, capsys):
    spec = tmp_path / "held.toml"
    spec.write_text(
        'name = "held"\n'
        + ADDER.replace(
            "[data]",
            '[train]\noptimizer = "adam"\nlearning_rate = 0.05\nepochs = 300\nprint_every = 50\n'
            "validation = 0.25\n[data]",
        )
    )
    folder = tmp_path / "out"
    assert main(["demo", str(spec), "-o", str(folder), "--no-pdf"]) == 0
    out = capsys.readouterr().out
    assert "optimizer adam" in out and "  validation " in out
    rows = (folder / "held-cost.csv").read_text().splitlines()[1:]  # after the ownership line
    assert rows[0] == "epoch,cost,validation" and [row.split(",")[0] for row in rows[1:]] == [
        str(epoch) for epoch in range(0, 301, 50)
    ]
    tex = (folder / "held.tex").read_text()
    assert r"\addlegendentry{training}" in tex and r"\addlegendentry{validation}" in tex
    assert r"\label{eq:update-adam-mhat}" in tex


@pytest.mark.slow
def test_the_demo_prints_the_final_cost_when_print_every_skips_the_last_epoch(tmp_path, capsys):
    # 130 epochs printed every 100 (the default): epoch 130's cost was once shown nowhere
    spec = tmp_path / "short.toml"
    spec.write_text('name = "short"\n' + ADDER.replace("[data]", "[train]\nepochs = 130\n[data]"))
    assert main(["demo", str(spec), "-o", str(tmp_path / "out"), "--no-pdf"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = (tmp_path / "out" / "short-cost.csv").read_text().splitlines()
    assert rows[-1].startswith("130,")
    final = float(rows[-1].split(",")[1])
    assert f"   Final cost {final:.6g} after epoch 130" in lines
    assert any(line.startswith("epoch 100/130  cost ") for line in lines)  # the module's own progress line


@pytest.mark.slow
def test_ctrl_c_in_a_billion_epochs_ends_the_demo_with_130_and_no_traceback(tmp_path):
    spec = tmp_path / "long.toml"
    spec.write_text(
        'name = "long"\n'
        + ADDER.replace("[data]", "[train]\nepochs = 1000000000\nprint_every = 2000\n[data]")
    )
    folder = tmp_path / "out"
    process = start_symbp(["demo", spec, "-o", folder, "--no-pdf"], tmp_path)
    lines = []
    for line in process.stdout:
        lines.append(line)
        training = next((index for index, seen in enumerate(lines) if seen.startswith("4. Training")), None)
        if training is not None and len(lines) - training > 2:  # two progress lines: training is running
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=600)
    out = "".join(lines) + out
    assert process.returncode == 130, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert "Interrupted (Ctrl-C) after epoch" in out
    assert (folder / "long.tex").exists() and (folder / "long-cost.csv").read_text().count("\n") >= 3
