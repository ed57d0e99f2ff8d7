"""Optical flow between neighbouring frames (OpenCV DIS on luma) and its confidence.

Convention: a flow ``f_ab`` of shape (H, W, 2) float32 holds, for each pixel x of frame
a, the displacement (dx, dy) in pixels to where that point is in frame b, so that
``a(x) ~ b(x + f_ab(x))``. :func:`warp` samples an image of frame b at ``x + f_ab(x)``,
giving it frame a's geometry.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


# DIS's presets stop refining 2 or 3 pyramid levels above full size, which on small or
# medium frames misses the motion of small objects. The finest level used here is the
# coarsest one still at least this wide (full size for frames narrower than it).
_FINEST_WIDTH = 400
# DIS refuses frames under 12 pixels a side (its patches do not fit): such tiny frames get
# zero flow, so they are coloured as if nothing moved rather than crash.
_DIS_MIN_SIDE = 12


class FlowEstimator:
    """DIS optical flow on 8-bit luma; one instance per thread (OpenCV's object keeps state)."""

    def __init__(self, preset: str = "fast"):
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {preset!r}")
        self._dis = cv2.DISOpticalFlow.create(PRESETS[preset])
        self._width = None

    def __call__(self, luma_a: np.ndarray, luma_b: np.ndarray) -> np.ndarray:
        """Flow from frame a to frame b.

        Args:
            luma_a, luma_b: HxW luma, uint8 (0..255), uint16 (0..65535) or float (0..1).

        Returns:
            HxWx2 float32 flow ``f_ab`` in pixels (see the module docstring); all zero
            for frames under 12 pixels a side, which DIS cannot handle.
        """
        if min(luma_a.shape[:2]) < _DIS_MIN_SIDE:
            return np.zeros((*luma_a.shape[:2], 2), np.float32)
        width = luma_a.shape[1]
        if width != self._width:
            self._width = width
            self._dis.setFinestScale(max(0, int(math.log2(max(width, 1) / _FINEST_WIDTH))))
        # The stubs type the output array as required; OpenCV allocates it when given None.
        return self._dis.calc(to_uint8(luma_a), to_uint8(luma_b), None)  # type: ignore[call-overload]


def to_uint8(luma: np.ndarray) -> np.ndarray:
    """HxW luma of any dtype as uint8 0..255 (DIS works on 8 bits)."""
    if luma.dtype == np.uint8:
        return luma
    if luma.dtype == np.uint16:
        return (luma >> 8).astype(np.uint8)
    return np.clip(luma * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _sample_grid(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    height, width = flow.shape[:2]
    xs = np.arange(width, dtype=np.float32)[None, :] + flow[..., 0]
    ys = np.arange(height, dtype=np.float32)[:, None] + flow[..., 1]
    return xs, ys


def warp(
    image: np.ndarray, flow: np.ndarray, border_value: float = 0.0, border: int = cv2.BORDER_CONSTANT
) -> np.ndarray:
    """Sample ``image`` (frame b) at ``x + flow(x)``: frame b resampled onto frame a.

    Args:
        image: HxW or HxWxC float32 (C <= 4), the frame-b quantity.
        flow: HxWx2 float32 flow from a to b.
        border_value: value where ``x + flow(x)`` leaves the image (constant border).
        border: OpenCV border mode; ``cv2.BORDER_REPLICATE`` reads the nearest border pixel.

    Returns:
        Array of ``image``'s shape and dtype, bilinearly interpolated.
    """
    xs, ys = _sample_grid(flow)
    return cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=border, borderValue=border_value)


def consistency(flow_ab: np.ndarray, flow_ba: np.ndarray, alpha: float = 0.01, beta: float = 0.5) -> np.ndarray:
    """Confidence of ``flow_ab`` from forward-backward consistency and occlusion.

    A point that goes a -> b -> a should come back where it started. Following Sundaram,
    Brox and Keutzer (2010), the round trip error is compared with
    ``alpha * (|f_ab|^2 + |f_ba|^2) + beta`` (a tolerance that grows with motion); beyond
    it the pixel is taken as occluded or mismatched. Points that leave frame b are
    occluded too.

    Args:
        flow_ab, flow_ba: HxWx2 float32 flows between the same two frames.

    Returns:
        HxW float32 in [0, 1]: 1 where the round trip closes, falling smoothly to 0 at
        twice the tolerance.
    """
    back = warp(flow_ba, flow_ab)
    round_trip = flow_ab + back
    error = (round_trip**2).sum(axis=2)
    tolerance = alpha * ((flow_ab**2).sum(axis=2) + (back**2).sum(axis=2)) + beta
    confidence = np.clip(2.0 - error / tolerance, 0.0, 1.0)
    xs, ys = _sample_grid(flow_ab)
    height, width = confidence.shape
    inside = (xs >= 0) & (xs <= width - 1) & (ys >= 0) & (ys <= height - 1)
    return (confidence * inside).astype(np.float32)
