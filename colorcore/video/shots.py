"""Shot cuts: where one shot ends and the next begins, so colour never crosses a cut.

A cut between frames a and b shows as a change of the luma histogram together with a
motion field that no longer explains b from a. Either alone misleads (a flash changes the
histogram; fast motion or blur upsets the flow), so both are combined: a very large
histogram change is a cut on its own, a moderate one only when the flow's
forward-backward consistency has collapsed too.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from colorcore.errors import CancelledError
from colorcore.video.flow import FlowEstimator, consistency, to_uint8

_BINS = 64
# Bhattacharyya distance between 64-bin luma histograms of neighbouring frames: below 0.1
# within a shot on the DAVIS clips, above 0.4 across most cuts.
_HIST_CUT = 0.5
_HIST_SUSPECT = 0.2
# Fraction of pixels whose flow closes a forward-backward round trip: above 0.8 within a
# shot, typically below 0.5 across a cut.
_CONSISTENT_MIN = 0.5


def luma_histogram(luma: np.ndarray) -> np.ndarray:
    """Normalised 64-bin histogram of an HxW luma (uint8, uint16 or float 0..1): float32 (64,)."""
    hist = cv2.calcHist([to_uint8(luma)], [0], None, [_BINS], [0, 256]).ravel()
    return hist / max(float(hist.sum()), 1.0)


def histogram_distance(hist_a: np.ndarray, hist_b: np.ndarray) -> float:
    """Bhattacharyya distance in [0, 1] between two :func:`luma_histogram` results."""
    return float(cv2.compareHist(hist_a.astype(np.float32), hist_b.astype(np.float32), cv2.HISTCMP_BHATTACHARYYA))


def is_cut(hist_distance: float, consistent_fraction: float) -> bool:
    """Decide whether two neighbouring frames belong to different shots.

    Args:
        hist_distance: :func:`histogram_distance` of their luma histograms, 0..1.
        consistent_fraction: fraction (0..1) of pixels where the forward flow's
            :func:`colorcore.flow.consistency` exceeds 0.5.
    """
    if hist_distance >= _HIST_CUT:
        return True
    if hist_distance >= _HIST_SUSPECT and consistent_fraction < _CONSISTENT_MIN:
        return True
    return consistent_fraction < 0.5 * _CONSISTENT_MIN


class CutDetector:
    """The cut test between each frame and the one before it, the same wherever it runs:
    the shot list (:func:`find_cuts`) and the propagation, which must agree on the shots.

    Frames are compared at most 320 pixels wide with an "ultrafast" flow, whatever size
    the caller works at, so the answer depends on the frames alone.
    """

    def __init__(self):
        self._estimator = FlowEstimator("ultrafast")
        self._previous: np.ndarray | None = None
        self._previous_hist: np.ndarray | None = None

    def start(self, luma: np.ndarray) -> None:
        """Begin at a frame (HxW uint8/uint16/float luma), with no frame before it."""
        self._previous = _small(luma)
        self._previous_hist = luma_histogram(self._previous)

    def cut_before(self, luma: np.ndarray) -> bool:
        """True when ``luma`` (the next frame) starts a new shot; it becomes the previous frame."""
        small = _small(luma)
        hist = luma_histogram(small)
        cut = False
        if self._previous is not None and self._previous_hist is not None:
            fraction = consistent_fraction(self._estimator, self._previous, small)
            cut = is_cut(histogram_distance(self._previous_hist, hist), fraction)
        self._previous, self._previous_hist = small, hist
        return cut


def find_cuts(
    clip, progress: Callable[[float], None] | None = None, cancel: Callable[[], bool] | None = None
) -> list[int]:
    """Frames of ``clip`` that start a new shot (never 0), in increasing order.

    Decodes the whole clip once, sequentially; memory holds two frames.

    Args:
        clip: a :class:`colorcore.media.Clip`.
        progress: called with the fraction done (0..1) after each frame.
        cancel: polled between frames; when it returns True, CancelledError is raised.
    """
    detector = CutDetector()
    cuts = []
    total = len(clip)
    for i, luma in enumerate(clip.frames("luma")):
        if cancel is not None and cancel():
            raise CancelledError("cut detection cancelled")
        if detector.cut_before(luma):
            cuts.append(i)
        if progress is not None:
            progress((i + 1) / total)
    return cuts


def consistent_fraction(estimator: FlowEstimator, luma_a: np.ndarray, luma_b: np.ndarray) -> float:
    """Fraction of frame a's pixels whose flow to b passes the round-trip check (0..1)."""
    forward = estimator(luma_a, luma_b)
    backward = estimator(luma_b, luma_a)
    return float((consistency(forward, backward) > 0.5).mean())


def _small(luma: np.ndarray) -> np.ndarray:
    """uint8 luma at most 320 pixels wide: cut detection needs no detail."""
    luma = to_uint8(luma)
    height, width = luma.shape
    if width <= 320:
        return luma
    scale = 320 / width
    return cv2.resize(luma, (320, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
