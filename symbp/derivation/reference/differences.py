"""Batched central differences of a network's cost: every node moved in its own copy of the network.

Nothing here reads a derivation: the copies run through the spec's own forward
pass and cost (``symbp.derivation.numeric``). Each node is moved by +h, -h,
+h/2, -h/2 and the two central differences are combined by Richardson's rule.
A z entry that sits on a kink no redraw of the point can move it off (a sample
whose row below is all zeros in a network without biases) is differenced on one
side, the side where the branch of the point goes on holding, which is the
branch the derivation's f' reads there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from symbp.derivation.numeric import activation_function

if TYPE_CHECKING:
    from symbp.derivation.reference.instance import Instance

STEP = 1e-4
NODE_KINDS = ("w", "b", "z", "a")
# Each node is moved by +h, -h, +h/2, -h/2: two central differences for Richardson.
OFFSETS = STEP * np.array([1.0, -1.0, 0.5, -0.5])
# On a kink, by h, h/2, h/4 and 0 towards the side where the point's branch holds.
ONE_SIDED = STEP * np.array([1.0, 0.5, 0.25, 0.0])


def richardson(values: np.ndarray, sides: np.ndarray | int = 0) -> np.ndarray:
    """Derivative from values at the offsets (first axis).

    Central (side 0): differences at h and h/2 combined so that the h^2 error
    term cancels (error O(h^4)). One-sided (side -1 or +1): forward differences
    at h, h/2 and h/4 extrapolated twice (error O(h^3)).
    """
    wide = (values[0] - values[1]) / (2 * STEP)
    narrow = (values[2] - values[3]) / STEP
    central = (4 * narrow - wide) / 3
    if not np.any(sides):
        return central
    signed = np.where(sides == 0, 1, sides) * STEP
    first, half, quarter = (
        (values[k] - values[3]) / (signed * scale) for k, scale in enumerate((1, 0.5, 0.25))
    )
    one_sided = (4 * (2 * quarter - half) - (2 * half - first)) / 3
    return np.where(sides == 0, central, one_sided)


def offsets(sides: np.ndarray | None, shape: tuple) -> np.ndarray:
    """(len(OFFSETS), *shape): the offsets of each entry (central, or one-sided where ``sides`` says)."""
    central = np.broadcast_to(OFFSETS.reshape(-1, *([1] * len(shape))), (len(OFFSETS), *shape))
    if sides is None or not np.any(sides):
        return central
    one_sided = ONE_SIDED.reshape(-1, *([1] * len(shape))) * sides
    return np.where(sides == 0, central, one_sided)


def unit_moves(array: np.ndarray, sides: np.ndarray | None = None) -> np.ndarray:
    """Copies of ``array``, each with one entry moved by one offset.

    Shape (len(OFFSETS) * array.size, *array.shape); offset-major, entries in C order.
    """
    units = np.eye(array.size).reshape(array.size, *array.shape)
    steps = offsets(sides, array.shape).reshape(len(OFFSETS), array.size, *([1] * array.ndim))
    return array + (steps * units).reshape(-1, *array.shape)


class _Entry(NamedTuple):
    """The copies that enter the batch at one layer, as rows: ``z`` joins before the
    layer's activation (copies moving w, b or z), ``a`` after it (copies moving a).
    ``*_copies`` and ``*_samples`` say which copy and sample each row is."""

    layer: int
    z: np.ndarray
    z_copies: np.ndarray
    z_samples: np.ndarray
    a: np.ndarray
    a_copies: np.ndarray
    a_samples: np.ndarray


class PerturbedBatch:
    """A forward pass over many copies of an instance, each with one node moved.

    Copies enter at the layer of their moved node (below it they equal the
    instance) and from there go through each layer together with the copies
    that entered before them. ``outputs`` are the copies' output activations
    (copies, samples, outputs), ``squares`` their sums of squared weights (for
    the l2 penalty), and ``groups`` lists (kind, layer, shape, rows): which
    copies move which nodes. ``moves(kind, layer)`` says which nodes get
    copies (every w, b, z and a of every layer unless told otherwise).

    The work is quadratic in depth, inherent in one finite difference per node,
    so the constant matters:

    * a copy is one column per sample (columns, not rows: adding a layer's
      biases to rows two or three wide is as slow in NumPy as everything
      else together), and a copy that moves z or a of sample n carries only
      that sample's column, since its other samples equal the instance at
      every layer (the same reason copies enter at their own layer); they are
      put back from the instance at the end, so ``outputs`` holds every copy
      in full;
    * the copies go through the network in blocks of consecutive entry
      layers, each block from its first layer to the output, so every array
      stays near ``BLOCK_COLUMNS`` columns at any depth (one batch of all
      copies grows with the depth, and at 500 layers its fresh arrays of a
      megabyte per operation made it 15-25% slower).

    Each column is computed by the same operations on the same numbers as the
    row of one batch: the partials are the same to the bit (compared on 478
    networks).
    """

    BLOCK_COLUMNS = 8192

    def __init__(self, instance: Instance, moves=lambda kind, layer: True):
        self.instance = instance
        self.moves = moves
        self.groups: list[tuple[str, int, tuple, slice]] = []
        self.rows = 0
        square_total = sum(float(np.sum(weights**2)) for weights in instance.W.values())
        squares: list[np.ndarray] = [np.empty(0)]
        entries = [self._entry(layer, square_total, squares) for layer in range(1, instance.depth + 1)]
        self.squares = np.concatenate(squares)
        self.outputs = np.repeat(instance.A[instance.depth][None], self.rows, axis=0)
        for block in _blocks(entries, self.BLOCK_COLUMNS):
            self._run(block)

    def _entry(self, layer: int, square_total: float, squares: list) -> _Entry:
        """The copies moving a node of ``layer``, recorded in ``groups``, their squares in ``squares``."""
        instance = self.instance
        below, W, b = instance.A[layer - 1], instance.W[layer], instance.b[layer]
        width, samples = instance.sizes[layer], np.arange(instance.samples)
        before, after = [], []  # (rows, copies, samples) joining before and after the activation
        if self.moves("w", layer):
            moved_W, copies = self._record("w", layer, W)
            squares.append(square_total - float(np.sum(W**2)) + np.sum(moved_W**2, axis=(1, 2)))
            rows = (below @ moved_W + b).reshape(-1, width)
            before.append((rows, np.repeat(copies, len(samples)), np.tile(samples, len(copies))))
        if self.moves("b", layer):
            moved_b, copies = self._record("b", layer, b)
            squares.append(np.full(len(copies), square_total))
            rows = ((below @ W)[None] + moved_b[:, None, :]).reshape(-1, width)
            before.append((rows, np.repeat(copies, len(samples)), np.tile(samples, len(copies))))
        if self.moves("z", layer):
            before.append(self._one_sample("z", layer, instance.Z[layer]))
            squares.append(np.full(len(before[-1][1]), square_total))
        if self.moves("a", layer):
            after.append(self._one_sample("a", layer, instance.A[layer]))
            squares.append(np.full(len(after[-1][1]), square_total))
        return _Entry(layer, *_joined(before, width), *_joined(after, width))

    def _run(self, block: list[_Entry]):
        """Run the copies entering in ``block`` from its first layer to the output into ``outputs``."""
        instance = self.instance
        entering = {entry.layer: entry for entry in block}
        columns = np.empty((instance.sizes[block[0].layer - 1], 0))
        copies, samples = [], []
        for layer in range(block[0].layer, instance.depth + 1):
            Z = _product(columns, instance.W[layer]) + instance.b[layer][:, None]
            entry = entering.get(layer)
            if entry is not None:
                Z = np.concatenate([Z, entry.z.T], axis=1)
                copies.append(entry.z_copies)
                samples.append(entry.z_samples)
            activation = instance.network.activation(layer)
            function = activation_function(activation)
            columns = function(Z) if activation.elementwise else function(Z.T).T
            if entry is not None:
                columns = np.concatenate([columns, entry.a.T], axis=1)
                copies.append(entry.a_copies)
                samples.append(entry.a_samples)
        self.outputs[np.concatenate(copies), np.concatenate(samples)] = columns.T

    def _one_sample(self, kind, layer, values):
        """The moved sample row of each copy that moves one z or a entry of ``values`` (samples, width)."""
        moved, copies = self._record(kind, layer, values)
        sample = (np.arange(len(moved)) % values.size) // values.shape[1]  # unit_moves: entries in C order
        return moved[np.arange(len(moved)), sample], copies, sample

    def _record(self, kind: str, layer: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The moved copies of ``values`` and their copy numbers; records which copies they are."""
        moved = unit_moves(values, self.instance.sides[layer] if kind == "z" else None)
        self.groups.append((kind, layer, values.shape, slice(self.rows, self.rows + len(moved))))
        self.rows += len(moved)
        return moved, np.arange(self.rows - len(moved), self.rows)


def _product(columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(rows @ weights).T for the rows stored as ``columns``.

    With two or more outputs the BLAS product rounds the same either way
    round; with one output NumPy takes a matrix-vector path whose rounding
    depends on the layout, so that product is taken of the rows themselves,
    which keeps the partials the same to the bit as those of a row batch.
    """
    if weights.shape[1] == 1:
        return (np.ascontiguousarray(columns.T) @ weights).T
    return weights.T @ columns


def _joined(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], width: int):
    """(rows, copies, samples) of several groups of copies, one after the other."""
    if not parts:
        return np.empty((0, width)), np.empty(0, dtype=int), np.empty(0, dtype=int)
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _blocks(entries: list[_Entry], rows: int) -> list[list[_Entry]]:
    """Consecutive entries that bring copies, grouped so that each group brings about ``rows`` rows."""
    blocks: list[list[_Entry]] = []
    count = 0
    for entry in entries:
        size = len(entry.z) + len(entry.a)
        if not size:
            continue
        if not blocks or count + size > rows:
            blocks.append([])
            count = 0
        blocks[-1].append(entry)
        count += size
    return blocks
