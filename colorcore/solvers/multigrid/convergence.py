"""When the multigrid stops: the tolerance, the error estimate, and the failure it raises."""

from __future__ import annotations

import numpy as np

# Estimated RMS chroma error at which the cycles stop. One unit of I or Q moves R, G, B by
# about one unit, so 2e-3 is about half an 8-bit level: 45 dB or more of agreement with
# the exact solver on photographs and on the hard synthetic images of the tests.
DEFAULT_TOL = 2e-3
# Contraction per cycle assumed by the stop test: before any rate is measured, the
# slowest seen on natural images (regions that hints reach only through strong edges);
# after, at least this floor, as the first cycles remove the easy error fastest.
_RATE_UNMEASURED = 0.8
_RATE_FLOOR = 0.5
# A zero Ritz value counts as this (no division by zero).
_TINY = 1e-20


class ConvergenceError(ArithmeticError):
    """The cycles stopped converging (not seen on natural images)."""


class ErrorEstimate:
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

    Attributes:
        value: the estimated RMS error (inf before the first step).
        rate: the contraction per step assumed (measured once there are two steps).
    """

    def __init__(self, size: float):
        self.size = size
        self.rate = _RATE_UNMEASURED
        self.value = float("inf")
        self._last: float | None = None
        self._smallest = float("inf")

    def step(self, norm: float, cycles: int, residual: float = 0.0) -> None:
        """Take a step of size ``norm`` (and the preconditioned residual after it).

        Raises:
            ConvergenceError: the step is not finite.
        """
        if not norm < float("inf"):
            raise ConvergenceError(f"multigrid produced non-finite values after {cycles} cycles")
        if self._last is not None:
            self.rate = min(max(norm / self._last if self._last > 0 else 0.0, _RATE_FLOOR), 0.97)
        self._last = norm
        self.value = max(norm * self.rate / (1.0 - self.rate), residual / self._smallest) / self.size

    def note_eigenvalues(self, ritz: np.ndarray) -> None:
        """Arnoldi's eigenvalue estimates of M^-1 A (complex numpy array)."""
        self._smallest = min(self._smallest, float(np.abs(ritz).min()) or _TINY)
