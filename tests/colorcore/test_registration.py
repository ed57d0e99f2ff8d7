"""Exemplar registration: an exemplar of the frame's own scene, found and warped into register."""

import cv2
import numpy as np

from colorcore.colorspace import chroma_of, luma_of
from colorcore.video.registration import ExemplarRegistration, frame_features
from tests.support.clips import textured_canvas


def test_a_cropped_scaled_mirrored_exemplar_registers_with_its_frame():
    rgb = textured_canvas(180, 240, seed=5)
    crop = rgb[20:170, 30:220]
    exemplar = np.ascontiguousarray(cv2.resize(crop, (152, 120), interpolation=cv2.INTER_AREA)[:, ::-1])
    registration = ExemplarRegistration(exemplar)
    luma = luma_of(rgb).astype(np.float32)
    chroma, confidence = registration.register(luma, frame_features(luma))
    assert chroma.shape == (180, 240, 2) and confidence.shape == (180, 240)
    sure = confidence > 0.5
    assert sure[30:160, 40:210].mean() > 0.8, "the crop's area registers"
    assert not sure[:, :15].any() and not sure[:, -12:].any(), "outside the crop nothing is claimed"
    error = np.abs(chroma - chroma_of(rgb))[sure].mean()
    assert error < 0.25 * np.abs(chroma_of(rgb)).mean(), error


def test_an_unrelated_exemplar_does_not_register():
    registration = ExemplarRegistration(textured_canvas(120, 160, seed=6))
    other = luma_of(textured_canvas(180, 240, seed=7)).astype(np.float32)
    result = registration.register(other)
    assert result is None or float(result[1].max()) < 0.3
