"""The fast solver: geometric multigrid on Levin's stencil, for numpy or torch.

Levin's system is a diffusion: colour spreads from the hints along similar luma. Simple
iterations need about (distance to the nearest hint)^2 sweeps; multigrid needs a few
cycles whatever the distance. Design, all of it on 9-point stencils so that one
vectorised implementation runs on numpy (CPU) and on torch (GPU):

- Coarse grids keep every other row and column. Interpolation P is operator-dependent
  (Dendy's black box): a fine point takes its coarse neighbours in proportion to its
  couplings to them, so corrections do not leak across luma edges. Restriction R is the
  same construction on the transposed operator, and coarse operators are R A P, so they
  inherit the fine operator's edges instead of re-deriving them from blurred luma.
  Positive off-diagonal coefficients of R A P are lumped onto the diagonal: on some
  photographs they are as large as the diagonal, and the cycles then diverge.
- The smoother is Gauss-Seidel in four colours (the parities of y and x): pixels of one
  colour never touch each other in a 3x3 stencil, so each colour is one vectorised update.
- The coarsest grid (a few hundred pixels) is solved by sparse LU.
- The solve starts with an F-cycle (each coarse-grid correction an F-cycle followed by a
  V-cycle on the next grid): from zero it is as good as full multigrid, and regions that
  the hints reach only through strong edges (a rim, a strip of sky) get their colour in
  it. V-cycles, at two thirds of the cost, finish.

Phase layout. Every grid is stored as its four phases, the pixels (2I + py, 2J + px) for
(py, px) in {0, 1}^2, each a grid of Hh x Wh = ceil(H/2) x ceil(W/2) points with a border
of zeros, stored flat (see :class:`_Grid`). Then every operand is a contiguous slice,
two to three times faster for numpy than the stride-2 views of the natural layout:
- neighbour e = (ey, ex) of a phase-p point (I, J) is the phase-q point (I, J) + s, with
  q = (p + e) % 2 and s = (p + e) // 2 (see :func:`_neighbour`);
- the colours of the smoother are the phases;
- the coarse grid is phase (0, 0): coarse point (I, J) is fine point (2I, 2J), and a fine
  point of phase p lies in the cell of the coarse points (I, J) + d, for d <= p.
A grid of odd height or width gets a last row or column of inert pixels (identity rows,
zero right-hand side) that no real pixel couples to.

CPU work writes into preallocated buffers, lent again to the next solve of the same size
(:meth:`colorcore.backend.NumpyBackend.reused_buffers`): on the CPU a fresh temporary per
operation costs as much as the operation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla

from colorcore.solvers.backend import NumpyBackend
from colorcore.solvers.exact import stencil_to_csr
from colorcore.solvers.levin import LevinOperator, levin_rhs

# The coarsest grid is solved by sparse LU: about a millisecond to factor at this size.
_COARSEST_PIXELS = 500
# F-cycles recurse as F-cycles down to grids of this many pixels, and as V-cycles below:
# there the extra visits cost Python overhead and bring no faster convergence.
_F_MIN_PIXELS = 10_000
# Estimated RMS chroma error at which the cycles stop. One unit of I or Q moves R, G, B by
# about one unit, so 2e-3 is about half an 8-bit level: 45 dB or more of agreement with
# the exact solver on photographs and on the hard synthetic images of the tests.
DEFAULT_TOL = 2e-3
# Contraction per cycle assumed by the stop test: before any rate is measured, the
# slowest seen on natural images (regions that hints reach only through strong edges);
# after, at least this floor, as the first cycles remove the easy error fastest.
_RATE_UNMEASURED = 0.8
_RATE_FLOOR = 0.5
# Arnoldi vectors kept before GMRES restarts: frames that need more are rare.
_RESTART = 10
# Measured contraction of the updates per cycle above which GMRES takes over from plain
# cycles: slower than this, GMRES reaches the tolerance in fewer cycles.
_KRYLOV_RATE = 0.5
# Estimated error, in tolerances, still accepted when the cycles run out.
_GIVE_UP = 10
# Prior weight from which a starting guess is trusted fully (see _trusted_start).
_TRUST_WEIGHT = 0.25
_PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))
_SWEEP = ((0, 0), (1, 1), (0, 1), (1, 0))  # colour order of a forward Gauss-Seidel sweep
_NINE = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
_CENTRE = (0, 0)
_TINY = 1e-20


class ConvergenceError(ArithmeticError):
    """The cycles stopped converging (not seen on natural images)."""


def _neighbour(p, e):
    """(q, s): the neighbour e of a phase-p point (I, J) is the phase-q point (I, J) + s."""
    return ((p[0] + e[0]) % 2, (p[1] + e[1]) % 2), ((p[0] + e[0]) // 2, (p[1] + e[1]) // 2)


def _coeff(stencil, p, e):
    """A phase-layout stencil's coefficients of neighbour e at the phase-p points."""
    return stencil[p[0], p[1], e[0] + 1, e[1] + 1]


class _Grid:
    """Geometry of a phase grid of ``rows`` x ``cols`` points, stored flat with a border.

    A grid array has shape (..., size): point (I, J) of the bordered (rows+2, cols+2)
    grid, I and J counted from -1, is element 1 + (I + 1) * pitch + J + 1, with
    pitch = cols + 2 and one spare element at each end, so that a span shifted by one
    point either way stays inside the array. A span covers whole bordered rows: border
    columns are computed along with the points, and stay zero because every
    coefficient and weight is zero there.
    """

    def __init__(self, rows: int, cols: int, ops):
        self.rows, self.cols, self.ops = rows, cols, ops
        self.pitch = cols + 2
        self.size = (rows + 2) * self.pitch + 2

    def zeros(self, lead=()):
        """A zero grid array (..., size), a solver buffer (see ``ops.buffer``)."""
        return self.ops.buffer(tuple(lead) + (self.size,))

    def span(self, a, s=(0, 0), band=None):
        """Points (I, J) + s for the rows I of ``band`` (default: all), a contiguous flat slice."""
        first, last = (0, self.rows) if band is None else (band.start, band.stop)
        start = 1 + (1 + first + s[0]) * self.pitch + s[1]
        return a[..., start : start + (last - first) * self.pitch]

    def bordered(self, a):
        """A grid array as a (..., rows + 2, cols + 2) view, border included."""
        return a[..., 1 : self.size - 1].reshape(tuple(a.shape[:-1]) + (self.rows + 2, self.pitch))

    def interior(self, a):
        """The points of a grid array as a (..., rows, cols) view."""
        return self.bordered(a)[..., 1:-1, 1:-1]

    def clear_border(self, a):
        """Zero the border columns (values shifted spans may have left there)."""
        self.bordered(a)[..., 0] = 0.0
        self.bordered(a)[..., -1] = 0.0
        return a

    def band_slice(self, band):
        """The part of a span-sized (..., rows * pitch) buffer that belongs to ``band``."""
        return slice(band.start * self.pitch, band.stop * self.pitch)

    def window(self, band):
        """(start, stop): the span of ``band`` in a grid array, unshifted."""
        start = 1 + (1 + band.start) * self.pitch
        return start, start + (band.stop - band.start) * self.pitch

    def offset(self, s) -> int:
        """How far point (I, J) + s lies from point (I, J) in a grid array."""
        return s[0] * self.pitch + s[1]

    def bands(self, work, channels: int = 1):
        """Run ``work(band)`` over the rows (see :meth:`colorcore.backend.NumpyBackend.bands`)."""
        self.ops.bands(work, self.rows, self.pitch * channels)


def to_phases(a, grid: _Grid, out=None):
    """Natural layout (..., H, W) to phases (2, 2, ..., size) on ``grid`` (ceil(H/2) x ceil(W/2)).

    Inert pixels (beyond an odd H or W) and the border are zero; ``out``, if given, must
    have a zero border and zero inert pixels.
    """
    if out is None:
        out = grid.zeros((2, 2) + tuple(a.shape[:-2]))
    for py, px in _PHASES:
        part = a[..., py::2, px::2]
        grid.ops.copy(grid.interior(out[py, px])[..., : part.shape[-2], : part.shape[-1]], part)
    return out


def from_phases(phases, grid: _Grid, out):
    """Phases (2, 2, ..., size) back to the natural layout ``out`` (..., H, W)."""
    for py, px in _PHASES:
        part = out[..., py::2, px::2]
        grid.ops.copy(part, grid.interior(phases[py, px])[..., : part.shape[-2], : part.shape[-1]])
    return out


def _fine_stencil(source, grid: _Grid):
    """Phase-layout stencil (2, 2, 3, 3, size) from a natural (3, 3, H, W) stencil or a
    :class:`~colorcore.levin.LevinOperator` (written straight into the phases)."""
    if isinstance(source, LevinOperator):
        height, width = source.height, source.width
        # Every point is written below; only the rest needs zeros (15 MB less to clear at 480p).
        stencil = grid.ops.buffer((2, 2, 3, 3, grid.size), zeroed=False)
        stencil[..., 0], stencil[..., -1] = 0.0, 0.0
        bordered = grid.bordered(stencil)
        bordered[..., [0, -1], :], bordered[..., :, [0, -1]] = 0.0, 0.0
        for py, px in _PHASES:
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


class _Coefficients:
    """Spans of coefficients of a phase-layout stencil A, or of its transpose.

    ``coeffs(p, e, band)``: coefficient of neighbour e at the phase-p points. A^T's entry
    (p, e) at (I, J) is A's entry (q, -e) at (I, J) + s, read from A in place.
    """

    def __init__(self, stencil, grid: _Grid, transposed: bool = False):
        self.stencil, self.grid, self.transposed = stencil, grid, transposed

    def __call__(self, p, e, band=None):
        if not self.transposed:
            return self.grid.span(_coeff(self.stencil, p, e), band=band)
        q, s = _neighbour(p, e)
        return self.grid.span(_coeff(self.stencil, q, (-e[0], -e[1])), s, band)


def _times_interpolation(coeffs, p, weights, grid: _Grid, out, band, scratch, skip_centre=False):
    """Rows ``band`` of (A P) at the phase-p points, into ``out`` (3, 3, size).

    ``out[t + 1]`` is the coefficient of coarse point (I, J) + t in the row of the phase-p
    point (I, J); ``weights`` is P as :func:`interpolation` returns it; ``scratch`` is a
    (3, 3, rows * pitch) buffer.
    """
    ops = grid.ops
    grid.span(out, band=band)[...] = 0.0
    for e in _NINE:
        if skip_centre and e == _CENTRE:
            continue
        q, s = _neighbour(p, e)
        w = weights[q]
        ny, nx = w.shape[:2]
        # The neighbour takes coarse points (I, J) + s + d: offsets t = s + d.
        block = grid.span(out[s[0] + 1 : s[0] + 1 + ny, s[1] + 1 : s[1] + 1 + nx], band=band)
        ops.add_product(block, coeffs(p, e, band), grid.span(w, s, band), scratch[:ny, :nx, grid.band_slice(band)])


def interpolation(coeffs: _Coefficients, grid: _Grid, scratch):
    """Dendy's black-box interpolation for the operator ``coeffs`` gives.

    Args:
        scratch: a (3, 3, rows * pitch) buffer.

    Returns:
        {p: weights}: weights is (p[0] + 1, p[1] + 1, size); the phase-p point (I, J) takes
        the coarse point (I, J) + d with weight ``weights[d]``, in [0, 1]. Phase (0, 0) is
        the coarse point itself (weight 1). A hinted pixel (identity row) takes nothing
        from its neighbours.
    """
    ops = grid.ops

    def clip(w):  # weights stay in [0, 1] even where a coarse operator is not an M-matrix
        return ops.minimum(ops.maximum(w, 0.0), 1.0)

    def between(p, axis):
        """Weights of a point between two coarse points along ``axis``, the other axis lumped."""
        line = [(k, o) if axis == 1 else (o, k) for o in (-1, 0, 1) for k in (-1, 0, 1)]
        weights = grid.zeros((p[0] + 1, p[1] + 1))
        low, high = weights.reshape(2, grid.size)

        def work(band):
            lumped = {side: sum(coeffs(p, e, band) for e in line if e[axis] == side) for side in (-1, 0, 1)}
            centre = ops.maximum(lumped[0], _TINY)
            ops.copy(grid.span(low, band=band), clip(-lumped[-1] / centre))
            ops.copy(grid.span(high, band=band), clip(-lumped[1] / centre))

        grid.bands(work)
        return grid.clear_border(weights)

    ones = grid.zeros((1, 1))
    grid.interior(ones)[...] = 1.0
    weights = {(0, 0): ones, (0, 1): between((0, 1), axis=1), (1, 0): between((1, 0), axis=0)}
    # A point in the middle of a cell solves its own row, v = -(1/a0) sum_e a_e v(e), given
    # the interpolated values of its eight neighbours: coarse offsets (0, 0) to (1, 1).
    middle, products, corner = (1, 1), grid.zeros((3, 3)), grid.zeros((2, 2))

    def solve_row(band):
        _times_interpolation(coeffs, middle, weights, grid, products, band, scratch, skip_centre=True)
        inv_centre = -1.0 / ops.maximum(coeffs(middle, _CENTRE, band), _TINY)
        ops.copy(grid.span(corner, band=band), clip(grid.span(products[1:, 1:], band=band) * inv_centre))

    grid.bands(solve_row)
    weights[middle] = grid.clear_border(corner)
    return weights


def galerkin(coeffs: _Coefficients, prolong, restrict, grid: _Grid, scratch):
    """The coarse operator R A P: a (3, 3, size) stack of grid arrays, the coarse stencil.

    ``prolong`` and ``restrict`` are :func:`interpolation` of A and of A^T (R = P'^T);
    ``scratch`` is a (3, 3, rows * pitch) buffer.
    """
    ops = grid.ops
    coarse, products = grid.zeros((3, 3)), grid.zeros((3, 3))
    for p in _PHASES:
        grid.bands(lambda band, p=p: _times_interpolation(coeffs, p, prolong, grid, products, band, scratch))
        # A P at the phase-p points reaches the offsets t from -1 along an axis where p
        # is even, from 0 where it is odd (stacked from index t + 1), up to 1.
        ty, tx = slice(1 if p[0] else 0, 3), slice(1 if p[1] else 0, 3)
        reach = products[ty, tx]

        def accumulate(band, p=p, ty=ty, tx=tx, reach=reach):
            work = scratch[: ty.stop - ty.start, : tx.stop - tx.start, grid.band_slice(band)]
            ny, nx = restrict[p].shape[:2]
            for dy in range(ny):
                for dx in range(nx):
                    # The phase-p point (I, J) - d restricts to coarse (I, J) with weight
                    # R_p[d], and reaches coarse (I, J) - d + t through A P.
                    back = (-dy, -dx)
                    target = grid.span(coarse[ty.start - dy : ty.stop - dy, tx.start - dx : tx.stop - dx], band=band)
                    ops.add_product(
                        target, grid.span(restrict[p][dy, dx], back, band), grid.span(reach, back, band), work
                    )

        grid.bands(accumulate)
    return coarse


def lump_positive(stencil, grid: _Grid):
    """Move positive off-diagonal coefficients of a (3, 3, size) stencil onto its centre.

    Galerkin products of Levin's non-symmetric operator have positive couplings as large
    as the centre on some images; Gauss-Seidel then diverges on the coarse grids. Lumping
    keeps every row sum (constants stay in the null space) and makes the rows diagonally
    dominant again; the coarse correction is then slightly less exact, not divergent.
    """
    ops = grid.ops

    def work(band):
        coeffs = grid.span(stencil, band=band)
        positive = ops.maximum(coeffs, 0.0)
        positive[1, 1] = 0.0
        coeffs -= positive
        coeffs[1, 1] += positive.sum((0, 1))

    grid.bands(work, 9)
    return stencil


class _Level:
    """One grid above the coarsest: its operator, transfers to the next grid, and buffers.

    Args:
        stencil: (2, 2, 3, 3, size) phase-layout stencil on ``grid``.
        height, width: the grid's size in pixels (H, W).
        channels: right-hand sides solved together (2: I and Q).
    """

    def __init__(self, stencil, height: int, width: int, grid: _Grid, channels: int, ops):
        self.ops, self.grid = ops, grid
        self.height, self.width = height, width
        self.stencil = stencil
        coeffs = _Coefficients(stencil, grid)
        scratch = ops.buffer((3, 3, grid.rows * grid.pitch), zeroed=False)
        self.prolong = interpolation(coeffs, grid, scratch)
        self.restrict = interpolation(_Coefficients(stencil, grid, transposed=True), grid, scratch)
        self.coarse_stencil = lump_positive(galerkin(coeffs, self.prolong, self.restrict, grid, scratch), grid)
        # The cycle's terms, with shifts as offsets in the flat grid arrays (see _Grid).
        shift = grid.offset
        self.couplings = {
            p: [(_coeff(stencil, p, e), q, shift(s)) for e in _NINE if e != _CENTRE for q, s in [_neighbour(p, e)]]
            for p in _PHASES
        }
        # Restriction gathers onto coarse (I, J) the share R_p[d] of the phase-p point (I, J) - d.
        self.gathers = [
            (p, self.restrict[p][d], shift((-d[0], -d[1])))
            for p in _PHASES[1:]
            for d in np.ndindex(*self.restrict[p].shape[:2])
        ]
        self.scatters = {
            p: [(self.prolong[p][d], shift(d)) for d in np.ndindex(*self.prolong[p].shape[:2])] for p in _PHASES[1:]
        }
        # Levin's rows without a prior have 1 on the diagonal: nothing to divide by.
        diagonal = grid.interior(stencil[:, :, 1, 1])
        self.inv_diagonal = None
        if not bool((diagonal == 1.0).all()):
            self.inv_diagonal = grid.zeros((2, 2))
            grid.interior(self.inv_diagonal)[...] = 1.0 / diagonal
        phases = (2, 2, channels)
        self.residual = grid.zeros(phases)
        self.x = self.b = None  # the unknowns and right-hand side when this is a coarse grid
        self.scratch = ops.buffer((channels, grid.rows * grid.pitch), zeroed=False)
        self.coarse_rhs = grid.zeros((channels,))  # the next grid's points, natural layout
        self.correction = grid.zeros((channels,))
        self._plans: dict = {}  # see _run

    def _run(self, key, arrays, build) -> None:
        """Run a kernel over bands of rows, as steps ``(function, *arguments)``.

        ``build(start, stop, scratch)`` makes a band's steps: [start, stop) is its span in
        the flat grid arrays (shifted by an offset to read neighbours), ``scratch`` its
        share of the level's buffer. The steps, views included, are made once per band
        and kept while the kernel works on the same ``arrays``: on small grids slicing
        costs as much as the arithmetic.
        """
        grid = self.grid
        known = self._plans.get(key)
        if known is None or any(a is not b for a, b in zip(known[0], arrays)):
            known = self._plans[key] = (arrays, {})
        plans = known[1]

        def band_work(band):
            steps = plans.get((band.start, band.stop))
            if steps is None:
                start, stop = grid.window(band)
                steps = plans[band.start, band.stop] = build(start, stop, self.scratch[:, grid.band_slice(band)])
            for function, *arguments in steps:
                function(*arguments)

        grid.bands(band_work, self.scratch.shape[0])

    def smooth(self, x, b, reverse: bool = False, start: str = "any") -> None:
        """One four-colour Gauss-Seidel sweep on phases x (in place).

        A colour's new values depend on the other colours only, which saves work on a
        forward sweep's first colour: with ``start="zero"`` (x is zero) it is b / a0,
        and with ``start="smoothed"`` (x comes from a reverse sweep, which ended with
        that colour) it is already up to date.
        """
        ops = self.ops
        colours = list(reversed(_SWEEP) if reverse else _SWEEP)
        if start == "smoothed" and not reverse:
            colours = colours[1:]
        for p in colours:
            neighbours = [] if start == "zero" and not reverse and p == _SWEEP[0] else self.couplings[p]

            def colour(first, stop, scratch, p=p, neighbours=neighbours):
                # No phase-p point couples to another, so x_p is updated where it lies.
                xp, base = x[p][..., first:stop], b[p][..., first:stop]
                steps = [] if neighbours else [(ops.copy, xp, base)]
                for coeff, q, offset in neighbours:
                    steps.append(
                        (
                            ops.sub_product,
                            xp,
                            coeff[first:stop],
                            x[q][..., first + offset : stop + offset],
                            scratch,
                            base,
                        )
                    )
                    base = None
                if self.inv_diagonal is not None:
                    steps.append((ops.multiply, xp, self.inv_diagonal[p][first:stop], xp))
                return steps

            self._run(("smooth", p, bool(neighbours)), (x, b), colour)

    def restrict_residual(self, x, b):
        """R (b - A x): a grid array whose points are the next grid's right-hand side.

        x comes from a forward sweep, whose last colour has zero residual.
        """
        ops, r = self.ops, self.residual
        skip = _SWEEP[-1]

        def residual(start, stop, scratch):
            steps = []
            for p in _PHASES:
                if p == skip:
                    continue
                rp, centre = r[p][..., start:stop], _coeff(self.stencil, p, _CENTRE)[start:stop]
                steps.append((ops.sub_product, rp, centre, x[p][..., start:stop], scratch, b[p][..., start:stop]))
                for coeff, q, offset in self.couplings[p]:
                    steps.append(
                        (ops.sub_product, rp, coeff[start:stop], x[q][..., start + offset : stop + offset], scratch)
                    )
            return steps

        self._run(("residual",), (x, b), residual)
        return self.restrict_phases(r, skip)

    def restrict_phases(self, v, skip=None):
        """R v for phases v: a grid array (the level's buffer) whose points are the result."""
        ops, out = self.ops, self.coarse_rhs

        def gather(start, stop, scratch):
            o, base = out[..., start:stop], v[0, 0][..., start:stop]  # the coarse point itself, weight 1
            steps = []
            for p, w, offset in self.gathers:
                if p != skip:
                    steps.append(
                        (
                            ops.add_product,
                            o,
                            w[start + offset : stop + offset],
                            v[p][..., start + offset : stop + offset],
                            scratch,
                            base,
                        )
                    )
                    base = None
            return steps

        self._run(("gather", skip), (v,), gather)
        return out

    def prolong_add(self, x, correction, skip=None) -> None:
        """x += P e for phases x and a coarse correction e given as a grid array.

        ``skip``: a phase left out (the next sweep recomputes it from its neighbours).
        """
        ops = self.ops

        def scatter(start, stop, scratch):
            x00 = x[0, 0][..., start:stop]
            steps = [(ops.add, x00, correction[..., start:stop], x00)]
            for p, terms in self.scatters.items():
                if p == skip:
                    continue
                xp = x[p][..., start:stop]
                for w, offset in terms:
                    steps.append(
                        (ops.add_product, xp, w[start:stop], correction[..., start + offset : stop + offset], scratch)
                    )
            return steps

        self._run(("scatter", skip), (x, correction), scatter)


class MultigridSolver:
    """Multigrid for one 9-point stencil; reusable for several right-hand sides.

    Args:
        stencil: (3, 3, H, W) array of ``ops``'s type, diagonally dominant as Levin's is.
        ops: array backend.
        channels: number of right-hand sides solved together.
    """

    def __init__(self, stencil, ops, channels: int = 2):
        self.ops = ops
        self.channels = channels
        if isinstance(stencil, LevinOperator):
            height, width = stencil.height, stencil.width
        else:
            height, width = stencil.shape[-2:]
        self.height, self.width = height, width
        self.levels: list[_Level] = []
        while height * width > _COARSEST_PIXELS:
            grid = _Grid((height + 1) // 2, (width + 1) // 2, ops)
            level = _Level(_fine_stencil(stencil, grid), height, width, grid, channels, ops)
            if self.levels:  # the finest grid works on the solve's own arrays
                level.x, level.b = grid.zeros((2, 2, channels)), grid.zeros((2, 2, channels))
            self.levels.append(level)
            stencil, height, width = grid.interior(level.coarse_stencil), grid.rows, grid.cols
        if isinstance(stencil, LevinOperator):  # the whole image is tiny
            natural = ops.zeros((3, 3, height, width))
            stencil.write(natural)
            stencil = natural
        self.coarse_shape = (height, width)
        self.coarse_lu = spla.splu(stencil_to_csr(ops.to_numpy(stencil)).tocsc())

    def _direct(self, b, out) -> None:
        """Coarsest grid: out = A^-1 b by sparse LU, natural (C, h, w)."""
        flat = self.ops.to_numpy(b).reshape(b.shape[0], -1).T
        self.ops.copy(out, self.ops.asarray(self.coarse_lu.solve(np.ascontiguousarray(flat)).T.reshape(tuple(b.shape))))

    def _cycle(self, depth: int, x, b, kind: str = "F", start: str = "any") -> None:
        """One cycle on grid ``depth``, in place on phases x: smooth, correct, smooth.

        The correction solves the next grid's residual equation from zero: exactly on
        the coarsest grid, else with an F-cycle followed by a V-cycle ("F") or with one
        V-cycle ("V"). F-cycles cost about 1.5 V-cycles and converge about as fast as
        W-cycles: regions that only strong edges connect need the extra coarse work.
        ``start`` says what x is (see :meth:`_Level.smooth`).
        """
        level = self.levels[depth]
        level.smooth(x, b, start=start)
        coarse_b = level.grid.interior(level.restrict_residual(x, b))
        correction = level.grid.interior(level.correction)
        if depth + 1 == len(self.levels):
            self._direct(coarse_b, correction)
        else:
            coarse = self.levels[depth + 1]
            to_phases(coarse_b, coarse.grid, out=coarse.b)
            coarse.x[...] = 0.0
            if kind == "F" and coarse.height * coarse.width >= _F_MIN_PIXELS:
                self._cycle(depth + 1, coarse.x, coarse.b, "F", start="zero")
                self._cycle(depth + 1, coarse.x, coarse.b, "V", start="smoothed")
            else:
                self._cycle(depth + 1, coarse.x, coarse.b, "V", start="zero")
            from_phases(coarse.x, coarse.grid, correction)
        reverse_first = _SWEEP[-1]
        level.prolong_add(x, level.correction, skip=reverse_first)
        level.smooth(x, b, reverse=True)

    def solve(self, b, initial=None, tol: float = DEFAULT_TOL, max_cycles: int = 60):
        """Solve A x = b: an F-cycle, then V-cycles, then GMRES if the cycles slow down.

        The cycles converge in a few steps on most frames, but crawl (3% a cycle) where
        hints reach a region only through strong edges: a few error modes that the coarse
        grids represent badly. When a cycle shrinks the update by less than
        ``_KRYLOV_RATE``, GMRES over F-cycles takes over (:meth:`_accelerate`); it finds
        those modes and removes them in a few steps.

        The stop test (:class:`_ErrorEstimate`) estimates the remaining error from the
        updates; a residual test would stop too early on weakly coupled regions (small
        residual, large error).

        Args:
            b: (C, H, W) array of ``ops``'s type.
            initial: None (start from zero), or a (C, H, W) starting guess.
            tol: stop when the estimated RMS error of x is below this.
            max_cycles: upper bound on cycles.

        Returns:
            (x, cycles, estimated RMS error): x is (C, H, W).

        Raises:
            ConvergenceError: the iterates became non-finite, or the cycles ended with the
                estimated error still above ``_GIVE_UP`` times ``tol``.
        """
        ops = self.ops
        out = ops.buffer(tuple(b.shape))
        if not self.levels:
            self._direct(b, out)
            return out, 0, 0.0
        if initial is None and ops.norm(b) == 0.0:
            return out, 0, 0.0
        grid = self.levels[0].grid
        bp = to_phases(b, grid)
        x = grid.zeros(tuple(bp.shape[:-1])) if initial is None else to_phases(ops.asarray(initial), grid)
        before = grid.zeros(tuple(bp.shape[:-1]))
        error = _ErrorEstimate(float(b.shape[0] * self.height * self.width) ** 0.5)
        start = "zero" if initial is None else "any"
        for cycle in range(1, max_cycles + 1):
            ops.copy(before, x)
            # An F-cycle makes the large first correction (from zero it is as good as
            # full multigrid); V-cycles, at two thirds of the cost, go on.
            self._cycle(0, x, bp, "F" if cycle == 1 else "V", start=start)
            start = "smoothed"
            ops.subtract(x, before, out=before)
            error.step(ops.norm(before), cycle)
            if error.value <= tol:
                break
            if 1 < cycle < max_cycles and error.rate > _KRYLOV_RATE:  # a measured rate
                cycle = self._accelerate(x, bp, error, tol, cycle, max_cycles)
                break
        if error.value > _GIVE_UP * tol:
            raise ConvergenceError(f"multigrid did not converge in {cycle} cycles")
        return from_phases(x, grid, out), cycle, error.value

    def _accelerate(self, x, b, error: _ErrorEstimate, tol: float, cycles: int, max_cycles: int) -> int:
        """GMRES from phases x (updated in place), left-preconditioned by an F-cycle M^-1.

        Arnoldi needs M^-1 A v: a cycle from v with a zero right-hand side gives
        (I - M^-1 A) v, so no separate product with A is needed. Each result is
        x + V y + z, V y the GMRES update and z = M^-1 (b - A (x + V y)) what one more
        cycle would add (it lies in the basis too); ``error`` is given the steps between
        results and the preconditioned residuals |z|. Returns the cycles done in all.
        """
        ops, grid = self.ops, self.levels[0].grid
        phases = tuple(b.shape[:-1])
        zero = grid.zeros(phases)
        # Written whole (borders included, zero) before they are read: no clearing needed.
        work = ops.buffer(phases + (grid.size,), zeroed=False)
        basis = ops.buffer((_RESTART + 1,) + phases + (grid.size,), zeroed=False)
        flat, x_flat = basis.reshape(_RESTART + 1, -1), x.reshape(-1)
        restart = False
        while True:
            # z = M^-1 (b - A x): one cycle's update from x.
            ops.copy(work, x)
            self._cycle(0, work, b, "F")
            cycles += 1
            ops.subtract(work, x, out=basis[0])
            beta = ops.norm(basis[0])
            if not restart:  # a restart's first result is the last one before it
                error.step(beta, cycles)
            if error.value <= tol or cycles >= max_cycles or beta == 0.0:
                ops.add(x, basis[0], out=x)
                return cycles
            ops.multiply(basis[0], 1.0 / beta, basis[0])
            hessenberg = np.zeros((_RESTART + 1, _RESTART))
            result = np.array([beta])  # the result is x + V result (V orthonormal)
            for j in range(_RESTART):
                ops.copy(work, basis[j])
                self._cycle(0, work, zero, "F")
                cycles += 1
                ops.subtract(basis[j], work, out=basis[j + 1])
                for _ in range(2):  # classical Gram-Schmidt twice: orthogonal to float32 precision
                    h = ops.inner(flat[: j + 1], flat[j + 1])
                    ops.add_combination(flat[j + 1], flat[: j + 1], -h)
                    hessenberg[: j + 1, j] += h
                hessenberg[j + 1, j] = ops.norm(basis[j + 1])
                columns = hessenberg[: j + 2, : j + 1]
                target = np.zeros(j + 2)
                target[0] = beta
                y = np.linalg.lstsq(columns, target, rcond=None)[0]
                latest = target - columns @ y
                error.note_eigenvalues(np.linalg.eigvals(hessenberg[: j + 1, : j + 1]))
                residual = float(np.linalg.norm(latest))
                latest[: j + 1] += y
                error.step(float(np.linalg.norm(latest - np.append(result, 0.0))), cycles, residual)
                result = latest
                done = error.value <= tol or cycles >= max_cycles or hessenberg[j + 1, j] <= 1e-7 * beta
                if hessenberg[j + 1, j] > 0.0:
                    ops.multiply(basis[j + 1], 1.0 / hessenberg[j + 1, j], basis[j + 1])
                if done:
                    ops.add_combination(x_flat, flat[: j + 2], result)
                    return cycles
            ops.add_combination(x_flat, flat[: j + 2], result)
            restart = True


class _ErrorEstimate:
    """Estimated RMS error of an iteration's latest result, from the steps between results.

    With a per-step contraction rho, what is left after a step dx is about
    |dx| rho / (1 - rho). rho is the last measured |dx_k| / |dx_k-1|, at least
    ``_RATE_FLOOR``, and ``_RATE_UNMEASURED`` after the first step (so that a good
    starting guess can stop after one cycle: when |dx_1| is below tol / 4). Under GMRES
    a step can be small while a slowly converging mode is still far off; that mode shows
    as a small eigenvalue lambda of M^-1 A among the Arnoldi (Ritz) values, and the
    error is then also at least about |z| / lambda for a preconditioned residual z.

    Args:
        size: sqrt of the number of unknowns (to turn norms into RMS values).
    """

    def __init__(self, size: float):
        self.size = size
        self.rate = _RATE_UNMEASURED
        self.value = float("inf")
        self._last = None
        self._smallest = float("inf")

    def step(self, norm: float, cycles: int, residual: float = 0.0) -> None:
        """Take a step of size ``norm`` (and the preconditioned residual after it)."""
        if not norm < float("inf"):
            raise ConvergenceError(f"multigrid produced non-finite values after {cycles} cycles")
        if self._last is not None:
            self.rate = min(max(norm / self._last if self._last > 0 else 0.0, _RATE_FLOOR), 0.97)
        self._last = norm
        self.value = max(norm * self.rate / (1.0 - self.rate), residual / self._smallest) / self.size

    def note_eigenvalues(self, ritz) -> None:
        """Arnoldi's eigenvalue estimates of M^-1 A."""
        self._smallest = min(self._smallest, float(np.abs(ritz).min()) or _TINY)


def solve_multigrid(
    luma, fixed, chroma, ops=None, tol: float = DEFAULT_TOL, max_cycles: int = 60, prior=None, initial=None, report=None
):
    """Solve Levin's equation with multigrid.

    Args:
        luma: HxW float on 0..1.
        fixed: HxW bool, True on hinted pixels.
        chroma: HxWx2 float (I, Q) hint chroma, read where ``fixed``.
        ops: array backend; numpy float32 by default, torch for the GPU.
        tol: estimated RMS chroma error at which to stop.
        max_cycles: upper bound on cycles.
        prior: None, or (prior chroma HxWx2 float, weight HxW float >= 0): the soft prior
            of :mod:`colorcore.levin`.
        initial: None, or an HxWx2 float starting guess (e.g. the previous frame's chroma
            carried by optical flow), used where the prior anchors the solution (see
            :func:`_trusted_start`); without a prior only the hints are used.
        report: None, or a dict that receives "cycles" and "estimated_error".

    Returns:
        HxWx2 float64 chroma (I, Q).

    Raises:
        ConvergenceError: the hierarchy diverged; the caller falls back to the exact solver.
    """
    ops = ops or NumpyBackend()
    weight = None if prior is None else np.asarray(prior[1], dtype=np.float32)
    with ops.reused_buffers():
        operator = LevinOperator(luma, fixed, ops, prior_weight=weight)
        b = ops.asarray(levin_rhs(fixed, chroma, prior, dtype=np.float32))
        start = None
        if initial is not None:
            start = ops.asarray(_trusted_start(fixed, chroma, initial, weight))
        x, cycles, estimate = MultigridSolver(operator, ops).solve(b, initial=start, tol=tol, max_cycles=max_cycles)
        if report is not None:
            report.update(cycles=cycles, estimated_error=estimate)
        return np.moveaxis(ops.to_numpy(x), 0, 2)


def _trusted_start(fixed, chroma, initial, weight):
    """The starting guess the cycles may use: (2, H, W) float32.

    Hints are exact. Elsewhere the guess is trusted in proportion to the prior's weight,
    fully from ``_TRUST_WEIGHT`` up: where nothing anchors the solution (no prior, weak
    luma couplings), a wrong guess is an error that Gauss-Seidel does not smooth and the
    coarse grids cannot represent, and the cycles amplify it instead of removing it.
    Starting from zero there is safe: the error is then the smooth solution itself.
    """
    fixed = np.asarray(fixed, dtype=bool)
    start = np.zeros((2,) + fixed.shape, np.float32)
    if weight is not None:
        trust = np.minimum(weight / _TRUST_WEIGHT, 1.0)
        np.multiply(np.moveaxis(np.asarray(initial), 2, 0), trust, out=start, casting="unsafe")
    start[:, fixed] = np.asarray(chroma)[fixed].T
    return start
