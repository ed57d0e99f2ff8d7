"""The colour model keeps luma: checked on random and extreme inputs, 8- and 16-bit."""

import numpy as np
import pytest

from colorcore.colorspace import LUMA_WEIGHTS, chroma_of, compose, gamut_scale, luma_of


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_compose_keeps_luma_within_a_third_of_a_level(dtype):
    top = np.iinfo(dtype).max
    rng = np.random.default_rng(3)
    gray = rng.integers(0, top + 1, (200, 300)).astype(dtype)
    gray[:5] = 0
    gray[5:10] = top
    gray[10:15] = 1
    gray[15:20] = top - 1
    chroma = rng.normal(0, 0.5, (200, 300, 2))  # much of it far out of gamut
    rgb = compose(gray / top, chroma, dtype)
    assert rgb.dtype == dtype
    luma = rgb.astype(np.float64) @ LUMA_WEIGHTS
    assert np.abs(luma - gray).max() <= 0.3
    assert np.array_equal(np.round(luma).astype(dtype), gray)


def test_compose_of_true_chroma_gives_back_the_colour(photo):
    back = compose(luma_of(photo), chroma_of(photo))
    # In gamut already, so only the luma-exact rounding may move a channel, by a level.
    assert np.abs(back.astype(int) - photo.astype(int)).max() <= 1


def test_out_of_gamut_chroma_is_shortened_not_clipped():
    luma = np.full((1, 1), 0.9)
    chroma = np.array([[[0.5, 0.0]]])  # far too much red for such a bright pixel
    t = gamut_scale(luma, chroma)
    assert 0 < t[0, 0] < 1
    rgb = compose(luma, chroma)
    assert rgb[0, 0, 0] == 255 and rgb[0, 0, 0] > rgb[0, 0, 2]  # still reddish
    assert abs(rgb[0, 0].astype(float) @ LUMA_WEIGHTS - 0.9 * 255) <= 0.3


def test_grey_stored_as_rgb_gives_its_grey():
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert np.array_equal(luma_of(np.repeat(gray[..., None], 3, 2)) * 255, gray.astype(float))


def test_zero_chroma_gives_grey():
    gray = np.arange(0, 65536, 257, dtype=np.uint16).reshape(16, 16)
    rgb = compose(gray / 65535.0, np.zeros((16, 16, 2)), np.uint16)
    assert np.array_equal(rgb, np.repeat(gray[..., None], 3, 2))
