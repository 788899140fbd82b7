"""symbp: derive backpropagation symbolically, print it, generate NumPy code from it, check people's maths.

The pipeline runs one way, one folder a stage::

    spec -> derivation -> rendering | codegen | verification -> pipeline -> cli

The public API, each name imported when first used (``symbp --help`` does not load SymPy):

- ``load(spec)``: a Network from a built-in name, a TOML path or a dict;
- ``derive(network)``: the checked Derivation (it displays itself in Jupyter);
- ``render(derivation, format)``: LaTeX, Markdown or text; ``build_pdf(tex_path)``;
- ``generate(derivation, dtype)``: a NumPy module's source; ``load_module(source)``;
- ``verify(network, formula, **options)``: a Verdict; ``gradcheck(network, function)``: a Report;
- ``demo(spec, folder)``: the whole pipeline end to end (derive, generate, check, train, document).

>>> import symbp
>>> derivation = symbp.derive(symbp.load("half_adder"))
>>> derivation
Derivation(half_adder: 2-2-2-2, sigmoid, half_mse, biases, 42 steps)
"""

from symbp.exports import lazy

_MODULES = {
    "Network": "symbp.spec.network",
    "load": "symbp.spec.network",
    "Derivation": "symbp.derivation.engine",
    "SectionView": "symbp.derivation.engine",
    "Step": "symbp.derivation.engine",
    "derive": "symbp.derivation.any_network",
    "render": "symbp.rendering.documents",
    "build_pdf": "symbp.rendering.pdf",
    "generate": "symbp.codegen.generator",
    "load_module": "symbp.codegen.loading",
    "verify": "symbp.verification.verify_formula",
    "Verdict": "symbp.verification.verdict",
    "gradcheck": "symbp.verification.gradient_check",
    "Report": "symbp.verification.gradient_check",
    "demo": "symbp.pipeline.end_to_end",
    "DemoResult": "symbp.pipeline.end_to_end",
}
__all__ = sorted(_MODULES)
_resolve, __dir__ = lazy(__name__, _MODULES)


def __getattr__(name: str):
    value = _resolve(name)
    _attach_display()
    globals()[name] = value
    return value


def _attach_display() -> None:
    """Jupyter shows a Derivation, a section and a step as rendered maths.

    Attached here, the one module that sees both stages: the derivation stage
    cannot import the renderers that come after it."""
    from symbp.derivation.graph import GraphDerivation
    from symbp.derivation.steps import Derivation, SectionView, Step
    from symbp.rendering import documents

    Derivation._repr_markdown_ = documents.derivation_markdown
    GraphDerivation._repr_markdown_ = documents.derivation_markdown
    SectionView._repr_markdown_ = lambda view: documents.render_section(view.derivation, view.key, "markdown")
    Step._repr_latex_ = documents.step_latex
