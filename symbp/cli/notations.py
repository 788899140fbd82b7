"""``symbp notations``: the built-in notation profiles, one line each, with the source each follows."""

from __future__ import annotations


def _cmd_notations(args) -> int:
    from symbp.spec.profiles import PROFILES

    width = max(len(profile.summary()) for profile in PROFILES.values())
    for name, profile in PROFILES.items():
        print(f"{name:16s} {profile.summary():{width}s}  {profile.source}")
    return 0


def add_commands(sub):
    """Register the ``notations`` subcommand."""
    notations = sub.add_parser("notations", help="list the built-in notation profiles")
    notations.set_defaults(run=_cmd_notations)
