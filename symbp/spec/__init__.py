"""Stage 1, the spec: a TOML file, a dict or a built-in name becomes a validated Network.

Also the registry of activations and costs and the safe reader of custom
expressions; nothing here knows about derivatives or printing.
"""

from symbp.exports import lazy

__all__ = ["Network", "builtin_names", "load", "load_builtin"]
__getattr__, __dir__ = lazy(__name__, dict.fromkeys(__all__, "symbp.spec.network"))
