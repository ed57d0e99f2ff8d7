"""The reference solver: Levin's system as a sparse matrix, solved by sparse LU.

Levin's equation (:mod:`colorcore.solvers.levin`): for each pixel r outside the
scribbles, U_r - sum_s w_rs U_s = 0 over its 3x3 neighbours s, with
w_rs ~ exp(-(Y_r - Y_s)^2 / c_r) normalised to sum 1; scribbled pixels are fixed to
their chroma (I, Q in YIQ); a soft prior adds weight_r (U_r - prior_r) on free pixels.

This is the definition the fast solvers are measured against. It assembles the full
n x n system in float64 as Levin's own ``getColorExact`` does (identity rows on hints,
plus the soft prior's weight on the diagonal when there is one), factorises it once with
SuperLU and solves both chroma channels with that factor. Seconds at 854x480 and
gigabytes beyond, which is why :mod:`colorcore.solvers.multigrid` exists: it solves the
same system iteratively, to a tolerance, and must agree with this solver (in dB).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from colorcore.solvers.backend import NumpyBackend
from colorcore.solvers.levin import levin_rhs, levin_stencil


def stencil_to_csr(stencil: np.ndarray) -> sp.csr_matrix:
    """A 9-point stencil of shape (3, 3, H, W) as an (H*W) x (H*W) CSR matrix.

    Pixel (y, x) is row y * W + x; zero coefficients are dropped.
    """
    _, _, height, width = stencil.shape
    index = np.arange(height * width).reshape(height, width)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            coeff = stencil[dy + 1, dx + 1]
            ys = slice(max(0, -dy), height - max(0, dy))
            xs = slice(max(0, -dx), width - max(0, dx))
            c = coeff[ys, xs]
            keep = c != 0
            r = index[ys, xs][keep]
            rows.append(r)
            cols.append(r + dy * width + dx)
            vals.append(c[keep])
    n = height * width
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


def solve_exact(
    luma: np.ndarray,
    fixed: np.ndarray,
    chroma: np.ndarray,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Solve Levin's equation exactly (to float64 round-off).

    Args:
        luma: HxW float on 0..1.
        fixed: HxW bool, True on hinted pixels.
        chroma: HxWx2 float (I, Q) hint chroma, read where ``fixed``.
        prior: None, or (prior chroma HxWx2 float, weight HxW float >= 0): the soft prior
            of :mod:`colorcore.solvers.levin`.

    Returns:
        HxWx2 float64 chroma (I, Q); equal to ``chroma`` on fixed pixels.
    """
    height, width = luma.shape
    weight = None if prior is None else prior[1]
    stencil = levin_stencil(luma, fixed, NumpyBackend(np.float64), prior_weight=weight)
    matrix = stencil_to_csr(stencil).tocsc()
    rhs = levin_rhs(fixed, chroma, prior).reshape(2, -1).T
    solution = spla.splu(matrix).solve(np.ascontiguousarray(rhs))
    return solution.T.reshape(2, height, width).transpose(1, 2, 0)
