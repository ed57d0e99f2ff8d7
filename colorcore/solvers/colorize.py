"""Colourise one frame: the public entry point shared by the API, the CLI and the GUI."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from colorcore.colorspace import compose, luma_of
from colorcore.guidance.hints import HintRaster, Hints
from colorcore.solvers.backend import backend_for, resolve_device
from colorcore.solvers.exact import solve_exact
from colorcore.solvers.multigrid import DEFAULT_TOL, ConvergenceError, solve_multigrid

if TYPE_CHECKING:
    from colorcore.solvers.deep.infer import DeepSolver

SOLVERS = ("exact", "fast", "deep")


def solve_chroma(
    luma: np.ndarray,
    hints: HintRaster,
    solver: str = "fast",
    device: str = "auto",
    *,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    initial: np.ndarray | None = None,
    tolerance: float = DEFAULT_TOL,
    network: DeepSolver | Path | str | None = None,
    frame: int | None = None,
) -> np.ndarray:
    """Chroma for one frame from its hints, by Levin's equation or the deep network.

    Args:
        luma: HxW float on 0..1.
        hints: the frame's rasterised hints at HxW; hinted pixels keep their chroma.
        solver: "exact" (sparse LU, the reference), "fast" (multigrid; numpy on the
            CPU, torch on a GPU) or "deep" (the scribble network,
            :func:`colorcore.solvers.deep.infer.solve_deep`; needs torch).
        device: "auto", "cpu" or "cuda"; used by "fast" and "deep".
        prior: None, or (prior_chroma, weight): HxWx2 float (I, Q) and HxW float >= 0.
            Each pixel outside the hints is also pulled towards ``prior_chroma`` with
            strength ``weight``: its row becomes
            ``(U_r - sum_s w_rs U_s) + weight_r (U_r - prior_r) = 0`` (weight 0: plain
            Levin). With a positive weight somewhere, no hints are needed.
        initial: None, or an HxWx2 float starting guess for "fast" (e.g. the previous
            frame's chroma carried by optical flow): a good guess saves cycles. Ignored by
            "exact"; it never changes the solution beyond the solver's tolerance.
        tolerance: estimated RMS chroma error at which "fast" stops (the default keeps
            45 dB or more of agreement with "exact"; video asks for less, for steadiness).
        network: "deep" only: a weights path, a :class:`~colorcore.solvers.deep.infer.DeepSolver`
            (e.g. adapted to a clip), or None for the shipped base weights.
        frame: the frame's index in its clip, named in warnings (None for a still image).

    Returns:
        HxWx2 float64 chroma (I, Q); all zero when there are no hints and no prior weight.
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
    prior = _checked_prior(prior, luma.shape)
    initial = _checked_initial(initial, luma.shape)
    if hints.count == 0 and prior is None:
        return np.zeros(luma.shape + (2,))
    if hints.count == hints.mask.size:  # every pixel given (a reference frame): nothing to solve
        return np.array(hints.chroma, dtype=np.float64)
    if solver == "deep":
        from colorcore.solvers.deep.infer import solve_deep

        return solve_deep(luma, hints, prior=prior, device=device, network=network)
    if solver == "exact":
        return solve_exact(luma, hints.mask, hints.chroma, prior=prior)
    ops = backend_for(resolve_device(device))
    try:
        return solve_multigrid(luma, hints.mask, hints.chroma, ops=ops, tol=tolerance, prior=prior, initial=initial)
    except ConvergenceError:
        where = "this frame" if frame is None else f"frame {frame}"
        warnings.warn(f"the fast solver did not converge on {where}; solving it exactly (slower)", stacklevel=2)
        return solve_exact(luma, hints.mask, hints.chroma, prior=prior)


def _checked_prior(prior: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """The prior (as the caller gave it) as float32 arrays HxWx2 and HxW for a frame of
    ``shape`` HxW, or None when it is absent or weighs nothing anywhere.

    Raises:
        ValueError: not a pair of finite arrays of those shapes with a weight >= 0.
    """
    if prior is None:
        return None
    try:
        chroma, weight = prior
    except (TypeError, ValueError):
        raise ValueError("prior must be a pair (prior_chroma HxWx2, weight HxW)") from None
    chroma, weight = np.asarray(chroma, dtype=np.float32), np.asarray(weight, dtype=np.float32)
    if chroma.shape != shape + (2,) or weight.shape != shape:
        raise ValueError(
            f"prior must be HxWx2 and HxW for a {shape[1]}x{shape[0]} frame, not {chroma.shape} and {weight.shape}"
        )
    if not (np.isfinite(chroma).all() and np.isfinite(weight).all()) or (weight < 0).any():
        raise ValueError("prior chroma must be finite and its weight finite and >= 0")
    return (chroma, weight) if weight.any() else None


def _checked_initial(initial: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """The starting guess as HxWx2 float32 for a frame of ``shape`` HxW, or None.

    Raises:
        ValueError: not a finite array of that shape.
    """
    if initial is None:
        return None
    initial = np.asarray(initial, dtype=np.float32)
    if initial.shape != shape + (2,):
        raise ValueError(f"initial must be HxWx2 for a {shape[1]}x{shape[0]} frame, not {initial.shape}")
    if not np.isfinite(initial).all():
        raise ValueError("initial chroma must be finite")
    return initial


def colorize_frame(
    gray: np.ndarray,
    hints: Hints,
    solver: str = "fast",
    device: str = "auto",
    frame: int = 0,
    network: DeepSolver | Path | str | None = None,
) -> np.ndarray:
    """Colourise a grey image from hints, keeping its luma.

    Args:
        gray: HxW uint8 or uint16, or HxWx3 with equal channels (a colour image is
            accepted too: its BT.601 luma is used).
        hints: hints; those of ``frame`` are rasterised at the image's size.
        solver: "exact" | "fast" | "deep" (see :func:`solve_chroma`).
        device: "auto" | "cpu" | "cuda".
        frame: which frame of ``hints`` applies (0 for a single image).
        network: "deep" only: weights path or DeepSolver (see :func:`solve_chroma`).

    Returns:
        HxWx3 RGB of ``gray``'s dtype; its luma equals ``gray``'s within 0.3 of a level
        (see :mod:`colorcore.colorspace`). With no hints on the frame it is the grey
        image, and a warning says so.
    """
    luma = luma_of(gray)
    height, width = luma.shape
    raster = hints.rasterize(frame=frame, size=(width, height))
    if raster.count == 0:
        warnings.warn("no scribbles or hints on this frame; the output is the grey image", stacklevel=2)
    chroma = solve_chroma(luma, raster, solver=solver, device=device, network=network)
    return compose(luma, chroma, dtype=gray.dtype)
