"""Stage 3a, rendering: the Derivation printed as LaTeX (and PDF), Markdown or terminal text."""

from symbp.exports import lazy

__all__ = ["build_pdf", "render", "render_section", "step_latex"]
__getattr__, __dir__ = lazy(
    __name__,
    {
        "build_pdf": "symbp.rendering.pdf",
        "render": "symbp.rendering.documents",
        "render_section": "symbp.rendering.documents",
        "step_latex": "symbp.rendering.documents",
    },
)
