"""symbp demo on a graph network: derived, generated, gradient-checked, trained and written up."""

from __future__ import annotations

import io

from symbp.pipeline.end_to_end import demo


def test_demo_residual(tmp_path):
    out = io.StringIO()
    result = demo("residual", tmp_path / "demo", pdf=False, out=out)
    assert result.gradient_error <= 1e-6
    assert result.costs[-1] < result.costs[0] / 10
    names = sorted(path.name for path in result.files)
    assert names == ["residual-cost.csv", "residual.html", "residual.py", "residual.tex"]
    assert 'id="c-1-2-identity"' in (tmp_path / "demo" / "residual.html").read_text(encoding="utf-8")
    # the index-form steps, layer by layer and general (symbp.derivation.graph_steps), every one checked
    assert "45 steps, 45 machine-checked" in out.getvalue()
