"""Strokes own the region they lie in against an exemplar's colours (a red stroke across a
cap makes a red cap, not a red line on it)."""

import cv2
import numpy as np
import pytest

from colorcore.colorspace import chroma_of, luma_of
from colorcore.guidance.hints import HintRaster, Hints, Stroke
from colorcore.guidance.references import Exemplar, Guidance
from colorcore.solvers.ownership import stroke_ownership
from colorcore.video.propagate import PropagationSettings, keyframe_chroma

HEIGHT, WIDTH = 180, 240
RED = (0.9, 0.1, 0.1)


def _cap_scene():
    """(grey HxW uint8, exemplar RGB, cap mask): a darker disc (the cap) on a lighter
    ground, both lightly textured; the exemplar (the same picture) has a blue cap on
    green."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    cap = (xx - 150) ** 2 + (yy - 80) ** 2 < 40**2
    texture = cv2.GaussianBlur(rng.normal(0, 1, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), 2) * 0.05
    luma = np.where(cap, 0.35, 0.65) + texture
    colour = np.where(cap[..., None], (0.25, 0.35, 0.85), (0.4, 0.7, 0.35)).astype(np.float32)
    flat = luma_of((colour * 255).astype(np.uint8))
    rgb = (np.clip(colour * (luma / flat)[..., None], 0, 1) * 255).astype(np.uint8)
    grey = np.round(luma_of(rgb) * 255).astype(np.uint8)
    return grey, rgb, cap


def _redness(chroma: np.ndarray) -> np.ndarray:
    red = chroma_of(np.array([[[230, 25, 25]]], np.uint8))[0, 0]
    return (chroma @ red) / (red @ red)


@pytest.mark.parametrize("ownership", [0.3, 0.0])
def test_a_stroke_across_a_cap_colours_the_cap_not_a_line(ownership):
    grey, exemplar, cap = _cap_scene()
    stroke = Stroke(points=[(135, 80), (165, 80)], color=RED, width=4, frame=0)
    guidance = Guidance(hints=Hints((WIDTH, HEIGHT), [stroke]), exemplars=[Exemplar(exemplar)])
    settings = PropagationSettings(stroke_ownership=ownership)
    red = _redness(keyframe_chroma(grey, guidance, 0, solver="fast", device="cpu", settings=settings)) > 0.5
    if ownership:
        assert red[cap].mean() > 0.9 and red[~cap].mean() < 0.01
    else:  # the exemplar keeps all but the line
        assert red[cap].mean() < 0.3


def test_ownership_stops_at_luma_edges_and_is_nothing_without_strokes():
    grey, _, cap = _cap_scene()
    luma = grey / 255.0
    mask = np.zeros(cap.shape, bool)
    mask[78:83, 135:166] = True
    owned = stroke_ownership(luma, HintRaster(mask, np.zeros(cap.shape + (2,))), length=0.3 * WIDTH)
    assert owned.dtype == np.float32 and owned.shape == cap.shape
    assert owned[cap].mean() > 0.95 and owned[~cap].mean() < 0.05
    nothing = stroke_ownership(luma, HintRaster(np.zeros(cap.shape, bool), np.zeros(cap.shape + (2,))), length=50)
    assert not nothing.any()
