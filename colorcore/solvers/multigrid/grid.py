"""The multigrid's grid layout: every grid stored as its four phases (parities).

A grid of H x W pixels is stored as its four phases, the pixels (2I + py, 2J + px) for
(py, px) in {0, 1}^2, each a grid of ceil(H/2) x ceil(W/2) points with a border of
zeros, stored flat (see :class:`Grid`). Then every operand of the solver is a contiguous
slice, two to three times faster for numpy than the stride-2 views of the natural layout:

- neighbour e = (ey, ex) of a phase-p point (I, J) is the phase-q point (I, J) + s, with
  q = (p + e) % 2 and s = (p + e) // 2 (see :func:`neighbour`);
- the colours of the Gauss-Seidel smoother are the phases (no two points of one phase
  touch in a 3x3 stencil);
- the coarse grid is phase (0, 0): coarse point (I, J) is fine point (2I, 2J), and a fine
  point of phase p lies in the cell of the coarse points (I, J) + d, for d <= p.

A grid of odd height or width gets a last row or column of inert pixels (identity rows,
zero right-hand side) that no real pixel couples to.
"""

from __future__ import annotations

from typing import TypeAlias

from colorcore.solvers.backend import Array, ArrayBackend
from colorcore.solvers.levin import LevinOperator

Phase: TypeAlias = tuple[int, int]  # (py, px) in {0, 1}^2
Offset: TypeAlias = tuple[int, int]  # (dy, dx), each in -1..1 (or a shift in points)

PHASES: tuple[Phase, ...] = ((0, 0), (0, 1), (1, 0), (1, 1))
NINE: tuple[Offset, ...] = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
CENTRE: Offset = (0, 0)


def neighbour(p: Phase, e: Offset) -> tuple[Phase, Offset]:
    """(q, s): the neighbour e of a phase-p point (I, J) is the phase-q point (I, J) + s."""
    return ((p[0] + e[0]) % 2, (p[1] + e[1]) % 2), ((p[0] + e[0]) // 2, (p[1] + e[1]) // 2)


def coeff(stencil: Array, p: Phase, e: Offset) -> Array:
    """A phase-layout stencil's coefficients of neighbour e at the phase-p points: a grid array."""
    return stencil[p[0], p[1], e[0] + 1, e[1] + 1]


class Grid:
    """Geometry of a phase grid of ``rows`` x ``cols`` points, stored flat with a border.

    A grid array has shape (..., size): point (I, J) of the bordered (rows+2, cols+2)
    grid, I and J counted from -1, is element 1 + (I + 1) * pitch + J + 1, with
    pitch = cols + 2 and one spare element at each end, so that a span shifted by one
    point either way stays inside the array. A span covers whole bordered rows: border
    columns are computed along with the points, and stay zero because every
    coefficient and weight is zero there.
    """

    def __init__(self, rows: int, cols: int, ops: ArrayBackend):
        self.rows, self.cols, self.ops = rows, cols, ops
        self.pitch = cols + 2
        self.size = (rows + 2) * self.pitch + 2
        # Where the points' rows lie in a grid array, and how long a span of them is.
        self.start = 1 + self.pitch
        self.span_length = rows * self.pitch

    def zeros(self, lead: tuple[int, ...] = ()) -> Array:
        """A zero grid array (*lead, size), a solver buffer (see ``ops.buffer``)."""
        return self.ops.buffer(tuple(lead) + (self.size,))

    def span(self, a: Array, s: Offset = (0, 0)) -> Array:
        """Points (I, J) + s of all rows I: a contiguous flat slice (..., rows * pitch)."""
        start = self.start + self.offset(s)
        return a[..., start : start + self.span_length]

    def bordered(self, a: Array) -> Array:
        """A grid array as a (..., rows + 2, cols + 2) view, border included."""
        return a[..., 1 : self.size - 1].reshape(tuple(a.shape[:-1]) + (self.rows + 2, self.pitch))

    def interior(self, a: Array) -> Array:
        """The points of a grid array as a (..., rows, cols) view."""
        return self.bordered(a)[..., 1:-1, 1:-1]

    def clear_border(self, a: Array) -> Array:
        """Zero the border columns (values shifted spans may have left there)."""
        self.bordered(a)[..., 0] = 0.0
        self.bordered(a)[..., -1] = 0.0
        return a

    def offset(self, s: Offset) -> int:
        """How far point (I, J) + s lies from point (I, J) in a grid array."""
        return s[0] * self.pitch + s[1]


def to_phases(a: Array, grid: Grid, out: Array | None = None) -> Array:
    """Natural layout (..., H, W) to phases (2, 2, ..., size) on ``grid`` (ceil(H/2) x ceil(W/2)).

    Inert pixels (beyond an odd H or W) and the border are zero; ``out``, if given, must
    have a zero border and zero inert pixels.
    """
    if out is None:
        out = grid.zeros((2, 2) + tuple(a.shape[:-2]))
    for py, px in PHASES:
        part = a[..., py::2, px::2]
        grid.ops.copy(grid.interior(out[py, px])[..., : part.shape[-2], : part.shape[-1]], part)
    return out


def from_phases(phases: Array, grid: Grid, out: Array) -> Array:
    """Phases (2, 2, ..., size) back to the natural layout ``out`` (..., H, W)."""
    for py, px in PHASES:
        part = out[..., py::2, px::2]
        grid.ops.copy(part, grid.interior(phases[py, px])[..., : part.shape[-2], : part.shape[-1]])
    return out


def fine_stencil(source: Array | LevinOperator, grid: Grid) -> Array:
    """Phase-layout stencil (2, 2, 3, 3, size) from a natural (3, 3, H, W) stencil or a
    :class:`~colorcore.solvers.levin.LevinOperator` (written straight into the phases)."""
    if isinstance(source, LevinOperator):
        height, width = source.height, source.width
        # Every point is written below; only the rest needs zeros (15 MB less to clear at 480p).
        stencil = grid.ops.buffer((2, 2, 3, 3, grid.size), zeroed=False)
        stencil[..., 0], stencil[..., -1] = 0.0, 0.0
        bordered = grid.bordered(stencil)
        bordered[..., [0, -1], :], bordered[..., :, [0, -1]] = 0.0, 0.0
        for py, px in PHASES:
            rows, cols = slice(py, height, 2), slice(px, width, 2)
            points = grid.interior(stencil[py, px])
            h, w = len(range(height)[rows]), len(range(width)[cols])
            points[..., h:, :], points[..., :, w:] = 0.0, 0.0
            source.write(points[..., :h, :w], rows, cols)
    else:
        height, width = source.shape[-2:]
        stencil = to_phases(source, grid)
    # Pixels beyond an odd height or width are inert: identity rows, coupled to nothing.
    if height % 2:
        grid.interior(stencil)[1, :, 1, 1, -1, :] = 1.0
    if width % 2:
        grid.interior(stencil)[:, 1, 1, 1, :, -1] = 1.0
    return stencil
