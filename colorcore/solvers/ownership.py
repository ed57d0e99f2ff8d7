"""How much of a frame its strokes own, against a soft prior (an exemplar's colours).

Levin's equation with a prior pulls every pixel towards the prior's colour; a stroke then
only colours the pixels it touches and a few around them, so a red stroke across a cap
that an exemplar made blue gives a red line on a blue cap. What the archivist meant is the
cap. A stroke should own the region it lies in: the pixels that Levin's luma affinities
connect to it, bounded by luma edges, out to some distance.

That region is measured by a second solve of the same equation: the strokes fixed at 1,
every other pixel pulled weakly towards 0. Its solution at a pixel is the chance that a
random walk following Levin's affinities reaches a stroke before it ends, the walk's mean
length being ``length`` pixels: close to 1 inside the stroke's region, falling off with
distance, and dropping sharply at luma edges (walks seldom cross them). The prior's weight
is then lowered where the strokes own the pixel.
"""

from __future__ import annotations

import numpy as np

from colorcore.guidance.hints import HintRaster

# A pixel whose walks reach a stroke this often (1/e, about one walk length away inside
# the stroke's region) is owned outright; below it, in proportion.
OWNED_REACH = float(np.exp(-1.0))


def stroke_ownership(
    luma: np.ndarray, hints: HintRaster, length: float, solver: str = "fast", device: str = "auto"
) -> np.ndarray:
    """How much the hinted pixels (strokes) own each pixel of a frame.

    Args:
        luma: HxW float luma on 0..1.
        hints: the frame's hints at HxW; only ``hints.mask`` is used.
        length: mean walk length in pixels (> 0): how far a stroke reaches inside a region
            that no luma edge bounds.
        solver: "exact" or "fast" for the reach solve ("deep" solves it with "fast").
        device: as :func:`colorcore.solvers.colorize.solve_chroma`.

    Returns:
        HxW float32 in [0, 1]: 1 on and near the strokes inside their region, 0 far away
        or across luma edges; all 0 without hints.
    """
    from colorcore.solvers.colorize import solve_chroma

    if hints.count == 0:
        return np.zeros(luma.shape, np.float32)
    indicator = np.zeros(luma.shape + (2,))
    indicator[hints.mask, 0] = 1.0
    # Levin's rows average the neighbours (weights summing to 1): a walk's steps are about
    # a pixel, and a leak of 1/(4 L^2) per step gives a mean reach of about L pixels.
    leak = np.full(luma.shape, 0.25 / length**2)
    reach = solve_chroma(
        luma,
        HintRaster(hints.mask, indicator),
        solver="exact" if solver == "exact" else "fast",
        device=device,
        prior=(np.zeros(luma.shape + (2,)), leak),
    )[..., 0]
    return np.clip(reach / OWNED_REACH, 0.0, 1.0).astype(np.float32)
