"""Levin, Lischinski and Weiss (2004), "Colorization using optimization": the equation.

For each pixel r outside the scribbles, with 3x3 neighbours s (the window is clipped at
the image border):

    U_r - sum_s w_rs U_s = 0,    w_rs ~ exp(-(Y_r - Y_s)^2 / c_r),  sum_s w_rs = 1,
    c_r = max(0.6 var_r, -min_s (Y_s - Y_r)^2 / ln(0.01), 2e-6),

var_r being the population variance of the window's lumas (centre included), Y on 0..1.
Scribbled pixels are fixed to their chroma. The system is the same for I and Q.

The operator is kept as a 9-point stencil: an array ``S`` of shape (3, 3, H, W) where
``S[dy + 1, dx + 1, y, x]`` multiplies U at (y + dy, x + dx) in the equation of pixel
(y, x); coefficients that would reach outside the image are zero. Both solvers start
from it: :mod:`colorcore.solve_exact` turns it into a sparse matrix,
:mod:`colorcore.multigrid` works on it directly.
"""

from __future__ import annotations

import math

import numpy as np

from .backend import NumpyBackend

OFFSETS = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0))
_LN_001 = math.log(0.01)


def shifted(padded, dy: int, dx: int, height: int, width: int):
    """The view of a 1-padded (..., H+2, W+2) array that puts neighbour (dy, dx) at (y, x)."""
    return padded[..., 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]


def affinity_weights(luma, ops=None):
    """Levin's normalised neighbour weights.

    Args:
        luma: HxW float array on 0..1 (numpy, or a tensor of ``ops``).
        ops: array backend (:mod:`colorcore.backend`); numpy float32 by default.

    Returns:
        (8, H, W) array in [0, 1] of ``ops``'s type: entry k is w_rs for the neighbour at
        ``OFFSETS[k]``, zero where that neighbour is outside the image; the eight sum to 1.
    """
    ops = ops or NumpyBackend()
    y = ops.asarray(luma)
    height, width = y.shape
    padded = ops.zeros((height + 2, width + 2))
    padded[1:-1, 1:-1] = y
    inside = ops.zeros((height + 2, width + 2))
    inside[1:-1, 1:-1] = 1.0

    neighbours = [shifted(padded, dy, dx, height, width) for dy, dx in OFFSETS]
    valid = [shifted(inside, dy, dx, height, width) for dy, dx in OFFSETS]
    count = 1.0 + sum(valid)
    mean = (y + sum(v * n for v, n in zip(valid, neighbours))) / count
    variance = ((y - mean) ** 2 + sum(v * (n - mean) ** 2 for v, n in zip(valid, neighbours))) / count

    squared = [(n - y) ** 2 for n in neighbours]
    nearest = squared[0] + (1.0 - valid[0]) * 1e30
    for d2, v in zip(squared[1:], valid[1:]):
        nearest = ops.minimum(nearest, d2 + (1.0 - v) * 1e30)
    c = ops.maximum(ops.maximum(0.6 * variance, nearest / -_LN_001), 2e-6)

    raw = [v * ops.exp(-d2 / c) for v, d2 in zip(valid, squared)]
    total = sum(raw)
    weights = ops.zeros((len(OFFSETS), height, width))
    for k, a in enumerate(raw):
        weights[k] = a / total
    return weights


def levin_stencil(luma, fixed, ops=None):
    """Levin's system as a 9-point stencil (see the module docstring).

    Args:
        luma: HxW float on 0..1.
        fixed: HxW bool (numpy), True where a hint fixes the chroma.
        ops: array backend; numpy float32 by default.

    Returns:
        (3, 3, H, W) stencil: 1 at the centre; -w_rs on free pixels' neighbours; a fixed
        pixel's row is the identity.
    """
    ops = ops or NumpyBackend()
    weights = affinity_weights(luma, ops)
    free = 1.0 - ops.asarray(np.asarray(fixed, dtype=np.float32))
    height, width = free.shape
    stencil = ops.zeros((3, 3, height, width))
    stencil[1, 1] = 1.0
    for k, (dy, dx) in enumerate(OFFSETS):
        stencil[dy + 1, dx + 1] = -weights[k] * free
    return stencil


def hint_rhs(fixed: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Right-hand side of Levin's system: the hint chroma on fixed pixels, 0 elsewhere.

    Args:
        fixed: HxW bool.
        chroma: HxWx2 float (I, Q).

    Returns:
        2xHxW float64, channel-first as the solvers want it.
    """
    return np.where(fixed[None], np.moveaxis(np.asarray(chroma, dtype=np.float64), 2, 0), 0.0)
