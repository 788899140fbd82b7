"""The ``--notation NAME`` option shared by derive, demo, verify and gradcheck."""

from __future__ import annotations

import dataclasses


def add_notation_option(parser) -> None:
    """Add ``--notation NAME``: a built-in profile that overrides the spec's notation."""
    parser.add_argument(
        "--notation",
        metavar="NAME",
        help="print and read in this notation profile instead of the spec's (see `symbp notations`)",
    )


def with_notation(network, name: str | None):
    """``network`` in the profile ``name`` (unchanged when no name is given)."""
    if name is None:
        return network
    from symbp.spec.profiles import notation_from

    return dataclasses.replace(network, notation=notation_from(name, "--notation"))
