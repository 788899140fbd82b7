"""The names a torch or jax module defines in its library's parts and the shared part reads.

``array_training.py`` imports them from here, so that it is ordinary Python
of the package (linted, importable); in a module the ops part
(``_to_numpy``, ``_from_numpy``) and the training part (``IN_PLACE``,
``_engine``, ``predict``) define them, and the import is not copied. Here
they refuse to run.
"""

from __future__ import annotations

from typing import Any

from symbp.codegen.derived_interface import _unbound

_to_numpy = _unbound("_to_numpy")
_from_numpy = _unbound("_from_numpy")
_engine = _unbound("_engine")
predict = _unbound("predict")
# the optimisers the library's engine steps itself, by name
IN_PLACE: dict[str, Any] = {}
