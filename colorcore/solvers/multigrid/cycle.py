"""The hierarchy of grids and the cycles over it: F-cycle first, V-cycles on, GMRES if they crawl.

Coarse grids keep every other row and column, down to a grid of a few hundred pixels
solved by sparse LU. The solve starts with an F-cycle (each coarse-grid correction an
F-cycle followed by a V-cycle on the next grid): from zero it is as good as full
multigrid, and regions that the hints reach only through strong edges (a rim, a strip
of sky) get their colour in it. V-cycles, at two thirds of the cost, finish; where they
slow down, GMRES over F-cycles (:mod:`~colorcore.solvers.multigrid.krylov`) takes over.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import scipy.sparse.linalg as spla

from colorcore.solvers.backend import Array, ArrayBackend
from colorcore.solvers.exact import stencil_to_csr
from colorcore.solvers.levin import LevinOperator
from colorcore.solvers.multigrid.convergence import DEFAULT_TOL, ConvergenceError, ErrorEstimate
from colorcore.solvers.multigrid.grid import Grid, fine_stencil, from_phases, to_phases
from colorcore.solvers.multigrid.krylov import gmres
from colorcore.solvers.multigrid.level import SWEEP, Level, Start

# The coarsest grid is solved by sparse LU: about a millisecond to factor at this size.
_COARSEST_PIXELS = 500
# F-cycles recurse as F-cycles down to grids of this many pixels, and as V-cycles below:
# there the extra visits cost Python overhead and bring no faster convergence.
_F_MIN_PIXELS = 10_000
# Measured contraction of the updates per cycle above which GMRES takes over from plain
# cycles: slower than this, GMRES reaches the tolerance in fewer cycles.
_KRYLOV_RATE = 0.5
# Estimated error, in tolerances, still accepted when the cycles run out.
_GIVE_UP = 10

Kind: TypeAlias = Literal["F", "V"]


class MultigridSolver:
    """Multigrid for one 9-point stencil; reusable for several right-hand sides.

    Args:
        stencil: (3, 3, H, W) array of ``ops``'s type, diagonally dominant as Levin's is,
            or a :class:`~colorcore.solvers.levin.LevinOperator` (written straight into
            the finest grid's layout).
        ops: array backend.
        channels: number of right-hand sides solved together.
    """

    def __init__(self, stencil: Array | LevinOperator, ops: ArrayBackend, channels: int = 2):
        self.ops = ops
        if isinstance(stencil, LevinOperator):
            height, width = stencil.height, stencil.width
        else:
            height, width = stencil.shape[-2:]
        self.height, self.width = height, width
        self.levels: list[Level] = []
        while height * width > _COARSEST_PIXELS:
            grid = Grid((height + 1) // 2, (width + 1) // 2, ops)
            level = Level(fine_stencil(stencil, grid), height, width, grid, channels, ops)
            if self.levels:  # the finest grid works on the solve's own arrays
                level.x, level.b = grid.zeros((2, 2, channels)), grid.zeros((2, 2, channels))
            self.levels.append(level)
            stencil, height, width = grid.interior(level.coarse_stencil), grid.rows, grid.cols
        if isinstance(stencil, LevinOperator):  # the whole image is tiny
            natural = ops.zeros((3, 3, height, width))
            stencil.write(natural)
            stencil = natural
        self.coarse_lu = spla.splu(stencil_to_csr(ops.to_numpy(stencil)).tocsc())

    def _direct(self, b: Array, out: Array) -> None:
        """Coarsest grid: out = A^-1 b by sparse LU, natural (C, h, w)."""
        flat = self.ops.to_numpy(b).reshape(b.shape[0], -1).T
        self.ops.copy(out, self.ops.asarray(self.coarse_lu.solve(np.ascontiguousarray(flat)).T.reshape(tuple(b.shape))))

    def _cycle(self, depth: int, x: Array, b: Array, kind: Kind = "F", start: Start = "any") -> None:
        """One cycle on grid ``depth``, in place on phases x: smooth, correct, smooth.

        The correction solves the next grid's residual equation from zero: exactly on
        the coarsest grid, else with an F-cycle followed by a V-cycle ("F") or with one
        V-cycle ("V"). F-cycles cost about 1.5 V-cycles and converge about as fast as
        W-cycles: regions that only strong edges connect need the extra coarse work.
        ``start`` says what x is (see :meth:`Level.smooth`).
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
        reverse_first = SWEEP[-1]
        level.prolong_add(x, level.correction, skip=reverse_first)
        level.smooth(x, b, reverse=True)

    def solve(
        self, b: Array, initial: Array | None = None, tol: float = DEFAULT_TOL, max_cycles: int = 60
    ) -> tuple[Array, int, float]:
        """Solve A x = b: an F-cycle, then V-cycles, then GMRES if the cycles slow down.

        When a cycle shrinks the update by less than ``_KRYLOV_RATE``, GMRES over
        F-cycles takes over (:func:`~colorcore.solvers.multigrid.krylov.gmres`).

        The stop test (:class:`~colorcore.solvers.multigrid.convergence.ErrorEstimate`)
        estimates the remaining error from the updates; a residual test would stop too
        early on weakly coupled regions (small residual, large error).

        Args:
            b: (C, H, W) array of ``ops``'s type.
            initial: None (start from zero), or a (C, H, W) starting guess.
            tol: stop when the estimated RMS error of x is below this.
            max_cycles: upper bound on cycles.

        Returns:
            (x, cycles, estimated RMS error): x is (C, H, W) of ``ops``'s type.

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
        error = ErrorEstimate(float(b.shape[0] * self.height * self.width) ** 0.5)
        start: Start = "zero" if initial is None else "any"
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
                cycle = gmres(self._f_cycle, ops, x, bp, error, tol, cycle, max_cycles)
                break
        if error.value > _GIVE_UP * tol:
            raise ConvergenceError(f"multigrid did not converge in {cycle} cycles")
        return from_phases(x, grid, out), cycle, error.value

    def _f_cycle(self, x: Array, b: Array) -> None:
        """One F-cycle on the finest grid, in place on phases x: GMRES's preconditioner."""
        self._cycle(0, x, b, "F")
