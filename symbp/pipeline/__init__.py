"""Stage 4, the pipeline: whole runs that chain the stages below (the end-to-end demo)."""

from symbp.exports import lazy

__all__ = ["DemoResult", "demo"]
__getattr__, __dir__ = lazy(
    __name__, {"demo": "symbp.pipeline.end_to_end", "DemoResult": "symbp.pipeline.end_to_end"}
)
