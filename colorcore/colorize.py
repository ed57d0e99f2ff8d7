"""Colourise one frame: the public entry point shared by the API, the CLI and the GUI."""

from __future__ import annotations

import warnings

import numpy as np

from .backend import backend_for, resolve_device
from .colorspace import compose, luma_of
from .hints import HintRaster, Hints
from .multigrid import ConvergenceError, solve_multigrid
from .solve_exact import solve_exact

SOLVERS = ("exact", "fast", "deep")


def solve_chroma(luma: np.ndarray, hints: HintRaster, solver: str = "fast", device: str = "auto") -> np.ndarray:
    """Chroma for one frame from its hints, by Levin's equation.

    Args:
        luma: HxW float on 0..1.
        hints: the frame's rasterised hints at HxW.
        solver: "exact" (sparse LU, the reference) or "fast" (multigrid; numpy on the
            CPU, torch on a GPU).
        device: "auto", "cpu" or "cuda"; used by "fast" only.

    Returns:
        HxWx2 float64 chroma (I, Q); all zero when there are no hints.
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
    if solver == "deep":
        raise NotImplementedError("the deep scribble network is not part of this release; use 'fast' or 'exact'")
    if hints.count == 0:
        return np.zeros(luma.shape + (2,))
    if solver == "exact":
        return solve_exact(luma, hints.mask, hints.chroma)
    ops = backend_for(resolve_device(device))
    try:
        return solve_multigrid(luma, hints.mask, hints.chroma, ops=ops)
    except ConvergenceError:
        warnings.warn("the fast solver did not converge on this frame; solving it exactly (slower)", stacklevel=2)
        return solve_exact(luma, hints.mask, hints.chroma)


def colorize_frame(gray: np.ndarray, hints: Hints, solver: str = "fast", device: str = "auto", frame: int = 0) -> np.ndarray:
    """Colourise a grey image from hints, keeping its luma.

    Args:
        gray: HxW uint8 or uint16, or HxWx3 with equal channels (a colour image is
            accepted too: its BT.601 luma is used).
        hints: hints; those of ``frame`` are rasterised at the image's size.
        solver: "exact" | "fast" (see :func:`solve_chroma`).
        device: "auto" | "cpu" | "cuda".
        frame: which frame of ``hints`` applies (0 for a single image).

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
    chroma = solve_chroma(luma, raster, solver=solver, device=device)
    return compose(luma, chroma, dtype=gray.dtype)
