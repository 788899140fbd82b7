"""The test suite, one folder per stage.

tests/ is a package, so pytest puts the checkout first on sys.path. The suite tests symbp as it is
installed (the wheel's templates and examples, as CI installs it), so the checkout moves last, where
it still serves ``import tests`` and a checkout that was never installed.
"""

import os
import sys

_CHECKOUT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_ENTRIES = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) == _CHECKOUT]
for _entry in _ENTRIES:
    sys.path.remove(_entry)
sys.path.extend(_ENTRIES)
