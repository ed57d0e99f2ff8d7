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

from colorcore.errors import InputError
from colorcore.solvers.backend import NumpyBackend
from colorcore.solvers.levin import levin_rhs, levin_stencil

#: Largest frame the exact solver takes (1 megapixel: 1280x720 fits). Sparse LU of Levin's
#: system needs about 3.4 KB a pixel at 854x480 (1.35 GB, measured), growing slowly with
#: size; larger frames go to the fast solver.
EXACT_MAX_PIXELS = 1_000_000
# Bytes a pixel budgeted when comparing with the memory available (measured 2.8 KB at
# 427x240, 3.4 KB at 854x480; the LU's fill grows with size).
_BYTES_PER_PIXEL = 4500


def check_exact_size(height: int, width: int) -> None:
    """Refuse a frame the exact solver cannot hold, before allocating anything.

    Raises:
        InputError: more than EXACT_MAX_PIXELS pixels, or an estimated need
            (4.5 KB a pixel) beyond the memory available now; the message says to use
            the fast solver.
    """
    pixels = height * width
    need = pixels * _BYTES_PER_PIXEL
    available = _available_memory()
    if pixels > EXACT_MAX_PIXELS or (available is not None and need > available):
        limit = f"at most {EXACT_MAX_PIXELS / 1e6:g} megapixels"
        if available is not None and need > available:
            limit = f"about {need / 2**30:.1f} GiB needed, {available / 2**30:.1f} GiB available"
        raise InputError(
            f"a {width}x{height} frame is too large for the exact solver ({limit}); use the fast solver (--solver fast)"
        )


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


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

    Raises:
        InputError: the frame is too large to solve exactly (see :func:`check_exact_size`).
    """
    height, width = luma.shape
    check_exact_size(height, width)
    weight = None if prior is None else prior[1]
    stencil = levin_stencil(luma, fixed, NumpyBackend(np.float64), prior_weight=weight)
    matrix = stencil_to_csr(stencil).tocsc()
    rhs = levin_rhs(fixed, chroma, prior).reshape(2, -1).T
    solution = spla.splu(matrix).solve(np.ascontiguousarray(rhs))
    return solution.T.reshape(2, height, width).transpose(1, 2, 0)
