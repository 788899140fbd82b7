"""The project's own error types: everything symbp refuses is one of these."""

from __future__ import annotations


class SymbpError(Exception):
    """Base class: the CLI prints these as one line and exits with status 2."""


class SpecError(SymbpError, ValueError):
    """A spec field holds a value that is not allowed.

    The message names the field, the value given and what is allowed.
    """

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"spec field '{field}': got {shown}; allowed: {allowed}")


class CheckFailed(SymbpError, AssertionError):
    """A derivation step did not agree with its independent check."""
