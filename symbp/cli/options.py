"""Argparse value types that refuse out-of-range option values with one line (exit status 2)."""

from __future__ import annotations

import argparse
import math

SEED_MAX = 2**32 - 1


def integer(minimum: int, maximum: int):
    """An argparse type: an integer from ``minimum`` to ``maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: an integer from {minimum} to {maximum}")
        return value

    return parse


def number(minimum: float = -math.inf, maximum: float = math.inf, *, strict_minimum: bool = False):
    """An argparse type: a finite number in the given range (above ``minimum`` when ``strict_minimum``)."""
    relation = ">" if strict_minimum else ">="

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        low_ok = value > minimum if strict_minimum else value >= minimum
        if not (math.isfinite(value) and low_ok and value <= maximum):
            bounds = [f"{relation} {minimum:g}"] if math.isfinite(minimum) else []
            bounds += [f"<= {maximum:g}"] if math.isfinite(maximum) else []
            allowed = "a finite number" + (" " + " and ".join(bounds) if bounds else "")
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}")
        return value

    return parse


seed = integer(0, SEED_MAX)
