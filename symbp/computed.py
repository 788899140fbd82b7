"""A dict whose entries are computed when first read, for costly quantities of which a caller reads few.

The proof's exact derivatives and verify's central differences are each a
dict of every layer's dW, db and delta, but a formula reads one or two of
them: computing them all up front would be most of a cold ``symbp verify``. The
checks' finite differences leave the hidden layers' dC/da, which no step of a
derivation reads, to one batch run on first read.
"""

from __future__ import annotations


class ComputedOnRead(dict):
    """A missing entry is ``self.compute(key)`` the first time it is read, and is then kept.

    Subclasses define ``compute``; it raises KeyError for a key that has no entry.
    """

    def compute(self, key):
        raise KeyError(key)

    def __missing__(self, key):
        value = self[key] = self.compute(key)
        return value
