"""Exemplar matching: confident hints carry the exemplar's colours to where they belong."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from colorcore.colorspace import chroma_of, compose, luma_of
from colorcore.errors import InputError
from colorcore.video.exemplar import ExemplarMatcher
from tests.support.testdata import require_testdata

RED = (0.8, 0.2, 0.2)  # luma 0.38, I > 0, Q > 0
# Blue stripes: light and dark blue averaging the red's luma, so that only the texture
# tells the two regions apart. Both have I < 0 and Q > 0.
LIGHT_BLUE = (0.35, 0.5, 1.0)
DARK_BLUE = (0.1, 0.2, 0.7)


def two_regions(height: int, width: int, period: float, seed: int = 0) -> np.ndarray:
    """HxWx3 uint8: smooth red on the left, diagonal light/dark blue stripes on the right."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    rgb = np.empty((height, width, 3))
    rgb[:] = RED
    right = xx >= width // 2
    stripes = ((yy + xx) // (period / 2)) % 2 == 0
    rgb[right & stripes] = LIGHT_BLUE
    rgb[right & ~stripes] = DARK_BLUE
    rgb += rng.normal(0, 0.01, rgb.shape)
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def frame_view() -> np.ndarray:
    """The same scene seen otherwise: 1.5 times larger, shifted, mirrored (HxWx3 uint8)."""
    return two_regions(270, 420, period=15, seed=1)[20:260, 30:400][:, ::-1].copy()


def interior(mask: np.ndarray, margin: int = 12) -> np.ndarray:
    return cv2.erode(mask.astype(np.uint8), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)) > 0


def region_masks(frame_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    truth = chroma_of(frame_rgb)
    return interior(truth[..., 0] > 0.2), interior(truth[..., 0] < -0.1)


@pytest.fixture(scope="module")
def matcher() -> ExemplarMatcher:
    return ExemplarMatcher(two_regions(150, 200, period=10))


def check_region(chroma, confidence, truth, region, signs, max_rms):
    confident = region & (confidence > 0.5)
    assert confident.sum() > 0.5 * region.sum(), "too few confident hints in a matching region"
    for channel, sign in enumerate(signs):
        assert np.mean(np.sign(chroma[confident][:, channel]) == sign) > 0.99
    rms = np.sqrt(np.mean(((chroma[confident] - truth[confident]) ** 2).sum(axis=1)))
    assert rms < max_rms


def test_confident_hints_carry_the_region_colours(matcher):
    frame = frame_view()
    truth = chroma_of(frame)
    chroma, confidence = matcher.match(luma_of(frame).astype(np.float32))
    red, blue = region_masks(frame)
    check_region(chroma, confidence, truth, red, signs=(1, 1), max_rms=0.03)
    check_region(chroma, confidence, truth, blue, signs=(-1, 1), max_rms=0.04)


def test_no_confidence_where_the_exemplar_has_no_counterpart(matcher):
    frame = frame_view()
    luma = luma_of(frame).astype(np.float32)
    height, width = luma.shape
    rng = np.random.default_rng(2)
    # A blotchy texture at the scene's mean luma, and a bright smooth patch: the
    # exemplar has neither. The patch also shifts the frame's global luma statistics.
    blotches = cv2.GaussianBlur(rng.normal(0, 1, luma.shape).astype(np.float32), (0, 0), 3)
    band = np.zeros(luma.shape, bool)
    band[int(0.75 * height) :, :] = True
    luma[band] = np.clip(0.37 + 0.12 * blotches[band] / blotches.std(), 0, 1)
    patch = np.zeros(luma.shape, bool)
    patch[10:70, width // 2 - 40 : width // 2 + 40] = True
    luma[patch] = 0.95
    chroma, confidence = matcher.match(luma)
    for novel in (band, patch):
        assert confidence[novel].mean() < 0.05
        assert np.mean(confidence[novel] > 0.5) < 0.01
    # The known regions keep their hints despite the shifted statistics.
    red, blue = region_masks(frame)
    truth = chroma_of(frame)
    for region, signs in ((red & ~patch & ~band, (1, 1)), (blue & ~patch & ~band, (-1, 1))):
        check_region(chroma, confidence, truth, region, signs, max_rms=0.04)


def test_luminance_remapping_absorbs_a_different_tone_scale(matcher):
    # Film and photograph rarely share exposure and contrast.
    frame = frame_view()
    luma = (0.6 * luma_of(frame) + 0.25).astype(np.float32)
    chroma, confidence = matcher.match(luma)
    red, blue = region_masks(frame)
    truth = chroma_of(frame)
    check_region(chroma, confidence, truth, red, signs=(1, 1), max_rms=0.03)
    check_region(chroma, confidence, truth, blue, signs=(-1, 1), max_rms=0.04)


@pytest.mark.parametrize(
    "exemplar_shape, frame_shape",
    [((37, 53), (67, 101)), ((701, 903), (48, 64)), ((150, 200), (480, 854)), ((9, 300), (31, 17))],
)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_sizes_and_dtypes(exemplar_shape, frame_shape, dtype):
    exemplar = two_regions(*exemplar_shape, period=max(4, exemplar_shape[1] / 20))
    if dtype == np.uint16:
        exemplar = exemplar.astype(np.uint16) * 257
    luma = luma_of(cv2.resize(frame_view(), frame_shape[::-1], interpolation=cv2.INTER_AREA)).astype(np.float32)
    chroma, confidence = ExemplarMatcher(exemplar).match(luma)
    assert chroma.shape == frame_shape + (2,) and chroma.dtype == np.float32
    assert confidence.shape == frame_shape and confidence.dtype == np.float32
    assert np.isfinite(chroma).all() and np.isfinite(confidence).all()
    assert confidence.min() >= 0 and confidence.max() <= 1
    # Chroma never leaves the range of the exemplar's colours (it is their weighted mean).
    assert np.abs(chroma).max() <= np.abs(chroma_of(exemplar)).max() + 1e-4


def test_sixteen_bit_exemplar_matches_like_its_eight_bit_twin(matcher):
    frame = luma_of(frame_view()).astype(np.float32)
    chroma8, confidence8 = matcher.match(frame)
    chroma16, confidence16 = ExemplarMatcher(two_regions(150, 200, period=10).astype(np.uint16) * 257).match(frame)
    assert np.abs(confidence16 - confidence8).max() < 0.02
    both = (confidence8 > 0.5) & (confidence16 > 0.5)
    assert np.abs(chroma16[both] - chroma8[both]).max() < 0.01


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((40, 40), np.uint8), "HxWx3"),
        (np.zeros((40, 40, 4), np.uint8), "HxWx3"),
        (np.zeros((40, 40, 3), np.float32), "8- or 16-bit"),
        (np.zeros((5, 40, 3), np.uint8), "too small"),
        (np.full((40, 40, 3), 120, np.uint8), "no colour"),
    ],
)
def test_bad_exemplar_is_an_input_error(bad, message):
    with pytest.raises(InputError, match=message) as info:
        ExemplarMatcher(bad)
    assert "\n" not in str(info.value)


def test_bad_frame_is_refused(matcher):
    with pytest.raises(ValueError, match="HxW"):
        matcher.match(np.zeros((20, 30, 3), np.float32))


@pytest.mark.testdata
def test_real_clip_confident_hints_are_the_accurate_ones():
    folder = require_testdata("davis480p", "JPEGImages", "blackswan")
    exemplar = cv2.cvtColor(cv2.imread(str(folder / "00000.jpg")), cv2.COLOR_BGR2RGB)
    frame = cv2.cvtColor(cv2.imread(str(folder / "00040.jpg")), cv2.COLOR_BGR2RGB)
    # A mirrored view (not a copy, so not contiguous) as exemplar; float64 luma as frame.
    chroma, confidence = ExemplarMatcher(exemplar[:, ::-1]).match(luma_of(frame))
    error = np.sqrt(((chroma - chroma_of(frame)) ** 2).sum(axis=2))
    confident = confidence > 0.5
    assert confident.mean() > 0.15
    assert np.sqrt(np.mean(error[confident] ** 2)) < 0.7 * np.sqrt(np.mean(error**2))
    assert np.sqrt(np.mean(error[confident] ** 2)) < 0.03


def test_keyframes_of_one_shot_are_weighted_at_match_time():
    # Two keyframes of one scene whose smooth left region changed colour (red, then its
    # opposite at the same luma): the weights decide which one a frame's pixels take.
    first = two_regions(150, 200, period=10)
    chroma = chroma_of(first)
    chroma[:, :100] *= -1
    second = compose(luma_of(first), chroma)
    matcher = ExemplarMatcher.of_keyframes([first, second])
    frame = two_regions(150, 200, period=10, seed=3)
    luma = luma_of(frame).astype(np.float32)
    left = interior(np.arange(200)[None, :].repeat(150, 0) < 100)
    for weights, sign in (((1.0, 0.0), 1), ((0.0, 1.0), -1)):
        got, confidence = matcher.match(luma, weights=weights)
        confident = left & (confidence > 0.5)
        assert confident.sum() > 0.5 * left.sum()
        assert np.mean(np.sign(got[confident][:, 0]) == sign) > 0.99
    # Equally weighted, they disagree there: no confident hint.
    _, confidence = matcher.match(luma, weights=(1.0, 1.0))
    assert np.mean(confidence[left] > 0.5) < 0.01
    # Only the pixels asked for are searched; the others get no hint.
    where = np.zeros(luma.shape, bool)
    where[:, 120:] = True
    _, confidence = matcher.match(luma, where, weights=(1.0, 0.0))
    assert confidence[:, :100].max() == 0 and confidence[:, 130:].mean() > 0.3
