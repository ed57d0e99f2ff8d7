"""Hints: vector strokes, rasterisation at any size, the marked convention, JSON."""

import numpy as np
import pytest

from colorcore import Hints, InputError, Stroke
from colorcore.colorspace import chroma_of


def test_stroke_rasterises_with_its_chroma_and_a_separate_mask():
    hints = Hints(canvas_size=(100, 80), strokes=[Stroke([(10, 40), (90, 40)], color=(1, 0, 0), width=6)])
    raster = hints.rasterize()
    assert raster.mask.shape == (80, 100)
    assert raster.mask[40, 50] and not raster.mask[10, 50]
    red = chroma_of(np.array([[[255, 0, 0]]], np.uint8))[0, 0]
    np.testing.assert_allclose(raster.chroma[40, 50], red, atol=1e-4)
    assert 5 * 80 <= raster.count <= 8 * 90  # about width x length, with round caps


def test_neutral_stroke_is_a_hint_with_zero_chroma():
    hints = Hints(
        canvas_size=(60, 40),
        strokes=[
            Stroke([(5, 20), (55, 20)], color=(0, 0, 1), width=9),
            Stroke([(30, 5), (30, 35)], kind="neutral", width=5),
        ],
    )
    raster = hints.rasterize()
    assert raster.mask[20, 30] and np.all(raster.chroma[20, 30] == 0)
    assert raster.mask[20, 10] and raster.chroma[20, 10, 0] < 0  # blue has negative I


def test_erase_removes_hints_under_it():
    hints = Hints(
        canvas_size=(60, 40),
        strokes=[
            Stroke([(5, 20), (55, 20)], color=(0, 1, 0), width=9),
            Stroke([(30, 0), (30, 40)], kind="erase", width=10),
        ],
    )
    raster = hints.rasterize()
    assert not raster.mask[20, 30] and raster.mask[20, 10]


def test_rasterising_at_another_size_scales_strokes():
    hints = Hints(canvas_size=(100, 50), strokes=[Stroke([(10, 25), (90, 25)], color=(1, 1, 0), width=4)])
    small, big = hints.rasterize(size=(100, 50)), hints.rasterize(size=(400, 200))
    assert big.mask.shape == (200, 400)
    assert big.mask[100, 200] and not big.mask[100, 20]
    assert 12 <= big.count / small.count <= 20  # about 16 times the area


def test_strokes_belong_to_their_frame():
    hints = Hints(canvas_size=(20, 20), strokes=[Stroke([(2, 2), (18, 18)], frame=3, color=(1, 0, 0))])
    assert hints.keyframes == [3]
    assert hints.rasterize(frame=0).count == 0 and hints.rasterize(frame=3).count > 0


def test_from_marked_follows_levins_threshold(photo):
    gray = np.round(photo.astype(float) @ [0.299, 0.587, 0.114]).astype(np.uint8)
    marked = np.repeat(gray[..., None], 3, 2)
    marked[10:20, 10:20] = photo[10:20, 10:20]  # colour scribble
    marked[30, 30] = gray[30, 30] + np.array([1, 0, 0], np.uint8)  # 1/255 < 0.01: not a scribble
    marked[40, 40] = np.clip(gray[40, 40].astype(int) + np.array([1, 1, 1]), 0, 255)  # 3/255 > 0.01
    hints = Hints.from_marked(gray, marked)
    raster = hints.rasterize()
    assert not raster.mask[30, 30] and raster.mask[40, 40]
    colourful = np.abs(chroma_of(photo[10:20, 10:20])).sum(2) > 0.02
    assert raster.mask[10:20, 10:20][colourful].all()


def test_from_marked_rejects_a_size_mismatch():
    with pytest.raises(InputError, match="same size"):
        Hints.from_marked(np.zeros((10, 10), np.uint8), np.zeros((10, 12, 3), np.uint8))


def test_json_round_trip_keeps_strokes_and_rasters(photo):
    gray = photo[..., 1].copy()
    marked = np.repeat(gray[..., None], 3, 2)
    marked[5:9, 5:30] = [200, 30, 30]
    hints = Hints.from_marked(gray, marked)
    hints.strokes += [
        Stroke([(1.5, 2.25), (40, 50)], color=(0.1, 0.2, 0.9), width=3.5, frame=0, hardness=0.5),
        Stroke([(60, 60)], kind="neutral", width=8),
    ]
    again = Hints.from_json(hints.to_json())
    assert again.to_dict() == hints.to_dict()
    a, b = hints.rasterize(), again.rasterize()
    assert np.array_equal(a.mask, b.mask) and np.allclose(a.chroma, b.chroma)


def test_saved_hints_load_back(tmp_path):
    hints = Hints(canvas_size=(30, 20), strokes=[Stroke([(1, 1), (20, 10)], color=(0.3, 0.6, 0.1))])
    path = tmp_path / "h.json"
    hints.save(path)
    assert Hints.load(path).to_dict() == hints.to_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["h.json"]  # no temporary left behind


def test_a_newer_format_version_is_refused():
    with pytest.raises(InputError, match="newer"):
        Hints.from_dict({"version": 99, "canvas_size": [1, 1]})


def test_malformed_json_is_an_input_error():
    with pytest.raises(InputError, match="not valid JSON"):
        Hints.from_json("{not json")


def test_saved_hints_get_ordinary_permissions(tmp_path):
    import os
    import stat

    Hints(canvas_size=(4, 4)).save(tmp_path / "h.json")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "h.json").stat().st_mode) == 0o666 & ~umask


def test_raster_hint_keeps_only_what_was_painted():
    gray = np.full((480, 854), 120, np.uint8)
    marked = np.repeat(gray[..., None], 3, axis=2)
    marked[100:110, 200:220] = (200, 40, 40)
    raster = Hints.from_marked(gray, marked).rasters[0]
    assert raster.count == 200
    assert raster._bits.nbytes + raster._colours.nbytes < 60_000  # not a full 1.2 MB frame
    assert np.array_equal(raster.mask, (marked != gray[..., None]).any(axis=2))
    assert np.array_equal(raster.rgb[raster.mask], marked[raster.mask])
