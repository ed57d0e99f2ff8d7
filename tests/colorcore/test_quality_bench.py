"""Quality benchmark: stroke simulator, baselines, table and targets, and the command."""

import json
import math

import cv2
import numpy as np
import pytest

from colorcore.bench.baselines import (
    BORDER_GREY,
    BORDER_REPLICATED,
    carried_stroke_frames,
    chained_flow_frames,
    grey_frames,
)
from colorcore.bench.quality import (
    ALIGNED,
    BEST,
    CHAINED,
    CHAINED_GREY,
    GREY,
    METHOD,
    PER_FRAME,
    TRUTH,
    MethodScores,
    check_targets,
    format_table,
    given_frames,
    keyframes_of,
    protocol_guidance,
    simulate_keyframe_strokes,
    unaligned_exemplar,
)
from colorcore.cli.main import build_parser, main
from colorcore.colorspace import chroma_of, luma_of
from colorcore.guidance.hints import HintRaster, Hints
from colorcore.media import open_clip, write_image

SQUARE_RGB = (210, 60, 40)  # a red square
BACKGROUND_TINT = (0.35, 0.55, 0.8)  # over a blue-ish textured field


def regions_photo(height=144, width=192, seed=0):
    """HxWx3 uint8 of three flat colour regions (with a little noise) and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((height, width), np.int64)
    labels[:, width // 2 :] = 1
    yy, xx = np.mgrid[0:height, 0:width]
    labels[(yy - height * 0.5) ** 2 + (xx - width * 0.25) ** 2 < (height * 0.3) ** 2] = 2
    colours = np.array([[60, 110, 190], [70, 160, 60], [200, 60, 40]], np.float64)
    rgb = colours[labels] + rng.normal(0, 2.0, (height, width, 3))
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8), labels


def moving_square(count, height=64, width=96, speed=2):
    """``count`` RGB frames: a textured red square moving right by ``speed`` px/frame over
    a still textured blue field, and the square's boxes (x0, y0, x1, y1) per frame."""
    rng = np.random.default_rng(1)
    texture = cv2.resize(rng.random((height // 6, width // 6)), (width, height), interpolation=cv2.INTER_CUBIC)
    field = np.clip((0.6 + 0.5 * texture)[..., None] * BACKGROUND_TINT, 0, 1)
    grain = cv2.resize(rng.random((6, 6)), (20, 20), interpolation=cv2.INTER_CUBIC)
    frames, boxes = [], []
    for i in range(count):
        frame = field.copy()
        x0, y0 = 10 + speed * i, 22
        frame[y0 : y0 + 20, x0 : x0 + 20] = (np.array(SQUARE_RGB) / 255.0) * (0.75 + 0.3 * grain[..., None])
        frames.append(np.clip(np.round(frame * 255), 0, 255).astype(np.uint8))
        boxes.append((x0, y0, x0 + 20, y0 + 20))
    return frames, boxes


def write_clip(folder, frames):
    folder.mkdir(parents=True)
    for i, rgb in enumerate(frames):
        write_image(folder / f"{i:05d}.png", rgb)
    return folder


def hue_ok(rgb, box, inset=5):
    """True when the box's inner pixels are red: R clearly above G and B."""
    x0, y0, x1, y1 = box
    inner = rgb[y0 + inset : y1 - inset, x0 + inset : x1 - inset].reshape(-1, 3).astype(float)
    r, g, b = inner.mean(axis=0)
    return r > g + 40 and r > b + 40


# -- stroke simulator ----------------------------------------------------------------------


def test_strokes_lie_inside_uniform_regions_with_their_true_colour():
    rgb, labels = regions_photo()
    strokes = simulate_keyframe_strokes(rgb, frame=3, seed=7)
    assert 8 <= len(strokes) <= 15
    size = (rgb.shape[1], rgb.shape[0])
    covered = set()
    for stroke in strokes:
        assert stroke.frame == 3 and stroke.kind == "colour" and 3 <= stroke.width <= 9
        mask = Hints(size, [stroke]).rasterize(3).mask
        assert mask.any()
        # Inside one region: a single label under the whole footprint.
        assert len(np.unique(labels[mask])) == 1, "a stroke crosses a region edge"
        covered.add(int(labels[mask][0]))
        # Its colour is the true colour's median under it.
        expected = np.median(rgb[mask].astype(float), axis=0) / 255.0
        assert np.allclose(stroke.color, expected, atol=1e-9)
    assert covered == {0, 1, 2}, "every large region gets a stroke"


def test_stroke_simulator_is_deterministic():
    rgb, _ = regions_photo()
    first = [s.to_dict() for s in simulate_keyframe_strokes(rgb, 0, seed=1)]
    again = [s.to_dict() for s in simulate_keyframe_strokes(rgb, 0, seed=1)]
    other = [s.to_dict() for s in simulate_keyframe_strokes(rgb, 0, seed=2)]
    assert first == again
    assert first != other


def test_protocols_give_only_what_they_allow(tmp_path):
    frames, _ = moving_square(30)
    with open_clip(write_clip(tmp_path / "square", frames)) as clip:
        first = protocol_guidance(1, clip, range(30))
        assert [r.frame for r in first.references] == [0, 29] and first.hints is None
        assert np.array_equal(first.references[1].rgb, frames[29])
        second = protocol_guidance(2, clip, range(30))
        assert second.references == [] and second.keyframes() == keyframes_of(range(30)) == [0, 25]
        third = protocol_guidance(3, clip, range(30))
        assert [r.frame for r in third.references] == [0] and third.hints is None
        fourth = protocol_guidance(4, clip, range(30))
        assert fourth.references == [] and fourth.hints is None and len(fourth.exemplars) == 1
        assert fourth.exemplars[0].rgb.shape != frames[15].shape
        assert [sorted(given_frames(p, range(30))) for p in (1, 2, 3, 4)] == [[0, 29], [], [0], [15]]


def test_unaligned_exemplar_is_cropped_scaled_and_mirrored():
    rgb = np.zeros((100, 200, 3), np.uint8)
    rgb[:, :100] = (255, 0, 0)  # red left half, blue right half
    rgb[:, 100:] = (0, 0, 255)
    exemplar = unaligned_exemplar(rgb)
    assert exemplar.dtype == np.uint8 and exemplar.shape[0] < 80 and exemplar.shape[1] < 140
    assert exemplar[5, 2, 2] == 255 and exemplar[5, -3, 0] == 255, "mirrored: blue now on the left"


# -- baselines ------------------------------------------------------------------------------


def test_chained_flow_colour_follows_the_moving_square(tmp_path):
    frames, boxes = moving_square(12)
    with open_clip(write_clip(tmp_path / "square", frames)) as clip:
        produced = list(chained_flow_frames(clip, range(12), {0: chroma_of(frames[0])}))
        assert [i for i, _, _ in produced] == list(range(12))
        outputs = {i: variants[BORDER_GREY] for i, variants, _ in produced}
        last = outputs[11]
        assert last.dtype == np.uint8 and last.shape == frames[11].shape
        assert hue_ok(last, boxes[11]), "the square lost its colour"
        # The field ahead of the square, which it has not reached yet, stays blue.
        ahead = last[25:40, 70:90].reshape(-1, 3).astype(float).mean(axis=0)
        assert ahead[2] > ahead[0] + 40
        # Luma is the grey input's (the true colour's luma rounded to a level).
        assert np.abs(luma_of(last) * 255 - clip_luma(frames[11])).max() <= 0.3


def test_chained_flow_blends_two_keyframes_by_distance(tmp_path):
    frames, _ = moving_square(9)
    warm = np.zeros(frames[0].shape[:2] + (2,)) + (0.15, 0.05)
    cool = np.zeros(frames[0].shape[:2] + (2,)) + (-0.15, -0.05)
    with open_clip(write_clip(tmp_path / "square", frames)) as clip:
        outputs = {i: v[BORDER_GREY] for i, v, _ in chained_flow_frames(clip, range(9), {0: warm, 8: cool})}
    middle = chroma_of(outputs[4])[20:44, 50:90].mean(axis=(0, 1))
    near_first = chroma_of(outputs[2])[20:44, 50:90].mean(axis=(0, 1))
    assert abs(middle[0]) < 0.03, "half way, the two keyframes weigh the same"
    assert 0.03 < near_first[0] < 0.12, "nearer the warm keyframe, warmer"


def pan(count, height=60, width=90, speed=3):
    """``count`` frames of a camera panning right over a wide picture: a red left part
    and a textured green right part, so new green comes in at the right edge."""
    rng = np.random.default_rng(2)
    wide = width + speed * count
    texture = cv2.resize(rng.random((height // 5, wide // 5)), (wide, height), interpolation=cv2.INTER_CUBIC)
    scene = np.clip((0.5 + 0.5 * texture)[..., None] * (0.3, 0.8, 0.3), 0, 1)
    scene[:, : width // 2] = np.clip((0.5 + 0.5 * texture[:, : width // 2])[..., None] * (0.9, 0.3, 0.25), 0, 1)
    return [
        np.clip(np.round(scene[:, speed * i : speed * i + width] * 255), 0, 255).astype(np.uint8) for i in range(count)
    ]


def test_chained_flow_on_a_pan_replicates_the_border_and_marks_what_it_never_saw(tmp_path):
    frames = pan(10)
    with open_clip(write_clip(tmp_path / "pan", frames)) as clip:
        produced = {i: (v, t) for i, v, t in chained_flow_frames(clip, range(10), {0: chroma_of(frames[0])})}
    variants, tracked = produced[9]
    assert tracked[:, :40].all() and not tracked[:, -15:].any(), "what came in at the right edge is untracked"
    grey_edge = chroma_of(variants[BORDER_GREY])[:, -10:]
    replicated_edge = chroma_of(variants[BORDER_REPLICATED])[:, -10:]
    truth_edge = chroma_of(frames[9])[:, -10:]
    assert np.abs(grey_edge).max() < 1e-2, "the grey variant leaves new pixels grey"
    assert np.abs(replicated_edge - truth_edge).mean() < 0.5 * np.abs(truth_edge).mean(), "replicated: green"
    assert np.array_equal(chroma_of(variants[BORDER_GREY])[:, :40], chroma_of(variants[BORDER_REPLICATED])[:, :40])


def test_carried_strokes_colour_the_square_on_later_frames(tmp_path):
    frames, boxes = moving_square(8)
    x0, y0, x1, y1 = boxes[0]
    mask = np.zeros(frames[0].shape[:2], bool)
    mask[y0 + 6 : y1 - 6, x0 + 6 : x1 - 6] = True  # a dab on the square
    mask[4:10, 60:90] = True  # and one on the field
    key = HintRaster(mask=mask, chroma=chroma_of(frames[0]) * mask[..., None])
    with open_clip(write_clip(tmp_path / "square", frames)) as clip:
        outputs = dict(carried_stroke_frames(clip, range(8), {0: key}, device="cpu"))
        grey = dict(grey_frames(clip, range(8)))
    assert hue_ok(outputs[7], boxes[7])
    assert np.array_equal(grey[7][..., 0], grey[7][..., 2]) and np.array_equal(grey[7][..., 0], clip_luma(frames[7]))


def clip_luma(rgb):
    return np.round(luma_of(rgb) * 255).astype(np.uint8)


# -- table and targets ----------------------------------------------------------------------


def figures(psnr, cdc, warp, colour=1.0, below=0):
    return {
        "psnr": psnr,
        "ssim": 0.9,
        "cdc": cdc,
        "warp_error": warp,
        "colourfulness": 20.0 * colour,
        "colourfulness_ratio": colour,
        "worst_psnr": psnr - 3,
        "grey_at_worst": 20.0,
        "below_grey": below,
        "psnr_tracked": psnr + 1,
        "psnr_untracked": psnr - 5,
        "untracked_share": 0.1,
        "s_per_frame": 0.5,
    }


def result_of(methods_per_clip):
    clips = {name: {"frames": 10, "methods": m, "best": CHAINED} for name, m in methods_per_clip.items()}
    names = next(iter(methods_per_clip.values()))
    mean = {
        n: figures(
            *[np.mean([m[n][k] for m in methods_per_clip.values()]) for k in ("psnr", "cdc", "warp_error")],
            colour=np.mean([m[n]["colourfulness_ratio"] for m in methods_per_clip.values()]),
            below=sum(m[n]["below_grey"] for m in methods_per_clip.values()),
        )
        for n in names
    }
    return {"description": "test", "clips": clips, "mean": mean}


def test_targets_protocol_1_against_the_strongest_baseline_on_every_clip():
    good = {GREY: figures(20, 0.01, 0.002), CHAINED: figures(25, 0.004, 0.001), METHOD: figures(27, 0.0041, 0.001)}
    good[BEST] = good[CHAINED]
    assert check_targets(1, result_of({"a": good, "b": good}))["met"]
    losing = {**good, METHOD: figures(24.5, 0.004, 0.001)}  # a clip below the baseline: the mean still clears 1.5 dB
    great = {**good, METHOD: figures(29, 0.004, 0.001)}
    checks = check_targets(1, result_of({"a": losing, "b": great}))
    assert not checks["met"] and [p for _, p in checks["checks"]] == [True, False, True, True, True]
    steady = {**good, METHOD: figures(27, 0.0043, 0.001)}  # CDC 7.5% above the baseline's
    assert not check_targets(1, result_of({"a": steady}))["met"]
    washed = {**good, METHOD: figures(27, 0.004, 0.001, colour=0.85)}
    assert not check_targets(1, result_of({"a": washed}))["met"]


def test_targets_protocols_2_to_4():
    base = {GREY: figures(20, 0.01, 0.002), CHAINED: figures(24, 0.004, 0.001), PER_FRAME: figures(25, 0.01, 0.002)}
    base[BEST] = base[PER_FRAME]
    assert check_targets(2, result_of({"a": {**base, METHOD: figures(26.1, 0.002, 0.001)}}))["met"]
    assert not check_targets(2, result_of({"a": {**base, METHOD: figures(25.9, 0.002, 0.001)}}))["met"]
    one = {**base, BEST: base[CHAINED]}
    assert check_targets(3, result_of({"a": {**one, METHOD: figures(25.5, 0.004, 0.001)}}))["met"]
    dips = check_targets(3, result_of({"a": {**one, METHOD: figures(25.5, 0.004, 0.001, below=2)}}))
    assert not dips["met"] and "2 below" in dips["checks"][1][0]
    exemplar = {**one, ALIGNED: figures(30, 0.004, 0.001)}
    assert check_targets(4, result_of({"a": {**exemplar, METHOD: figures(28.6, 0.004, 0.001)}}))["met"]
    assert not check_targets(4, result_of({"a": {**exemplar, METHOD: figures(28.4, 0.004, 0.001)}}))["met"]


def test_scores_split_tracked_and_untracked_error_and_find_the_worst_frame():
    truth = np.full((12, 12, 3), 100, np.uint8)
    tracked = np.zeros((12, 12), bool)
    tracked[:, :6] = True
    method, grey = MethodScores(), MethodScores()
    from colorcore.bench.quality import _score_frame

    for k in range(3):
        output = truth.copy()
        output[:, 6:] += 10 * (k + 1)  # untracked half wrong, more each frame
        _score_frame(method, output, truth, None, None, tracked)
        _score_frame(grey, truth + (0 if k else 50), truth, None, None, tracked)
    summary = method.summary([0, 1, 2], grey)
    assert summary["psnr_tracked"] == math.inf
    assert summary["psnr_untracked"] == pytest.approx(10 * math.log10(255**2 / np.mean([100, 400, 900])))
    assert summary["untracked_share"] == 0.5
    assert summary["worst_frame"] == 2 and summary["grey_at_worst"] == math.inf
    assert summary["below_grey"] == 2  # grey is exact on frames 1 and 2
    assert summary["worst_vs_grey"] == -math.inf  # the least margin over grey: on an exact grey frame


def test_table_lists_every_clip_method_and_the_verdict():
    methods = {GREY: figures(20, 0.01, 0.002), CHAINED: figures(25, 0.004, 0.001), METHOD: figures(27, 0.003, 0.0009)}
    methods[BEST] = methods[CHAINED]
    methods[TRUTH] = figures(math.inf, 0.002, 0.0008)
    result = result_of({"alpha": methods, "beta": methods})
    result["mean"][GREY] = figures(20, math.nan, 0.002)
    result["targets"] = check_targets(1, result)
    table = format_table(1, result)
    lines = table.splitlines()
    assert lines[0].startswith("Protocol 1: test")
    assert sum(line.startswith("alpha") for line in lines) == 1 and any(
        line.startswith("mean") and " 20 " in line for line in lines
    )
    rows = [line for line in lines if METHOD in line and "27.00" in line]
    assert len(rows) == 3  # two clips and the mean
    assert sum(f"best: {CHAINED}"[:17] in line for line in lines) == 2
    truth_rows = [line for line in lines if TRUTH in line]
    assert len(truth_rows) == 3 and all("inf" not in row for row in truth_rows)
    verdict = next(line for line in lines if line.startswith("targets"))
    assert "MET" in verdict and "NOT" not in verdict


# -- the command ----------------------------------------------------------------------------


def test_bench_quality_command_on_a_tiny_clip(tmp_path, capsys):
    frames, _ = moving_square(6, height=96, width=128)
    write_clip(tmp_path / "data" / "square", frames)
    report = tmp_path / "quality.json"
    status = main(["bench", "quality", "--data", str(tmp_path / "data"), "--frames", "4", "--json", str(report)])
    assert status == 0
    printed = capsys.readouterr().out
    assert all(f"Protocol {p}" in printed for p in (1, 2, 3, 4)) and PER_FRAME in printed and ALIGNED in printed
    data = json.loads(report.read_text())
    first = data["protocols"]["1"]
    square = first["clips"]["square"]
    assert square["frames"] == 4 and square["scored"] == [1, 2]
    methods = square["methods"]
    assert set(methods) == {GREY, CHAINED_GREY, CHAINED, METHOD, TRUTH, BEST}
    assert methods[GREY]["colourfulness"] == 0.0
    assert methods[CHAINED]["psnr"] > methods[GREY]["psnr"] + 3
    assert methods[METHOD]["psnr"] > methods[GREY]["psnr"] + 3
    assert len(methods[METHOD]["per_frame"]["psnr"]) == 4 and methods[METHOD]["per_frame"]["warp_error"][0] is None
    assert set(data["protocols"]["2"]["clips"]["square"]["methods"]) == {
        GREY,
        CHAINED_GREY,
        CHAINED,
        PER_FRAME,
        METHOD,
        TRUTH,
        BEST,
    }
    stroked = data["protocols"]["2"]["clips"]["square"]["methods"]
    # At hinted pixels the method keeps the strokes' colour; the grey output does not.
    assert stroked[METHOD]["hint_error"] < 3 < stroked[GREY]["hint_error"]
    assert first["clips"]["square"]["methods"][METHOD]["hint_error"] is None  # no strokes under protocol 1
    assert data["protocols"]["3"]["clips"]["square"]["scored"] == [1, 2, 3]
    assert ALIGNED in data["protocols"]["4"]["clips"]["square"]["methods"]
    assert isinstance(first["targets"]["met"], bool)


def test_bench_quality_bad_input_is_one_line(tmp_path, capsys):
    assert main(["bench", "quality", "--data", str(tmp_path / "missing")]) == 2
    assert "no clips at" in capsys.readouterr().err
    (tmp_path / "data").mkdir()
    assert main(["bench", "quality", "--data", str(tmp_path / "data"), "--clips", "nope"]) == 2
    assert "no clip 'nope'" in capsys.readouterr().err


def test_bench_quality_takes_only_clips_and_skips_one_that_cannot_take_a_protocol(tmp_path, capsys):
    frames, _ = moving_square(5, height=64, width=80)
    data = tmp_path / "data"
    write_clip(data / "square", frames)
    write_clip(
        data / "grey.mkv", [np.repeat(f.mean(axis=2, keepdims=True), 3, axis=2).astype(np.uint8) for f in frames]
    )
    (data / "SOURCE.txt").write_text("where the clips come from\n")
    report = tmp_path / "quality.json"
    assert (
        main(["bench", "quality", "--data", str(data), "--protocol", "4", "--frames", "4", "--json", str(report)]) == 0
    )
    printed = capsys.readouterr().out
    # The grey clip's exemplar has no colour: protocol 4 skips it, says why, and goes on.
    assert "protocol 4: skipped 'grey.mkv'" in printed and "skipped: grey.mkv:" in printed
    assert "SOURCE.txt" not in printed
    result = json.loads(report.read_text())["protocols"]["4"]
    assert list(result["clips"]) == ["square"] and list(result["skipped"]) == ["grey.mkv"]
    # Nothing left to benchmark: one line and exit 2.
    assert main(["bench", "quality", "--data", str(data), "--protocol", "4", "--clips", "grey.mkv"]) == 2
    assert "no clip could be benchmarked under protocol 4" in capsys.readouterr().err


def test_plain_bench_is_still_the_solver_benchmark():
    args = build_parser().parse_args(["bench", "--skip-1080p", "--image", "x.png"])
    assert args.run.__name__ == "run_solver" and args.skip_1080p and str(args.image) == "x.png"
    args = build_parser().parse_args(["bench", "--image", "x.png", "solver"])
    assert args.run.__name__ == "run_solver" and str(args.image) == "x.png"
    assert build_parser().parse_args(["bench", "quality", "--frames", "3"]).run.__name__ == "run_quality"


def test_speed_test_video_has_marked_keyframes_that_only_mark_strokes(tmp_path):
    from colorcore.bench.speed import make_test_video, synthetic_frames
    from colorcore.media import read_image

    colour = list(synthetic_frames(12, width=128, height=96))
    video, keyframes, count = make_test_video(iter(colour), tmp_path, keyframe_step=5)
    assert count == 12 and [k.split(":")[0] for k in keyframes] == ["0", "5", "10"]
    with open_clip(video) as clip:
        assert (clip.width, clip.height) == (128, 96)
        for text in keyframes:
            frame, path = text.split(":", 1)
            frame = int(frame)
            marked = read_image(path)
            found = Hints.from_marked(clip.luma(frame), marked, frame).rasterize(frame)
            strokes = simulate_keyframe_strokes(colour[frame], frame, 0)
            painted = Hints((128, 96), strokes).rasterize(frame).mask
            # H.264's luma noise is not taken for scribbles: the marks are the strokes.
            assert found.count > 0 and np.array_equal(found.mask, painted)
    args = build_parser().parse_args(["bench", "speed", "--memory"])
    assert args.run.__name__ == "run_speed" and args.memory == []
