"""Formulas copied from sources without a profile (tests/verification/sources/), read in each source's own
[notation] table: no read formula gets a wrong verdict, at least 90% get the right one, and each slip's
diagnosis names it. ``python benchmarks/reading_corpus.py`` prints the same counts per source."""

from __future__ import annotations

import pytest

from tests.verification.sources.corpus import outcomes, sources

pytestmark = pytest.mark.slow


def test_the_corpus_covers_eight_sources_with_right_formulas_and_slips():
    corpus = sources()
    assert len(corpus) >= 8
    for source in corpus:
        assert len(source.formulas) >= 8, source.name
        assert {written.holds for written in source.formulas} == {True, False}, source.name


def test_no_read_formula_gets_a_wrong_verdict():
    wrong = [(outcome.source, outcome.written.text) for outcome in outcomes() if outcome.result == "wrong"]
    assert wrong == []


def test_at_least_nine_in_ten_formulas_get_the_right_verdict():
    judged = outcomes()
    right = [outcome for outcome in judged if outcome.result == "right"]
    refused = [f"{outcome.source}: {outcome.line}" for outcome in judged if outcome.result == "refused"]
    assert len(right) >= 0.9 * len(judged), refused


def test_each_slip_read_is_diagnosed_as_the_slip_it_is():
    slips = [
        outcome
        for outcome in outcomes()
        if outcome.written.diagnosis and outcome.result == "right" and not outcome.written.holds
    ]
    assert len(slips) >= 20
    missed = [
        (outcome.written.text, outcome.diagnosis)
        for outcome in slips
        if outcome.diagnosis is None or outcome.written.diagnosis not in outcome.diagnosis
    ]
    assert missed == []
