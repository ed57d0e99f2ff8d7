"""Levin's equation by multigrid: one frame's luma and hints in, its chroma out."""

from __future__ import annotations

import numpy as np

from colorcore.solvers.backend import ArrayBackend, NumpyBackend
from colorcore.solvers.levin import LevinOperator, levin_rhs
from colorcore.solvers.multigrid.convergence import DEFAULT_TOL
from colorcore.solvers.multigrid.cycle import MultigridSolver

# Prior weight from which a starting guess is trusted fully (see _trusted_start).
_TRUST_WEIGHT = 0.25


def solve_multigrid(
    luma: np.ndarray,
    fixed: np.ndarray,
    chroma: np.ndarray,
    ops: ArrayBackend | None = None,
    tol: float = DEFAULT_TOL,
    max_cycles: int = 60,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    initial: np.ndarray | None = None,
    report: dict | None = None,
) -> np.ndarray:
    """Solve Levin's equation with multigrid.

    Args:
        luma: HxW float on 0..1.
        fixed: HxW bool, True on hinted pixels.
        chroma: HxWx2 float (I, Q) hint chroma, read where ``fixed``.
        ops: array backend; numpy float32 by default, torch for the GPU.
        tol: estimated RMS chroma error at which to stop.
        max_cycles: upper bound on cycles.
        prior: None, or (prior chroma HxWx2 float, weight HxW float >= 0): the soft prior
            of :mod:`colorcore.solvers.levin`.
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


def _trusted_start(fixed: np.ndarray, chroma: np.ndarray, initial: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
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
