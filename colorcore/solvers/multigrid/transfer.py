"""Transfers between a grid and the next coarser one: Dendy's black-box interpolation.

Interpolation P is operator-dependent: a fine point takes its coarse neighbours in
proportion to its couplings to them, so corrections do not leak across luma edges.
Restriction R is the same construction on the transposed operator (R = P'^T, P' the
interpolation of A^T). Both are built here as weights on the phase layout of
:mod:`~colorcore.solvers.multigrid.grid`; :class:`~colorcore.solvers.multigrid.level.Level`
applies them and forms the coarse operator R A P.
"""

from __future__ import annotations

from colorcore.solvers.backend import Array
from colorcore.solvers.multigrid.grid import CENTRE, NINE, Grid, Offset, Phase, coeff, neighbour

# Guards divisions by a centre coefficient that vanishes.
_TINY = 1e-20

Weights = dict[Phase, Array]  # phase -> (p[0] + 1, p[1] + 1, size) weights, see interpolation()


class Coefficients:
    """Spans of coefficients of a phase-layout stencil A, or of its transpose.

    ``coeffs(p, e)``: coefficient of neighbour e at the phase-p points (a span, see
    :meth:`Grid.span`). A^T's entry (p, e) at (I, J) is A's entry (q, -e) at (I, J) + s,
    read from A in place.
    """

    def __init__(self, stencil: Array, grid: Grid, transposed: bool = False):
        self.stencil, self.grid, self.transposed = stencil, grid, transposed

    def __call__(self, p: Phase, e: Offset) -> Array:
        if not self.transposed:
            return self.grid.span(coeff(self.stencil, p, e))
        q, s = neighbour(p, e)
        return self.grid.span(coeff(self.stencil, q, (-e[0], -e[1])), s)


def times_interpolation(
    coeffs: Coefficients, p: Phase, weights: Weights, grid: Grid, out: Array, scratch: Array, skip_centre: bool = False
) -> None:
    """(A P) at the phase-p points, into ``out`` (3, 3, size).

    ``out[t + 1]`` is the coefficient of coarse point (I, J) + t in the row of the phase-p
    point (I, J); ``weights`` is P as :func:`interpolation` returns it; ``scratch`` is a
    (3, 3, rows * pitch) buffer. ``skip_centre`` leaves out A's centre coefficient.
    """
    ops = grid.ops
    grid.span(out)[...] = 0.0
    for e in NINE:
        if skip_centre and e == CENTRE:
            continue
        q, s = neighbour(p, e)
        w = weights[q]
        ny, nx = w.shape[:2]
        # The neighbour takes coarse points (I, J) + s + d: offsets t = s + d.
        block = grid.span(out[s[0] + 1 : s[0] + 1 + ny, s[1] + 1 : s[1] + 1 + nx])
        ops.add_product(block, coeffs(p, e), grid.span(w, s), scratch[:ny, :nx])


def interpolation(coeffs: Coefficients, grid: Grid, scratch: Array) -> Weights:
    """Dendy's black-box interpolation for the operator ``coeffs`` gives.

    Args:
        coeffs: the operator A (for P), or A transposed (for R).
        grid: the fine grid's phase layout.
        scratch: a (3, 3, rows * pitch) buffer.

    Returns:
        {p: weights}: weights is (p[0] + 1, p[1] + 1, size); the phase-p point (I, J) takes
        the coarse point (I, J) + d with weight ``weights[d]``, in [0, 1]. Phase (0, 0) is
        the coarse point itself (weight 1). A hinted pixel (identity row) takes nothing
        from its neighbours.
    """
    ops = grid.ops

    def clip(w: Array) -> Array:  # weights stay in [0, 1] even where a coarse operator is not an M-matrix
        return ops.minimum(ops.maximum(w, 0.0), 1.0)

    def between(p: Phase, axis: int) -> Array:
        """Weights of a point between two coarse points along ``axis``, the other axis lumped."""
        line = [(k, o) if axis == 1 else (o, k) for o in (-1, 0, 1) for k in (-1, 0, 1)]
        weights = grid.zeros((p[0] + 1, p[1] + 1))
        low, high = weights.reshape(2, grid.size)
        lumped = {side: sum(coeffs(p, e) for e in line if e[axis] == side) for side in (-1, 0, 1)}
        centre = ops.maximum(lumped[0], _TINY)
        ops.copy(grid.span(low), clip(-lumped[-1] / centre))
        ops.copy(grid.span(high), clip(-lumped[1] / centre))
        return grid.clear_border(weights)

    ones = grid.zeros((1, 1))
    grid.interior(ones)[...] = 1.0
    weights = {(0, 0): ones, (0, 1): between((0, 1), axis=1), (1, 0): between((1, 0), axis=0)}
    # A point in the middle of a cell solves its own row, v = -(1/a0) sum_e a_e v(e), given
    # the interpolated values of its eight neighbours: coarse offsets (0, 0) to (1, 1).
    middle, products, corner = (1, 1), grid.zeros((3, 3)), grid.zeros((2, 2))
    times_interpolation(coeffs, middle, weights, grid, products, scratch, skip_centre=True)
    inv_centre = -1.0 / ops.maximum(coeffs(middle, CENTRE), _TINY)
    ops.copy(grid.span(corner), clip(grid.span(products[1:, 1:]) * inv_centre))
    weights[middle] = grid.clear_border(corner)
    return weights
