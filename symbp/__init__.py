"""symbp: derive backpropagation symbolically, print it, generate NumPy code from it, check people's maths.

The pipeline runs one way: spec -> Network -> Derivation -> renderers / codegen / verify.
This package module only gathers the public names and, being last in that chain,
attaches Jupyter display methods to the Derivation's objects.
"""

from symbp import render as _render
from symbp.derive import Derivation, SectionView, Step, derive
from symbp.spec import Network, load

Derivation._repr_markdown_ = _render.derivation_markdown
SectionView._repr_markdown_ = lambda view: _render.render_section(view.derivation, view.key, "markdown")
Step._repr_latex_ = _render.step_latex

__all__ = ["Derivation", "Network", "SectionView", "Step", "derive", "load"]
