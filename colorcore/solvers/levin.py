"""Levin, Lischinski and Weiss (2004), "Colorization using optimization": the equation.

This module is the definition; read it first. Chroma is in YIQ (Y = .299 R + .587 G +
.114 B on 0..1); the luma Y is given and kept, the chroma U (I, then Q) is solved for.
For each pixel r outside the scribbles, with 3x3 neighbours s (the window is clipped at
the image border):

    U_r - sum_s w_rs U_s = 0,    w_rs ~ exp(-(Y_r - Y_s)^2 / c_r),  sum_s w_rs = 1,
    c_r = max(0.6 var_r, -min_s (Y_s - Y_r)^2 / ln(0.01), 2e-6),

var_r being the population variance of the window's lumas (centre included). Scribbled
pixels are fixed to their chroma. The system is the same for I and Q: one matrix, two
right-hand sides.

A soft prior (used by video propagation: chroma carried from a neighbouring frame, with
a confidence) adds a pull towards ``prior_r`` with strength ``weight_r`` >= 0 on free
pixels: ``(U_r - sum_s w_rs U_s) + weight_r (U_r - prior_r) = 0``. Weight 0 is plain
Levin; with a positive weight somewhere the system is well posed even without scribbles.

The operator is kept as a 9-point stencil: an array ``S`` of shape (3, 3, H, W) where
``S[dy + 1, dx + 1, y, x]`` multiplies U at (y + dy, x + dx) in the equation of pixel
(y, x); coefficients that would reach outside the image are zero. Every solver starts
from it and solves this same system:

- :mod:`colorcore.solvers.exact` writes it out as a sparse matrix and factorises it (the
  reference, exact to round-off);
- :mod:`colorcore.solvers.multigrid` works on the stencil directly: an accelerated
  iterative solver of the same equations, stopped at a tolerance, checked against the
  exact one in dB.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from colorcore.solvers.backend import Array, ArrayBackend, NumpyBackend

OFFSETS = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0))
_LN_001 = math.log(0.01)
_CHUNK_ROWS = 32


class _Luma:
    """Luma with a border of zeros, read at a selection of pixels moved by a neighbour offset.

    Selections are slices of rows and columns with step 1 (all pixels) or 2 (one parity:
    the multigrid solver's layout); a parity is read from a copy of the luma split by
    parities, whose rows and columns are contiguous, not through stride-2 views.
    """

    def __init__(self, luma: Array, ops: ArrayBackend):
        self.ops = ops
        self.height, self.width = luma.shape
        self.padded = _padded(ops.asarray(luma), ops)
        self._parities: list[list[Array]] | None = None

    def select(self, ys: slice, xs: slice, dy: int = 0, dx: int = 0) -> Array:
        """Pixels (ys, xs) moved by (dy, dx): an (h, w) view; zero beyond the image."""
        h, w = len(range(ys.start, ys.stop, ys.step)), len(range(xs.start, xs.stop, xs.step))
        if ys.step == 1 and xs.step == 1:
            return self.padded[1 + ys.start + dy : 1 + ys.start + dy + h, 1 + xs.start + dx : 1 + xs.start + dx + w]
        # Row ys.start + dy + 2r lies in parity (ys.start + dy) % 2, at its row (ys.start + dy) // 2 + r.
        first_row, first_col = ys.start + dy, xs.start + dx
        parity = self.parities()[first_row % 2][first_col % 2]
        return parity[1 + first_row // 2 : 1 + first_row // 2 + h, 1 + first_col // 2 : 1 + first_col // 2 + w]

    def parities(self) -> list[list[Array]]:
        """The bordered luma split by parity: ``[py][px]`` holds the pixels (2i + py, 2j + px)."""
        if self._parities is None:
            rows, cols = (self.height + 1) // 2, (self.width + 1) // 2
            self._parities = [[self.ops.zeros((rows + 2, cols + 2)) for _ in range(2)] for _ in range(2)]
            for py in range(2):
                for px in range(2):
                    part = self.padded[1 + py : 1 + self.height : 2, 1 + px : 1 + self.width : 2]
                    self._parities[py][px][1 : 1 + part.shape[0], 1 : 1 + part.shape[1]] = part
        return self._parities


def _position(sl: slice, coordinate: int) -> int | None:
    """Where image ``coordinate`` falls in the pixels ``sl`` selects, or None."""
    if sl.start <= coordinate < sl.stop and (coordinate - sl.start) % sl.step == 0:
        return (coordinate - sl.start) // sl.step
    return None


def _raw_affinities(luma: _Luma, ys: slice, xs: slice, ops: ArrayBackend) -> tuple[Array, Array]:
    """Unnormalised weights exp(-(Y_r - Y_s)^2 / c_r) of the pixels (ys, xs).

    Args:
        luma: the frame's luma.
        ys, xs: the pixels, as slices of range(H) and range(W) with a step (1, or 2 for
            one parity).

    Returns:
        (raw, total): raw is (8, h, w), entry k for the neighbour ``OFFSETS[k]``, zero
        where that neighbour is outside the image; total is their sum, (h, w).
    """
    height, width = luma.height, luma.width
    centre = luma.select(ys, xs)
    h, w = centre.shape
    # Pixels on the image's edges, as positions in the selection (or None).
    top, bottom = _position(ys, 0), _position(ys, height - 1)
    left, right = _position(xs, 0), _position(xs, width - 1)

    def outside(dy: int, dx: int) -> list[tuple[int | slice, int | slice]]:
        """Indices (row, column) of the selection whose neighbour (dy, dx) is outside the image."""
        row = top if dy == -1 else bottom if dy == 1 else None
        col = left if dx == -1 else right if dx == 1 else None
        where: list[tuple[int | slice, int | slice]] = []
        if row is not None:
            where.append((row, slice(None)))
        if col is not None:
            where.append((slice(None), col))
        return where

    # Work on differences Y_s - Y_r: the variance is shift-invariant, and differences of
    # similar lumas keep their precision in float32.
    diff = ops.zeros((len(OFFSETS), h, w))
    for k, (dy, dx) in enumerate(OFFSETS):
        ops.subtract(luma.select(ys, xs, dy, dx), centre, out=diff[k])
        for where in outside(dy, dx):
            diff[k][where] = 0.0
    # Window size (centre included): 9 inside, 6 on an edge, 4 in a corner.
    row_count, col_count = np.full(h, 3.0), np.full(w, 3.0)
    for counts, edge in ((row_count, top), (row_count, bottom), (col_count, left), (col_count, right)):
        if edge is not None:
            counts[edge] -= 1
    inv_count = ops.asarray(1.0 / row_count)[:, None] * ops.asarray(1.0 / col_count)[None, :]

    squared = diff * diff
    mean = diff.sum(0) * inv_count
    variance = squared.sum(0) * inv_count - mean * mean
    for k, (dy, dx) in enumerate(OFFSETS):
        for where in outside(dy, dx):
            squared[k][where] = float("inf")  # exp(-inf) = 0: no weight outside
    nearest = squared[0] * 1.0
    for k in range(1, len(OFFSETS)):
        ops.minimum(nearest, squared[k], out=nearest)
    ops.minimum(nearest, 1.0, out=nearest)  # a 1-pixel image has no neighbour at all
    nearest *= -1.0 / _LN_001
    variance *= 0.6
    c = ops.maximum(ops.maximum(variance, nearest, out=variance), 2e-6, out=variance)
    squared *= -1.0 / c
    raw = ops.exp(squared, out=squared)
    return raw, raw.sum(0)


def _padded(y: Array, ops: ArrayBackend) -> Array:
    height, width = y.shape
    padded = ops.zeros((height + 2, width + 2))
    padded[1:-1, 1:-1] = y
    return padded


def _rows_of(sl: slice, rows: slice) -> slice:
    """The part of the pixel selection ``sl`` at positions ``rows``."""
    return slice(sl.start + rows.start * sl.step, sl.start + rows.stop * sl.step, sl.step)


def affinity_weights(luma: Array, ops: ArrayBackend | None = None) -> Array:
    """Levin's normalised neighbour weights.

    Args:
        luma: HxW float array on 0..1 (numpy, or a tensor of ``ops``).
        ops: array backend (:mod:`colorcore.solvers.backend`); numpy float32 by default.

    Returns:
        (8, H, W) array in [0, 1] of ``ops``'s type: entry k is w_rs for the neighbour at
        ``OFFSETS[k]``, zero where that neighbour is outside the image; the eight sum to 1.
    """
    ops = ops or NumpyBackend()
    image = _Luma(luma, ops)
    raw, total = _raw_affinities(image, slice(0, image.height, 1), slice(0, image.width, 1), ops)
    return raw / ops.maximum(total, 1e-30)


class LevinOperator:
    """Levin's system for one frame, ready to be written out as stencil rows.

    Args:
        luma: HxW float on 0..1.
        fixed: HxW bool (numpy), True where a hint fixes the chroma.
        ops: array backend; numpy float32 by default.
        prior_weight: None, or HxW float >= 0 (numpy): strength of the soft prior.
    """

    def __init__(
        self,
        luma: Array,
        fixed: np.ndarray,
        ops: ArrayBackend | None = None,
        prior_weight: np.ndarray | None = None,
    ):
        self.ops: ArrayBackend = ops or NumpyBackend()
        self.luma = _Luma(luma, self.ops)
        self.height, self.width = self.luma.height, self.luma.width
        self.free = self.ops.asarray(~np.asarray(fixed, dtype=bool))
        self.centre: float | Array = 1.0 if prior_weight is None else 1.0 + self.ops.asarray(prior_weight) * self.free

    def write(self, out: Array, ys: slice | None = None, xs: slice | None = None) -> None:
        """Write the stencil rows of the pixels (ys, xs) into ``out``.

        Args:
            out: (3, 3, h, w) array or view of ``ops``'s type, for the h x w pixels selected.
            ys, xs: slices of range(H) and range(W) with a step; all pixels by default.
        """
        ops = self.ops
        ys = ys or slice(0, self.height, 1)
        xs = xs or slice(0, self.width, 1)
        # In chunks of rows: the temporaries of a chunk stay in the cache.
        rows = out.shape[2]
        for start in range(0, rows, _CHUNK_ROWS):
            chunk = slice(start, min(start + _CHUNK_ROWS, rows))
            pixels = _rows_of(ys, chunk)
            raw, total = _raw_affinities(self.luma, pixels, xs, ops)
            scale = -self.free[pixels, xs] / ops.maximum(total, 1e-30)
            for k, (dy, dx) in enumerate(OFFSETS):
                ops.multiply(raw[k], scale, out=out[dy + 1, dx + 1, chunk])
            out[1, 1, chunk] = self.centre if isinstance(self.centre, float) else self.centre[pixels, xs]


def levin_stencil(
    luma: Array, fixed: np.ndarray, ops: ArrayBackend | None = None, prior_weight: np.ndarray | None = None
) -> Array:
    """Levin's system as a 9-point stencil (see the module docstring).

    Args:
        luma: HxW float on 0..1.
        fixed: HxW bool (numpy), True where a hint fixes the chroma.
        ops: array backend; numpy float32 by default.
        prior_weight: None, or HxW float >= 0 (numpy): strength of the soft prior.

    Returns:
        (3, 3, H, W) stencil: -w_rs on free pixels' neighbours, 1 (+ prior weight) at the
        centre; a fixed pixel's row is the identity.
    """
    operator = LevinOperator(luma, fixed, ops, prior_weight)
    stencil = operator.ops.zeros((3, 3, operator.height, operator.width))
    operator.write(stencil)
    return stencil


def levin_rhs(
    fixed: np.ndarray,
    chroma: np.ndarray,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    dtype: npt.DTypeLike = np.float64,
) -> np.ndarray:
    """Right-hand side of Levin's system: hint chroma on fixed pixels, else the prior's pull.

    Args:
        fixed: HxW bool.
        chroma: HxWx2 float (I, Q), read where ``fixed``.
        prior: None, or (prior_chroma HxWx2 float, weight HxW float >= 0).
        dtype: of the result.

    Returns:
        2xHxW, channel-first as the solvers want it: ``chroma`` on fixed pixels,
        ``weight * prior_chroma`` on free ones (0 without a prior).
    """
    fixed = np.asarray(fixed, dtype=bool)
    rhs = np.zeros((2,) + fixed.shape, dtype=dtype)
    if prior is not None:
        prior_chroma, weight = prior
        np.multiply(np.moveaxis(np.asarray(prior_chroma), 2, 0), weight, out=rhs, casting="unsafe")
    rhs[:, fixed] = np.asarray(chroma)[fixed].T
    return rhs
