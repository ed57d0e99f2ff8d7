"""GMRES over multigrid cycles, for the frames where plain cycles crawl.

The cycles converge in a few steps on most frames, but crawl (3% a cycle) where hints
reach a region only through strong edges: a few error modes that the coarse grids
represent badly. GMRES, with one cycle as the preconditioner, finds those modes and
removes them in a few steps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from colorcore.solvers.backend import Array, ArrayBackend
from colorcore.solvers.multigrid.convergence import ErrorEstimate

# Arnoldi vectors kept before GMRES restarts: frames that need more are rare.
_RESTART = 10


def gmres(
    cycle: Callable[[Array, Array], None],
    ops: ArrayBackend,
    x: Array,
    b: Array,
    error: ErrorEstimate,
    tol: float,
    cycles: int,
    max_cycles: int,
) -> int:
    """GMRES from x (updated in place), left-preconditioned by a cycle M^-1.

    Arnoldi needs M^-1 A v: a cycle from v with a zero right-hand side gives
    (I - M^-1 A) v, so no separate product with A is needed. Each result is
    x + V y + z, V y the GMRES update and z = M^-1 (b - A (x + V y)) what one more
    cycle would add (it lies in the basis too); ``error`` is given the steps between
    results and the preconditioned residuals |z|.

    Args:
        cycle: ``cycle(v, rhs)`` runs one cycle in place on v for the right-hand side rhs.
        ops: array backend.
        x: the current iterate, any shape of ``ops``'s type (the multigrid's phases).
        b: the right-hand side, of x's shape.
        error: the stop test, already given the steps of the cycles done.
        tol: stop when ``error.value`` is at most this.
        cycles: cycles done so far.
        max_cycles: stop after this many cycles in all.

    Returns:
        The cycles done in all.
    """
    shape = tuple(b.shape)
    zero = ops.buffer(shape)
    # Written whole (borders included, zero) before they are read: no clearing needed.
    work = ops.buffer(shape, zeroed=False)
    basis = ops.buffer((_RESTART + 1,) + shape, zeroed=False)
    flat, x_flat = basis.reshape(_RESTART + 1, -1), x.reshape(-1)
    restart = False
    while True:
        # z = M^-1 (b - A x): one cycle's update from x.
        ops.copy(work, x)
        cycle(work, b)
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
            cycle(work, zero)
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
