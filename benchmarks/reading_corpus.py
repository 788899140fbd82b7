"""How symbp verify reads formulas copied from sources without a notation profile (issue 22).

Each source of tests/verification/sources/ gives its formulas as printed, the [notation] table a reader
of that source writes, and the verdict its writer means. Per source: formulas, how many were read, right
verdicts, wrong verdicts (a true formula judged failing or a slip judged holding) and refused (with each
refusal's line). Totals at the end; the share of right verdicts counts a refusal against it.

    PYTHONPATH=$PWD python benchmarks/reading_corpus.py [--quiet]
"""

from __future__ import annotations

import argparse

import symbp.verification.verify_formula  # noqa: F401  the checkout's symbp, before tests/ moves it last
from tests.verification.sources.corpus import outcomes, sources

WIDTHS = (8, 5, 6, 6, 8)  # formulas, read, right, wrong, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="the table only, without the refusal lines")
    args = parser.parse_args()
    judged = outcomes()
    print(f"{'source':18} {'formulas':>8} {'read':>5} {'right':>6} {'wrong':>6} {'refused':>8}")
    totals = [0] * 5
    for source in sources():
        mine = [outcome for outcome in judged if outcome.source == source.name]
        row = [
            len(mine),
            sum(outcome.result != "refused" for outcome in mine),
            sum(outcome.result == "right" for outcome in mine),
            sum(outcome.result == "wrong" for outcome in mine),
            sum(outcome.result == "refused" for outcome in mine),
        ]
        totals = [total + value for total, value in zip(totals, row, strict=True)]
        print(_row(source.name, row))
        if not args.quiet:
            for outcome in mine:
                if outcome.result == "refused":
                    print(f"    refused: {outcome.written.text}\n             {outcome.line}")
    print(_row("total", totals))
    share = totals[2] / totals[0] if totals[0] else 0.0
    print(f"right verdicts: {totals[2]} of {totals[0]} ({share:.0%}); wrong verdicts: {totals[3]}")


def _row(name: str, values: list[int]) -> str:
    return f"{name:18} " + " ".join(f"{value:>{width}}" for value, width in zip(values, WIDTHS, strict=True))


if __name__ == "__main__":
    main()
