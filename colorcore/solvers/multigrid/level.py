"""One level of the hierarchy: a grid's operator, its smoother, and the transfers to the next grid.

The coarse operator is the Galerkin product R A P (:func:`galerkin`), so coarse grids
inherit the fine operator's edges instead of re-deriving them from blurred luma;
positive off-diagonal coefficients of R A P are lumped onto the diagonal
(:func:`lump_positive`): on some photographs they are as large as the diagonal, and the
cycles then diverge. The smoother is Gauss-Seidel in four colours, the phases of
:mod:`~colorcore.solvers.multigrid.grid`: pixels of one colour never touch each other
in a 3x3 stencil, so each colour is one vectorised update.

CPU work writes into preallocated buffers, lent again to the next solve of the same size
(:meth:`colorcore.solvers.backend.NumpyBackend.reused_buffers`): on the CPU a fresh
temporary per operation costs as much as the operation.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np

from colorcore.solvers.backend import Array, ArrayBackend
from colorcore.solvers.multigrid.grid import CENTRE, NINE, PHASES, Grid, Phase, coeff, neighbour
from colorcore.solvers.multigrid.transfer import Coefficients, interpolation, times_interpolation

SWEEP: tuple[Phase, ...] = ((0, 0), (1, 1), (0, 1), (1, 0))  # colour order of a forward Gauss-Seidel sweep

# What x is when a sweep starts: anything, zero, or the result of a reverse sweep.
Start: TypeAlias = Literal["any", "zero", "smoothed"]
# One step of a kernel: (function, *arguments), called as function(*arguments).
Step: TypeAlias = tuple[Any, ...]


def galerkin(
    coeffs: Coefficients, prolong: dict[Phase, Array], restrict: dict[Phase, Array], grid: Grid, scratch: Array
) -> Array:
    """The coarse operator R A P: a (3, 3, size) stack of grid arrays, the coarse stencil.

    ``prolong`` and ``restrict`` are :func:`~colorcore.solvers.multigrid.transfer.interpolation`
    of A and of A^T (R = P'^T); ``scratch`` is a (3, 3, rows * pitch) buffer.
    """
    ops = grid.ops
    coarse, products = grid.zeros((3, 3)), grid.zeros((3, 3))
    for p in PHASES:
        times_interpolation(coeffs, p, prolong, grid, products, scratch)
        # A P at the phase-p points reaches the offsets t from -1 along an axis where p
        # is even, from 0 where it is odd (stacked from index t + 1), up to 1.
        ty, tx = slice(1 if p[0] else 0, 3), slice(1 if p[1] else 0, 3)
        reach = products[ty, tx]
        work = scratch[: ty.stop - ty.start, : tx.stop - tx.start]
        ny, nx = restrict[p].shape[:2]
        for dy in range(ny):
            for dx in range(nx):
                # The phase-p point (I, J) - d restricts to coarse (I, J) with weight
                # R_p[d], and reaches coarse (I, J) - d + t through A P.
                back = (-dy, -dx)
                target = grid.span(coarse[ty.start - dy : ty.stop - dy, tx.start - dx : tx.stop - dx])
                ops.add_product(target, grid.span(restrict[p][dy, dx], back), grid.span(reach, back), work)
    return coarse


def lump_positive(stencil: Array, grid: Grid) -> Array:
    """Move positive off-diagonal coefficients of a (3, 3, size) stencil onto its centre.

    Galerkin products of Levin's non-symmetric operator have positive couplings as large
    as the centre on some images; Gauss-Seidel then diverges on the coarse grids. Lumping
    keeps every row sum (constants stay in the null space) and makes the rows diagonally
    dominant again; the coarse correction is then slightly less exact, not divergent.
    """
    coeffs = grid.span(stencil)
    positive = grid.ops.maximum(coeffs, 0.0)
    positive[1, 1] = 0.0
    coeffs -= positive
    coeffs[1, 1] += positive.sum((0, 1))
    return stencil


class Level:
    """One grid above the coarsest: its operator, transfers to the next grid, and buffers.

    Args:
        stencil: (2, 2, 3, 3, size) phase-layout stencil on ``grid``.
        height, width: the grid's size in pixels (H, W).
        grid: its phase layout (ceil(H/2) x ceil(W/2) points per phase).
        channels: right-hand sides solved together (2: I and Q).
        ops: array backend.
    """

    def __init__(self, stencil: Array, height: int, width: int, grid: Grid, channels: int, ops: ArrayBackend):
        self.ops, self.grid = ops, grid
        self.height, self.width = height, width
        self.stencil = stencil
        coeffs = Coefficients(stencil, grid)
        scratch = ops.buffer((3, 3, grid.rows * grid.pitch), zeroed=False)
        self.prolong = interpolation(coeffs, grid, scratch)
        self.restrict = interpolation(Coefficients(stencil, grid, transposed=True), grid, scratch)
        self.coarse_stencil = lump_positive(galerkin(coeffs, self.prolong, self.restrict, grid, scratch), grid)
        # The cycle's terms, with shifts as offsets in the flat grid arrays (see Grid).
        shift = grid.offset
        self.couplings = {
            p: [(coeff(stencil, p, e), q, shift(s)) for e in NINE if e != CENTRE for q, s in [neighbour(p, e)]]
            for p in PHASES
        }
        # Restriction gathers onto coarse (I, J) the share R_p[d] of the phase-p point (I, J) - d.
        self.gathers = [
            (p, self.restrict[p][d], shift((-d[0], -d[1])))
            for p in PHASES[1:]
            for d in np.ndindex(*self.restrict[p].shape[:2])
        ]
        self.scatters = {
            p: [(self.prolong[p][d], shift(d)) for d in np.ndindex(*self.prolong[p].shape[:2])] for p in PHASES[1:]
        }
        # Levin's rows without a prior have 1 on the diagonal: nothing to divide by.
        diagonal = grid.interior(stencil[:, :, 1, 1])
        self.inv_diagonal: Array | None = None
        if not bool((diagonal == 1.0).all()):
            self.inv_diagonal = grid.zeros((2, 2))
            grid.interior(self.inv_diagonal)[...] = 1.0 / diagonal
        phases = (2, 2, channels)
        self.residual = grid.zeros(phases)
        # The unknowns and right-hand side (phases) when this is a coarse grid; the finest
        # grid works on the solve's own arrays.
        self.x: Array = None
        self.b: Array = None
        self.scratch = ops.buffer((channels, grid.rows * grid.pitch), zeroed=False)
        self.coarse_rhs = grid.zeros((channels,))  # the next grid's points, natural layout
        self.correction = grid.zeros((channels,))
        self._plans: dict[Hashable, tuple[Sequence[Array], list[Step]]] = {}  # see _run

    def _run(self, key: Hashable, arrays: Sequence[Array], build: Callable[[int, int, Array], list[Step]]) -> None:
        """Run a kernel given as steps ``(function, *arguments)``.

        ``build(start, stop, scratch)`` makes the steps: [start, stop) is the span of the
        points in the flat grid arrays (shifted by an offset to read neighbours),
        ``scratch`` the level's buffer. The steps, views included, are made once and kept
        while the kernel works on the same ``arrays``: on small grids slicing costs as
        much as the arithmetic.
        """
        known = self._plans.get(key)
        if known is None or any(a is not b for a, b in zip(known[0], arrays)):
            start = self.grid.start
            known = self._plans[key] = (arrays, build(start, start + self.grid.span_length, self.scratch))
        for function, *arguments in known[1]:
            function(*arguments)

    def smooth(self, x: Array, b: Array, reverse: bool = False, start: Start = "any") -> None:
        """One four-colour Gauss-Seidel sweep on phases x (in place).

        A colour's new values depend on the other colours only, which saves work on a
        forward sweep's first colour: with ``start="zero"`` (x is zero) it is b / a0,
        and with ``start="smoothed"`` (x comes from a reverse sweep, which ended with
        that colour) it is already up to date.
        """
        ops = self.ops
        colours = list(reversed(SWEEP) if reverse else SWEEP)
        if start == "smoothed" and not reverse:
            colours = colours[1:]
        for p in colours:
            neighbours = [] if start == "zero" and not reverse and p == SWEEP[0] else self.couplings[p]

            def colour(
                first: int, stop: int, scratch: Array, p: Phase = p, neighbours: list = neighbours
            ) -> list[Step]:
                # No phase-p point couples to another, so x_p is updated where it lies.
                xp, base = x[p][..., first:stop], b[p][..., first:stop]
                steps: list[Step] = [] if neighbours else [(ops.copy, xp, base)]
                for coeff_, q, offset in neighbours:
                    steps.append(
                        (
                            ops.sub_product,
                            xp,
                            coeff_[first:stop],
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

    def restrict_residual(self, x: Array, b: Array) -> Array:
        """R (b - A x): a grid array whose points are the next grid's right-hand side.

        x comes from a forward sweep, whose last colour has zero residual.
        """
        ops, r = self.ops, self.residual
        skip = SWEEP[-1]

        def residual(start: int, stop: int, scratch: Array) -> list[Step]:
            steps: list[Step] = []
            for p in PHASES:
                if p == skip:
                    continue
                rp, centre = r[p][..., start:stop], coeff(self.stencil, p, CENTRE)[start:stop]
                steps.append((ops.sub_product, rp, centre, x[p][..., start:stop], scratch, b[p][..., start:stop]))
                for coeff_, q, offset in self.couplings[p]:
                    steps.append(
                        (ops.sub_product, rp, coeff_[start:stop], x[q][..., start + offset : stop + offset], scratch)
                    )
            return steps

        self._run(("residual",), (x, b), residual)
        return self.restrict_phases(r, skip)

    def restrict_phases(self, v: Array, skip: Phase | None = None) -> Array:
        """R v for phases v: a grid array (the level's buffer) whose points are the result.

        ``skip``: a phase left out (known to be zero).
        """
        ops, out = self.ops, self.coarse_rhs

        def gather(start: int, stop: int, scratch: Array) -> list[Step]:
            o, base = out[..., start:stop], v[0, 0][..., start:stop]  # the coarse point itself, weight 1
            steps: list[Step] = []
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

    def prolong_add(self, x: Array, correction: Array, skip: Phase | None = None) -> None:
        """x += P e for phases x and a coarse correction e given as a grid array.

        ``skip``: a phase left out (the next sweep recomputes it from its neighbours).
        """
        ops = self.ops

        def scatter(start: int, stop: int, scratch: Array) -> list[Step]:
            x00 = x[0, 0][..., start:stop]
            steps: list[Step] = [(ops.add, x00, correction[..., start:stop], x00)]
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
