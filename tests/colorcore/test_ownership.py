"""Strokes own the region they lie in against an exemplar's colours (a red stroke across a
cap makes a red cap, not a red line on it)."""

import numpy as np
import pytest

from colorcore.colorspace import chroma_of
from colorcore.guidance.hints import HintRaster, Hints, Stroke
from colorcore.guidance.references import Exemplar, Guidance
from colorcore.solvers.ownership import stroke_ownership
from colorcore.video.propagate import PropagationSettings, keyframe_chroma
from tests.support.clips import cap_scene

RED = (0.9, 0.1, 0.1)


def _redness(chroma: np.ndarray) -> np.ndarray:
    red = chroma_of(np.array([[[230, 25, 25]]], np.uint8))[0, 0]
    return (chroma @ red) / (red @ red)


@pytest.mark.parametrize("ownership", [0.3, 0.0])
def test_a_stroke_across_a_cap_colours_the_cap_not_a_line(ownership):
    grey, exemplar, cap = cap_scene()
    stroke = Stroke(points=[(135, 80), (165, 80)], color=RED, width=4, frame=0)
    guidance = Guidance(hints=Hints(grey.shape[::-1], [stroke]), exemplars=[Exemplar(exemplar)])
    settings = PropagationSettings(stroke_ownership=ownership)
    red = _redness(keyframe_chroma(grey, guidance, 0, solver="fast", device="cpu", settings=settings)) > 0.5
    if ownership:
        assert red[cap].mean() > 0.9 and red[~cap].mean() < 0.01
    else:  # the exemplar keeps all but the line
        assert red[cap].mean() < 0.3


def test_ownership_stops_at_luma_edges_and_is_nothing_without_strokes():
    grey, _, cap = cap_scene()
    luma = grey / 255.0
    mask = np.zeros(cap.shape, bool)
    mask[78:83, 135:166] = True
    owned = stroke_ownership(luma, HintRaster(mask, np.zeros(cap.shape + (2,))), length=0.3 * cap.shape[1])
    assert owned.dtype == np.float32 and owned.shape == cap.shape
    assert owned[cap].mean() > 0.95 and owned[~cap].mean() < 0.05
    nothing = stroke_ownership(luma, HintRaster(np.zeros(cap.shape, bool), np.zeros(cap.shape + (2,))), length=50)
    assert not nothing.any()
