"""A generated module's source made importable, without writing a file."""

from __future__ import annotations

import sys
import types


def load_module(source: str, name: str = "symbp_generated") -> types.ModuleType:
    """The module that ``source`` (from ``generate``) defines, registered in ``sys.modules``.

    >>> import symbp
    >>> net = symbp.load("half_adder")
    >>> module = symbp.load_module(symbp.generate(symbp.derive(net)))
    >>> module.LAYERS
    (2, 2, 2, 2)
    >>> params = module.init_params(seed=0)
    >>> sorted(params)
    ['W1', 'W2', 'W3', 'b1', 'b2', 'b3']
    """
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
