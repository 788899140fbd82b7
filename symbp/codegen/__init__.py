"""Stage 3b, code generation: a plain NumPy training module printed from the derived equations.

Also the gradient-descent loop of ``symbp descend`` (as in the course notes unit 1.4 - Back-propagation).
"""

from symbp.exports import lazy

__all__ = ["descend", "generate", "load_module"]
__getattr__, __dir__ = lazy(
    __name__,
    {
        "descend": "symbp.codegen.descent",
        "generate": "symbp.codegen.generator",
        "load_module": "symbp.codegen.loading",
    },
)
