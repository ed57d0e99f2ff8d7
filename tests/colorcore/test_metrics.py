"""colorcore.metrics on synthetic frames with known answers, and on a moving texture."""

import json
import math

import cv2
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from colorcore.colorspace import chroma_of, compose, luma_of
from colorcore.media import rgb_to_luma
from colorcore.metrics import (
    ClipEvaluator,
    cdc,
    channel_histograms,
    colourfulness,
    frame_warp_error,
    js_divergence,
    psnr,
    reliable_flow,
    ssim,
    to_rgb8,
    warp_error,
)
from colorcore.video.flow import FlowEstimator
from tests.support.clips import moving_clip, textured_canvas, with_chroma_gain
from tests.support.images import synthetic_photo

LN2 = math.log(2.0)


# -- PSNR, SSIM, conversions ---------------------------------------------------------------


def test_identical_frames_give_infinite_psnr_and_unit_ssim(photo):
    assert psnr(photo, photo) == math.inf
    assert ssim(photo, photo) == pytest.approx(1.0, abs=1e-12)


def test_constant_shift_gives_the_psnr_of_its_size(photo):
    base = np.clip(photo, 0, 245)
    shifted = base + np.uint8(10)  # every sample off by 10 levels: MSE = 100
    assert psnr(base, shifted) == pytest.approx(20 * math.log10(255 / 10), abs=1e-9)
    assert psnr(shifted, base) == psnr(base, shifted)
    # The error on a single channel is a third of the MSE.
    red_only = base.copy()
    red_only[..., 0] += 10
    assert psnr(base, red_only) == pytest.approx(10 * math.log10(255**2 / (100 / 3)), abs=1e-9)


def test_sixteen_bit_frames_score_as_their_eight_bit_rounding(photo):
    assert np.array_equal(to_rgb8(photo.astype(np.uint16) * 257), photo)
    levels = np.array([0, 128, 129, 385, 386, 65535], dtype=np.uint16).reshape(1, 2, 3)
    assert to_rgb8(levels).ravel().tolist() == [0, 0, 1, 1, 2, 255]  # round(v / 257)
    noisy = np.clip(photo.astype(int) + 7, 0, 255).astype(np.uint8)
    wide = photo.astype(np.uint16) * 257
    assert psnr(wide, noisy) == psnr(photo, noisy)
    assert ssim(wide, noisy) == ssim(photo, noisy)
    with pytest.raises(ValueError):
        to_rgb8(photo.astype(np.float32))


def test_ssim_of_flat_frames_is_the_luminance_term():
    a = np.full((20, 24, 3), 100, np.uint8)
    b = np.full((20, 24, 3), 120, np.uint8)
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 120 + c1) / (100**2 + 120**2 + c1)  # no contrast: the C2 term is 1
    assert ssim(a, b) == pytest.approx(expected, abs=1e-12)


def reference_ssim(a, b):
    """Wang et al.'s SSIM written with scipy's Gaussian filter instead of OpenCV's."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    channels = []
    for c in range(3):
        x, y = a[..., c].astype(float), b[..., c].astype(float)

        def blur(z):
            return gaussian_filter(z, 1.5, truncate=3.5)  # radius 5: the 11x11 window

        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
        channels.append(s[5:-5, 5:-5].mean())
    return float(np.mean(channels))


def test_ssim_matches_an_independent_implementation(photo):
    rng = np.random.default_rng(3)
    noisy = np.clip(photo + rng.normal(0, 20, photo.shape), 0, 255).astype(np.uint8)
    blurred = cv2.GaussianBlur(photo, (7, 7), 2.0)
    for other in (noisy, blurred):
        value = ssim(photo, other)
        assert value == pytest.approx(reference_ssim(photo, other), abs=1e-10)
        assert value == pytest.approx(ssim(other, photo), abs=1e-12)
    assert 0 < ssim(photo, noisy) < ssim(photo, blurred) < 1


def test_psnr_and_ssim_refuse_mismatched_or_tiny_frames(photo):
    with pytest.raises(ValueError, match="differ in size"):
        psnr(photo, photo[:-1])
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(photo[:10, :10], photo[:10, :10])


# -- colourfulness -------------------------------------------------------------------------


def test_grey_has_no_colourfulness(photo):
    grey = np.repeat(luma_of(photo)[..., None] * 255, 3, axis=2).round().astype(np.uint8)
    assert colourfulness(grey) == 0.0
    assert colourfulness(photo) > 10


def test_colourfulness_of_known_images():
    flat = np.empty((4, 6, 3), np.uint8)
    flat[...] = (200, 100, 50)  # rg = 100, yb = 150 - 50 = 100, no spread
    assert colourfulness(flat) == pytest.approx(0.3 * math.hypot(100, 100), abs=1e-9)
    halves = np.zeros((4, 6, 3), np.uint8)
    halves[:, :3] = (255, 0, 0)  # rg = 255, yb = 127.5 on half the pixels, 0 elsewhere
    expected = math.hypot(255 / 2, 127.5 / 2) + 0.3 * math.hypot(255 / 2, 127.5 / 2)
    assert colourfulness(halves) == pytest.approx(expected, abs=1e-9)


# -- histograms, Jensen-Shannon, CDC -------------------------------------------------------


def test_channel_histograms_count_each_channel():
    rgb = np.zeros((2, 5, 3), np.uint8)
    rgb[..., 0] = 7
    rgb[0, :, 1] = 255
    rgb[..., 2] = np.arange(10).reshape(2, 5)
    hist = channel_histograms(rgb)
    assert hist.shape == (3, 256) and hist.dtype == np.float64
    assert np.allclose(hist.sum(axis=1), 1.0)
    assert hist[0, 7] == 1.0
    assert hist[1, 0] == 0.5 and hist[1, 255] == 0.5
    assert np.allclose(hist[2, :10], 0.1) and hist[2, 10:].sum() == 0


def test_js_divergence_is_symmetric_bounded_and_zero_for_equal(photo):
    a = channel_histograms(photo)
    b = channel_histograms(np.clip(photo.astype(int) + 30, 0, 255).astype(np.uint8))
    assert js_divergence(a, a) == 0.0
    assert js_divergence(a, b) == pytest.approx(js_divergence(b, a), abs=1e-15)
    assert 0 < js_divergence(a, b) < LN2
    dark = channel_histograms(np.full((3, 3, 3), 10, np.uint8))
    light = channel_histograms(np.full((3, 3, 3), 200, np.uint8))
    assert js_divergence(dark, light) == pytest.approx(LN2, abs=1e-15)


def test_js_divergence_known_value_and_channel_mean():
    p = np.array([[1.0, 0.0], [0.5, 0.5]])
    q = np.array([[0.5, 0.5], [0.5, 0.5]])
    # Channel 0: m = (.75, .25); channel 1 is equal (0): the mean halves channel 0's value.
    first = 0.5 * math.log(1 / 0.75) + 0.5 * (0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25))
    assert js_divergence(p, q) == pytest.approx(first / 2, abs=1e-15)
    with pytest.raises(ValueError):
        js_divergence(p, q[:1])


def test_cdc_weights_distances_1_2_4_over_the_pairs_that_exist():
    a = channel_histograms(np.full((2, 2, 3), 0, np.uint8))
    b = channel_histograms(np.full((2, 2, 3), 255, np.uint8))
    # a b a b a: every neighbour pair is disjoint (ln 2), pairs 2 and 4 apart are equal (0).
    assert cdc([a, b, a, b, a]) == pytest.approx(LN2 / 3, abs=1e-15)
    # a a a a b: d=1 -> ln2 once in 4 pairs; d=2 -> once in 3; d=4 -> once in 1.
    assert cdc([a, a, a, a, b]) == pytest.approx((LN2 / 4 + LN2 / 3 + LN2) / 3, abs=1e-15)
    # Three frames: no pair 4 apart, so d=1 and d=2 share the weight.
    assert cdc([a, b, a]) == pytest.approx(LN2 / 2, abs=1e-15)
    assert cdc(iter([a, a, a])) == 0.0
    assert math.isnan(cdc([a]))


# -- warp error ----------------------------------------------------------------------------


def test_frame_warp_error_follows_the_flow_convention():
    canvas = textured_canvas(40, 60)
    prev, nxt = canvas[:, :50], canvas[:, 3:53]  # camera pans right: content moves 3 px left
    valid = np.zeros((40, 50), bool)
    valid[:, 3:] = True  # columns 0..2 leave the view
    along = np.broadcast_to(np.array([-3.0, 0.0], np.float32), (40, 50, 2)).copy()
    assert frame_warp_error(prev, nxt, along, valid) == 0.0
    assert frame_warp_error(prev, nxt, -along, valid) > 1e-3
    still = np.zeros((40, 50, 2), np.float32)
    brighter = prev + np.uint8(5)
    everywhere = np.ones((40, 50), bool)
    assert frame_warp_error(prev, brighter, still, everywhere) == pytest.approx((5 / 255) ** 2, rel=1e-6)
    assert math.isnan(frame_warp_error(prev, brighter, still, np.zeros((40, 50), bool)))


def test_reliable_flow_finds_the_motion_and_drops_what_leaves_the_view():
    frames = moving_clip(2, step=(3, 1))
    flow, valid = reliable_flow(luma_of(frames[0]), luma_of(frames[1]), FlowEstimator("medium"))
    inner = flow[8:-8, 8:-8].reshape(-1, 2)
    assert np.allclose(np.median(inner, axis=0), (-3, -1), atol=0.2)
    assert valid.dtype == bool and valid.mean() > 0.8
    assert valid[:, :3].mean() < 0.2  # these points move out of frame 1


def test_flicker_raises_cdc_and_warp_error():
    truth = moving_clip(6)
    steady = with_chroma_gain(truth, [0.8] * 6)
    flicker = with_chroma_gain(truth, [0.2, 1.0, 0.2, 1.0, 0.2, 1.0])
    histograms = {
        name: [channel_histograms(f) for f in clip] for name, clip in (("steady", steady), ("flicker", flicker))
    }
    assert cdc(histograms["flicker"]) > 5 * cdc(histograms["steady"])
    steady_warp = warp_error(steady, guide=truth)
    assert steady_warp < 2e-4  # the colour moves with the texture
    assert warp_error(flicker, guide=truth) > 100 * steady_warp
    # Colour that stays put while the texture moves is unsteady too.
    frozen = [compose(luma_of(f), chroma_of(truth[0])) for f in truth]
    assert warp_error(frozen, guide=truth) > 100 * steady_warp


def test_warp_error_guide_may_be_luma_and_must_be_long_enough():
    truth = moving_clip(3)
    lumas = [rgb_to_luma(f) for f in truth]  # HxW uint8, the luma the RGB guide gives
    assert warp_error(truth, guide=lumas) == pytest.approx(warp_error(truth, guide=truth), abs=1e-9)
    assert math.isnan(warp_error(truth[:1]))
    with pytest.raises(ValueError, match="fewer frames"):
        warp_error(truth, guide=truth[:2])


# -- the streaming evaluator ---------------------------------------------------------------


def test_clip_evaluator_agrees_with_the_single_functions():
    truth = moving_clip(6)
    output = with_chroma_gain(truth, [0.9, 0.5, 0.9, 0.5, 0.9, 0.5])
    evaluator = ClipEvaluator(first_index=10)
    scores = [evaluator.add(o, t) for o, t in zip(output, truth)]
    result = evaluator.result()
    assert result.frame_count == 6 and [s.index for s in scores] == list(range(10, 16))
    assert result.frames == scores
    assert result.psnr == pytest.approx(np.mean([psnr(o, t) for o, t in zip(output, truth)]))
    assert result.ssim == pytest.approx(np.mean([ssim(o, t) for o, t in zip(output, truth)]))
    assert result.colourfulness_truth == pytest.approx(np.mean([colourfulness(t) for t in truth]))
    assert result.cdc_output == pytest.approx(cdc(channel_histograms(o) for o in output), abs=1e-15)
    assert result.cdc_truth == pytest.approx(cdc(channel_histograms(t) for t in truth), abs=1e-15)
    assert result.warp_error_output == pytest.approx(warp_error(output, guide=truth), rel=1e-9)
    assert result.warp_error_truth == pytest.approx(warp_error(truth), rel=1e-9)
    assert math.isnan(scores[0].warp_error_output) and math.isnan(scores[0].js_output)
    assert scores[1].js_output == pytest.approx(
        js_divergence(channel_histograms(output[0]), channel_histograms(output[1]))
    )
    assert result.warp_error_output > 5 * result.warp_error_truth


def test_identical_frames_are_left_out_of_the_mean_psnr_and_json_has_no_nan():
    truth = moving_clip(3)
    output = [truth[0], np.clip(truth[1].astype(int) + 10, 0, 255).astype(np.uint8), truth[2]]
    evaluator = ClipEvaluator()
    for o, t in zip(output, truth):
        evaluator.add(o, t)
    result = evaluator.result()
    assert result.identical_frames == 2
    assert result.psnr == pytest.approx(psnr(output[1], truth[1]))
    document = result.to_dict()
    text = json.dumps(document, allow_nan=False)  # raises on nan or inf
    assert document["frames"][0]["psnr"] is None and document["frames"][0]["warp_error_output"] is None
    assert json.loads(text)["frames"][1]["psnr"] == pytest.approx(result.psnr)


def test_clip_evaluator_of_one_frame_and_of_none():
    evaluator = ClipEvaluator()
    with pytest.raises(ValueError, match="no frame"):
        evaluator.result()
    photo = synthetic_photo(32, 40)
    evaluator.add(photo, photo)
    result = evaluator.result()
    assert result.psnr == math.inf and result.identical_frames == 1
    assert math.isnan(result.cdc_output) and math.isnan(result.warp_error_output)
    with pytest.raises(ValueError, match="frame size changed"):
        evaluator.add(photo[:30], photo[:30])
