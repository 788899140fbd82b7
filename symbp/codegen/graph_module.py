"""The generated module of a graph network: the chain's template and printers, the graph's names.

The derived part is printed from the graph derivation (``symbp.derivation.graph``)
as a chain's is from its derivation: the forward lines in topological order,
the backward lines in reverse topological order, each under its label, and
the in-place step from the same lines. What differs is the names: params keys
``W{l}``, ``W{l}_{s}`` (a skip) and ``b{l}`` (a tied matrix has none), and
the fan-in that draws each parameter's initial values.
"""

from __future__ import annotations

from symbp.codegen.generator import Context
from symbp.codegen.printer import check_identifier
from symbp.derivation.reference.graph import graph_parameter_keys


class GraphContext(Context):
    """Everything the template prints for one graph derivation.

    With ``input_gradient`` the dX line is printed apart, in ``input_gradient(params, X, T)``, with
    the lines it needs: ``gradients`` keeps the contract (the params keys) and the step never pays
    for dX.
    """

    def __init__(self, derivation, dtype: str):
        super().__init__(derivation, dtype)
        lines = self.lines
        self.lines = [line for line in lines if line.target.name != "dX"]
        self.input_lines = [line for line in lines if not line.target.name.startswith(("dW", "db"))]

    def render_values(self, minimal: bool) -> dict:
        values = super().render_values(minimal)
        if not self.network.input_gradient:
            return values
        chain_lines, self.lines = self.lines, self.input_lines
        try:
            values["input_gradient"] = {
                "reads": self.gradients_reads(),
                "uses_n": self.uses_n(),
                "lines": self.backward_lines(),
            }
        finally:
            self.lines = chain_lines
        return values

    def param_names(self) -> list[str]:
        return [check_identifier(name) for name in graph_parameter_keys(self.network)]

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        graph, layers = self.network.graph, self.network.layers
        return {
            name: graph.weight_shape(name, layers) if name.startswith("W") else (layers[int(name[1:])],)
            for name in self.param_names()
        }

    def fan_in(self) -> dict[str, int]:
        """Each parameter's fan-in: the rows of a matrix, the summed rows into its layer for a bias."""
        graph, layers = self.network.graph, self.network.layers
        into = {
            layer: sum(layers[connection.source] for connection in graph.weighted[layer])
            for layer in range(1, self.depth + 1)
        }
        return {
            name: graph.weight_shape(name, layers)[0] if name.startswith("W") else into[int(name[1:])]
            for name in self.param_names()
        }

    def gradient_return_pairs(self) -> list[tuple[str, str]]:
        return [(name, f"d{name}") for name in self.param_names()]
