"""docs/notation.md's custom tables for sources without a profile: each spec there loads, and each formula
under it gets the verdict the page states (so the page cannot go stale)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import symbp

SECTION = "## Sources without a profile"


def _examples() -> list[tuple[str, str, str]]:
    """(spec TOML, formula, stated verdict) for every row of the section's tables."""
    text = (Path(__file__).parents[2] / "docs" / "notation.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    rows = []
    for block in re.split(r"```toml\n", section)[1:]:
        spec, rest = block.split("```", 1)
        table = rest.split("\n### ", 1)[0]
        for formula, verdict in re.findall(r"^\| `(.+)` \| (.+) \|$", table, flags=re.MULTILINE):
            rows.append((spec, formula, verdict))
    return rows


EXAMPLES = _examples()


def test_the_section_shows_three_tables_with_right_formulas_and_slips():
    specs = {spec for spec, _, _ in EXAMPLES}
    assert len(specs) == 3
    for spec in specs:
        verdicts = [verdict for shown, _, verdict in EXAMPLES if shown == spec]
        assert "holds" in verdicts and any(verdict.startswith("fails: ") for verdict in verdicts)


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "formula", "stated"), EXAMPLES)
def test_each_formula_gets_the_verdict_the_page_states(spec, formula, stated):
    network = symbp.load(tomllib.loads(spec))
    verdict = symbp.verify(network, formula)
    shown = "holds" if verdict.holds else f"fails: {verdict.diagnosis}"
    assert shown == stated
