"""The fast solver: geometric multigrid on Levin's stencil, for numpy or torch.

Levin's system is a diffusion: colour spreads from the hints along similar luma. Simple
iterations need about (distance to the nearest hint)^2 sweeps; multigrid needs a few
V-cycles whatever the distance. Design, all of it on 9-point stencils so that one
vectorised implementation runs on numpy (CPU) and on torch (GPU):

- Coarse grids keep every other row and column. Prolongation P is bilinear; restriction
  is P^T. Coarse operators are Galerkin products A_c = P^T A P, so they inherit the
  fine operator's edges instead of re-deriving them from blurred luma (rediscretisation
  loses thin edges and with them convergence). P^T A P of a 9-point stencil is again a
  9-point stencil; it is built one axis at a time.
- The smoother is Gauss-Seidel in four colours (the parities of y and x): pixels of one
  colour never touch each other in a 3x3 stencil, so each colour is one vectorised update.
- The coarsest grid (a few hundred pixels) is solved with a dense inverse.

The V-cycles stop when the estimated error of the solution is below ``tol`` (see
:meth:`MultigridSolver.solve`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backend import NumpyBackend
from .levin import hint_rhs, levin_stencil
from .solve_exact import stencil_to_csr

_COARSEST_PIXELS = 600
# Estimated RMS chroma error at which V-cycles stop. One unit of I or Q moves R, G, B by
# about one unit, so 2e-3 is about half an 8-bit level: 45 dB or more of agreement with
# the exact solver on photographs and on the hard synthetic images of the tests.
DEFAULT_TOL = 2e-3
_COLOURS = ((0, 0), (1, 1), (0, 1), (1, 0))
_NINE = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def _fine(a, py: int, px: int, m_y: int, m_x: int):
    """Values of a 1-padded fine array (..., H+2, W+2) at fine points (2I + py, 2J + px)."""
    return a[..., 1 + py : 1 + py + 2 * m_y : 2, 1 + px : 1 + px + 2 * m_x : 2]


def _coarse(a, dy: int, dx: int, m_y: int, m_x: int):
    """Values of a 1-padded coarse array (..., Hc+2, Wc+2) at coarse points (I + dy, J + dx)."""
    return a[..., 1 + dy : 1 + dy + m_y, 1 + dx : 1 + dx + m_x]


def _prolongation(stencil, ops):
    """Operator-dependent (Dendy's black-box) interpolation weights for a 9-point stencil.

    A fine point between two coarse points takes them in proportion to its couplings
    to each side, so corrections do not leak across luma edges, and a hinted pixel
    (identity row) receives no correction at all.

    Args:
        stencil: (3, 3, H, W).

    Returns:
        (3, 3, Hc, Wc) weights, Hc = (H + 1) // 2: entry [ay + 1, ax + 1, I, J] is the
        weight with which coarse point (I, J) feeds fine point (2I + ay, 2J + ax).
    """
    _, _, height, width = stencil.shape
    m_y, m_x = (height + 1) // 2, (width + 1) // 2
    padded = ops.zeros((3, 3, height + 2 + 2, width + 2 + 2))
    padded[..., 1 : 1 + height, 1 : 1 + width] = stencil
    tiny = 1e-20

    def clip(w):  # weights stay in [0, 1] even where a coarse operator is not an M-matrix
        return ops.minimum(ops.maximum(w, 0.0), 1.0)

    def at(dy, dx, py, px):  # stencil coefficient (dy, dx) at fine points (2I+py, 2J+px)
        return _fine(padded[dy + 1, dx + 1], py, px, m_y, m_x)

    def split(py, px, axis):
        """Weights towards the lower and upper coarse neighbour along ``axis``."""
        if axis == "x":
            low = -(at(-1, -1, py, px) + at(0, -1, py, px) + at(1, -1, py, px))
            high = -(at(-1, 1, py, px) + at(0, 1, py, px) + at(1, 1, py, px))
            centre = at(-1, 0, py, px) + at(0, 0, py, px) + at(1, 0, py, px)
        else:
            low = -(at(-1, -1, py, px) + at(-1, 0, py, px) + at(-1, 1, py, px))
            high = -(at(1, -1, py, px) + at(1, 0, py, px) + at(1, 1, py, px))
            centre = at(0, -1, py, px) + at(0, 0, py, px) + at(0, 1, py, px)
        centre = ops.maximum(centre, tiny)
        return clip(low / centre), clip(high / centre)

    # Fine points (2I, 2J+1): from coarse (I, J) ("west") and (I, J+1) ("east").
    x_west, x_east = split(0, 1, "x")
    # Fine points (2I+1, 2J): from coarse (I, J) ("north") and (I+1, J) ("south").
    y_north, y_south = split(1, 0, "y")

    weights = ops.zeros((3, 3, m_y + 2, m_x + 2))
    inner = (slice(1, 1 + m_y), slice(1, 1 + m_x))
    weights[1, 1][inner] = 1.0
    weights[1, 2][inner] = x_west  # coarse J feeds fine 2J+1
    weights[1, 0, 1 : 1 + m_y, 2 : 2 + m_x] = x_east  # coarse J+1 feeds fine 2J+1
    weights[2, 1][inner] = y_north
    weights[0, 1, 2 : 2 + m_y, 1 : 1 + m_x] = y_south

    # Fine points (2I+1, 2J+1) solve their own row given the interpolated neighbours:
    # v = -(1/a0) sum_e a_e v(e); each corner coarse point reaches it directly and
    # through the two edge points beside it.
    inv_centre = -1.0 / ops.maximum(at(0, 0, 1, 1), tiny)
    y_north_next = _coarse(_pad_coarse(y_north, ops), 0, 1, m_y, m_x)  # edge (2I+1, 2J+2)
    y_south_next = _coarse(_pad_coarse(y_south, ops), 0, 1, m_y, m_x)
    x_west_next = _coarse(_pad_coarse(x_west, ops), 1, 0, m_y, m_x)  # edge (2I+2, 2J+1)
    x_east_next = _coarse(_pad_coarse(x_east, ops), 1, 0, m_y, m_x)
    corners = {
        # coarse (I, J): corner (-1,-1) of fine (2I+1, 2J+1), plus edges above and left
        (1, 1): at(-1, -1, 1, 1) + at(0, -1, 1, 1) * y_north + at(-1, 0, 1, 1) * x_west,
        (1, -1): at(-1, 1, 1, 1) + at(0, 1, 1, 1) * y_north_next + at(-1, 0, 1, 1) * x_east,
        (-1, 1): at(1, -1, 1, 1) + at(0, -1, 1, 1) * y_south + at(1, 0, 1, 1) * x_west_next,
        (-1, -1): at(1, 1, 1, 1) + at(0, 1, 1, 1) * y_south_next + at(1, 0, 1, 1) * x_east_next,
    }
    weights[2, 2][inner] = clip(corners[(1, 1)] * inv_centre)
    weights[2, 0, 1 : 1 + m_y, 2 : 2 + m_x] = clip(corners[(1, -1)] * inv_centre)
    weights[0, 2, 2 : 2 + m_y, 1 : 1 + m_x] = clip(corners[(-1, 1)] * inv_centre)
    weights[0, 0, 2 : 2 + m_y, 2 : 2 + m_x] = clip(corners[(-1, -1)] * inv_centre)
    # Drop weights to fine points outside the image.
    result = ops.contiguous(weights[:, :, 1 : 1 + m_y, 1 : 1 + m_x])
    if 2 * m_y - 1 >= height:  # last coarse row has no fine row below it
        result[2, :, m_y - 1] = 0.0
    if 2 * m_x - 1 >= width:
        result[:, 2, :, m_x - 1] = 0.0
    return result


class ConvergenceError(ArithmeticError):
    """The V-cycles stopped converging (not seen on natural images)."""


def _pad_coarse(a, ops):
    out = ops.zeros(a.shape[:-2] + (a.shape[-2] + 2, a.shape[-1] + 2))
    out[..., 1:-1, 1:-1] = a
    return out


def transpose_stencil(stencil, ops):
    """The stencil of A^T: entry (dy, dx) at (y, x) is A's entry (-dy, -dx) at (y+dy, x+dx)."""
    _, _, height, width = stencil.shape
    padded = ops.zeros((3, 3, height + 2, width + 2))
    padded[..., 1:-1, 1:-1] = stencil
    out = ops.zeros(stencil.shape)
    for dy, dx in _NINE:
        out[dy + 1, dx + 1] = padded[1 - dy, 1 - dx, 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]
    return out


def galerkin_coarsen(stencil, prolongation, restriction, ops):
    """R A P for a (3, 3, H, W) stencil and (3, 3, Hc, Wc) interpolation weights.

    ``restriction`` holds R^T's weights in the layout of ``prolongation``.

    Returns:
        (3, 3, Hc, Wc) coarse stencil.
    """
    _, _, height, width = stencil.shape
    _, _, m_y, m_x = prolongation.shape
    fine = ops.zeros((3, 3, height + 4, width + 4))
    fine[..., 1 : 1 + height, 1 : 1 + width] = stencil
    weights = _pad_coarse(prolongation, ops)
    restrict_weights = _pad_coarse(restriction, ops)
    coarse = ops.zeros((3, 3, m_y, m_x))
    landing = {-2: (-1,), -1: (-1, 0), 0: (0,), 1: (0, 1), 2: (1,)}
    for ay, ax in _NINE:
        restrict = _coarse(restrict_weights[ay + 1, ax + 1], 0, 0, m_y, m_x)
        for ey, ex in _NINE:
            # R A: restriction weight of fine 2J+a times its coupling to 2J+a+e.
            ra = restrict * _fine(fine[ey + 1, ex + 1], ay, ax, m_y, m_x)
            by, bx = ay + ey, ax + ex
            for dy in landing[by]:
                for dx in landing[bx]:
                    # Fine 2J+b is fed by coarse J+d with weight p[b - 2d] at J+d.
                    p = _coarse(weights[by - 2 * dy + 1, bx - 2 * dx + 1], dy, dx, m_y, m_x)
                    coarse[dy + 1, dx + 1] += ra * p
    return coarse


@dataclass
class _Level:
    """One grid: its stencil and, above the coarsest, interpolation from the next."""

    stencil: object  # (3, 3, H, W)
    ops: object
    prolongation: object = None  # (3, 3, Hc, Wc), None on the coarsest grid
    restriction: object = None  # R^T's weights, same layout

    def __post_init__(self):
        _, _, self.height, self.width = self.stencil.shape
        # Per colour: coefficient slices and inverse diagonal, made contiguous once.
        self.colour_coeffs = []
        for py, px in _COLOURS:
            coeffs = [
                (dy, dx, self.ops.contiguous(self.stencil[dy + 1, dx + 1, py::2, px::2]))
                for dy, dx in _NINE
                if (dy, dx) != (0, 0)
            ]
            inv_diag = 1.0 / self.ops.contiguous(self.stencil[1, 1, py::2, px::2])
            self.colour_coeffs.append((py, px, coeffs, inv_diag))

    def apply(self, x_padded):
        """A x for a (C, H+2, W+2) zero-bordered x: (C, H, W)."""
        h, w = self.height, self.width
        out = self.stencil[1, 1] * x_padded[:, 1 : 1 + h, 1 : 1 + w]
        for dy, dx in _NINE:
            if (dy, dx) != (0, 0):
                out += self.stencil[dy + 1, dx + 1] * x_padded[:, 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        return out

    def smooth(self, x_padded, b, reverse: bool = False):
        """One four-colour Gauss-Seidel sweep, in place on the padded iterate."""
        h, w = self.height, self.width
        order = reversed(self.colour_coeffs) if reverse else self.colour_coeffs
        for py, px, coeffs, inv_diag in order:
            acc = self.ops.contiguous(b[:, py::2, px::2])
            for dy, dx, c in coeffs:
                acc -= c * x_padded[:, 1 + py + dy : 1 + h + dy : 2, 1 + px + dx : 1 + w + dx : 2]
            x_padded[:, 1 + py : 1 + h : 2, 1 + px : 1 + w : 2] = acc * inv_diag

    def restrict(self, r):
        """P^T r: (C, H, W) -> (C, Hc, Wc)."""
        _, _, m_y, m_x = self.prolongation.shape
        padded = self.ops.zeros((r.shape[0], self.height + 4, self.width + 4))
        padded[:, 1 : 1 + self.height, 1 : 1 + self.width] = r
        out = self.ops.zeros((r.shape[0], m_y, m_x))
        for ay, ax in _NINE:
            out += self.restriction[ay + 1, ax + 1] * _fine(padded, ay, ax, m_y, m_x)
        return out

    def prolong(self, e):
        """P e: (C, Hc, Wc) -> (C, H, W)."""
        _, _, m_y, m_x = self.prolongation.shape
        padded = self.ops.zeros((e.shape[0], self.height + 4, self.width + 4))
        for ay, ax in _NINE:
            _fine(padded, ay, ax, m_y, m_x)[...] += self.prolongation[ay + 1, ax + 1] * e
        return padded[:, 1 : 1 + self.height, 1 : 1 + self.width]


class MultigridSolver:
    """Multigrid for one 9-point stencil; reusable for several right-hand sides.

    Args:
        stencil: (3, 3, H, W) array of ``ops``'s type, diagonally dominant as Levin's is.
        ops: array backend.
    """

    def __init__(self, stencil, ops):
        self.ops = ops
        self.levels: list[_Level] = []
        current = stencil
        while True:
            _, _, h, w = current.shape
            if h * w <= _COARSEST_PIXELS or min(h, w) <= 2:
                self.levels.append(_Level(current, ops))
                break
            prolongation = _prolongation(current, ops)
            restriction = _prolongation(transpose_stencil(current, ops), ops)
            self.levels.append(_Level(current, ops, prolongation, restriction))
            current = galerkin_coarsen(current, prolongation, restriction, ops)
        coarsest = self.levels[-1]
        dense = stencil_to_csr(ops.to_numpy(coarsest.stencil)).toarray()
        self.coarse_inverse = ops.asarray(np.linalg.inv(dense))

    def _padded(self, level: _Level, channels: int):
        return self.ops.zeros((channels, level.height + 2, level.width + 2))

    def _cycle(self, depth: int, x_padded, b, pre: int = 1, post: int = 1):
        level = self.levels[depth]
        h, w = level.height, level.width
        if depth == len(self.levels) - 1:
            flat = b.reshape(b.shape[0], -1)
            x_padded[:, 1 : 1 + h, 1 : 1 + w] = (flat @ self.coarse_inverse.T).reshape(b.shape)
            return
        for _ in range(pre):
            level.smooth(x_padded, b)
        residual = b - level.apply(x_padded)
        coarse_b = level.restrict(residual)
        coarse = self.levels[depth + 1]
        coarse_x = self._padded(coarse, b.shape[0])
        self._cycle(depth + 1, coarse_x, coarse_b, pre, post)
        x_padded[:, 1 : 1 + h, 1 : 1 + w] += level.prolong(coarse_x[:, 1 : 1 + coarse.height, 1 : 1 + coarse.width])
        for _ in range(post):
            level.smooth(x_padded, b, reverse=True)

    def solve(self, b, tol: float = DEFAULT_TOL, max_cycles: int = 60):
        """Solve A x = b.

        The stop test estimates the remaining error from the updates: with a per-cycle
        contraction rho = |dx_k| / |dx_k-1| (the slower of the last two), what is left is
        about |dx_k| rho / (1 - rho). A residual test would stop too early on images whose
        regions are weakly coupled (small residual, large error).

        Args:
            b: (C, H, W) array of ``ops``'s type.
            tol: stop when the estimated RMS error of x is below this.
            max_cycles: upper bound on V-cycles.

        Returns:
            (x, cycles, estimated RMS error): x is (C, H, W).
        """
        fine = self.levels[0]
        h, w = fine.height, fine.width
        x = self._padded(fine, b.shape[0])
        if self.ops.norm(b) == 0.0:
            return x[:, 1:-1, 1:-1], 0, 0.0
        size = float(b.shape[0] * h * w) ** 0.5
        step, estimate, growing, rates = None, float("inf"), 0, []
        for cycle in range(1, max_cycles + 1):
            before = x[:, 1 : 1 + h, 1 : 1 + w] * 1.0
            self._cycle(0, x, b)
            previous, step = step, self.ops.norm(x[:, 1 : 1 + h, 1 : 1 + w] - before) / size
            if not step < float("inf"):
                raise ConvergenceError(f"multigrid produced non-finite values after {cycle} cycles")
            if previous is None:
                continue
            growing = growing + 1 if step > previous else 0
            if growing >= 2:
                raise ConvergenceError(f"multigrid diverged after {cycle} cycles")
            rates.append(step / previous if previous > 0 else 0.0)
            # The first cycles remove the easy error fast; judge by the slower of the
            # last two rates, and only once two rates are known.
            rho = min(max(rates[-2:]), 0.97)
            estimate = step * rho / (1.0 - rho)
            if len(rates) >= 2 and estimate <= tol:
                break
        return x[:, 1 : 1 + h, 1 : 1 + w], cycle, estimate


def solve_multigrid(luma, fixed, chroma, ops=None, tol: float = DEFAULT_TOL, max_cycles: int = 60):
    """Solve Levin's equation with multigrid.

    Args:
        luma: HxW float on 0..1.
        fixed: HxW bool, True on hinted pixels.
        chroma: HxWx2 float (I, Q) hint chroma, read where ``fixed``.
        ops: array backend; numpy float32 by default, torch for the GPU.
        tol: estimated RMS chroma error at which to stop.
        max_cycles: upper bound on V-cycles.

    Returns:
        HxWx2 float64 chroma (I, Q).

    Raises:
        ConvergenceError: the hierarchy diverged; the caller falls back to the exact solver.
    """
    ops = ops or NumpyBackend()
    stencil = levin_stencil(luma, fixed, ops)
    b = ops.asarray(hint_rhs(fixed, chroma))
    x, _, _ = MultigridSolver(stencil, ops).solve(b, tol=tol, max_cycles=max_cycles)
    return np.moveaxis(ops.to_numpy(x), 0, 2)
