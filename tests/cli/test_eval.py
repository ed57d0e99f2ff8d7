"""`colorcore eval` through colorcore.cli.main: tables, JSON, frame ranges, bad inputs."""

import json
import math

import numpy as np
import pytest

from colorcore.cli.main import main
from colorcore.media import open_clip, open_writer, write_image
from tests.support.clips import moving_clip, with_chroma_gain

FRAMES = 5


def write_folder(folder, frames):
    folder.mkdir()
    for i, rgb in enumerate(frames):
        write_image(folder / f"frame{i}.png", rgb)
    return folder


@pytest.fixture
def clips(tmp_path):
    """Folders of frames: the truth, a copy shifted by 10 levels, a flickering colouring."""
    truth = moving_clip(FRAMES)
    shifted = [np.clip(f, 0, 245) + np.uint8(10) for f in truth]
    truth_clipped = [np.clip(f, 0, 245) for f in truth]
    flicker = with_chroma_gain(truth, [0.2, 1.0] * 3)
    return {
        "truth": write_folder(tmp_path / "truth", truth),
        "clipped": write_folder(tmp_path / "clipped", truth_clipped),
        "shifted": write_folder(tmp_path / "shifted", shifted),
        "flicker": write_folder(tmp_path / "flicker", flicker),
        "frames": truth,
    }


def run_eval(capsys, *args):
    status = main(["eval", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def no_nan(constant):
    raise AssertionError(f"JSON holds {constant}")


def run_json(capsys, *args):
    status, out, err = run_eval(capsys, *args, "--json")
    assert status == 0, err
    return json.loads(out, parse_constant=no_nan)


def test_table_shows_clip_means(clips, capsys):
    status, out, err = run_eval(capsys, clips["shifted"], clips["clipped"])
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"frames 0..{FRAMES - 1} ({FRAMES})"
    rows = {line[:14].strip(): line[14:].split() for line in lines[2:]}
    assert set(rows) == {"PSNR (dB)", "SSIM", "colourfulness", "CDC", "warp error"}
    assert float(rows["PSNR (dB)"][0]) == pytest.approx(20 * math.log10(25.5), abs=0.005)
    assert 0.9 < float(rows["SSIM"][0]) < 1
    # The same offset on R, G and B leaves rg = R - G and yb = (R + G) / 2 - B unchanged.
    assert rows["colourfulness"][0] == rows["colourfulness"][1]
    assert float(rows["CDC"][0]) > 0 and float(rows["warp error"][0]) > 0


def test_json_has_clip_and_frame_values_and_null_for_inf(clips, capsys):
    document = run_json(capsys, clips["truth"], clips["truth"])
    assert document["frame_count"] == FRAMES and len(document["frames"]) == FRAMES
    assert document["width"] == 80 and document["height"] == 64
    assert document["psnr"] is None and document["identical_frames"] == FRAMES  # identical: inf -> null
    assert document["ssim"] == pytest.approx(1.0)
    assert document["cdc_output"] == pytest.approx(document["cdc_truth"])
    first, second = document["frames"][:2]
    assert first["index"] == 0 and first["warp_error_output"] is None and first["js_output"] is None
    assert second["warp_error_output"] == pytest.approx(second["warp_error_truth"])
    assert second["warp_error_output"] < 1e-4


def test_flicker_scores_worse_than_the_truth(clips, capsys):
    document = run_json(capsys, clips["flicker"], clips["truth"])
    assert document["cdc_output"] > 5 * document["cdc_truth"]
    assert document["warp_error_output"] > 100 * document["warp_error_truth"]
    assert document["colourfulness_output"] < document["colourfulness_truth"]
    assert all(f["psnr"] < 60 for f in document["frames"][::2])  # chroma at 0.2: far from the truth


def test_frame_range_and_video_input(clips, tmp_path, capsys):
    video = tmp_path / "truth.mkv"
    frames = clips["frames"]
    with open_writer(video, fps=24, width=80, height=64) as writer:
        for rgb in frames:
            writer.write(rgb)
    with open_clip(video) as clip:  # FFV1 RGB is lossless: the scores are those of the frames
        assert np.array_equal(clip.rgb(3), frames[3])
    document = run_json(capsys, video, clips["truth"], "--frames", "1:4")
    assert (document["start"], document["stop"], document["frame_count"]) == (1, 4, 3)
    assert [f["index"] for f in document["frames"]] == [1, 2, 3]
    assert document["identical_frames"] == 3
    tail = run_json(capsys, clips["flicker"], clips["truth"], "--frames", "3:")
    assert [f["index"] for f in tail["frames"]] == [3, 4]


def test_single_images(clips, capsys):
    status, out, _ = run_eval(capsys, clips["shifted"] / "frame0.png", clips["clipped"] / "frame0.png")
    assert status == 0
    assert "CDC" in out and "n/a" in out  # one frame: no temporal scores


def assert_one_line_error(capsys, args, *fragments):
    try:
        status = main(["eval", *map(str, args)])
    except SystemExit as exit_:  # argparse's usage errors
        status = exit_.code
    _, err = capsys.readouterr()
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_bad_inputs_give_one_line(clips, tmp_path, capsys):
    truth = clips["truth"]
    assert_one_line_error(capsys, [tmp_path / "missing", truth], "missing", "no such file")
    assert_one_line_error(capsys, [truth, tmp_path / "gone.mp4"], "gone.mp4")

    short = write_folder(tmp_path / "short", moving_clip(FRAMES - 1))
    assert_one_line_error(capsys, [short, truth], f"has {FRAMES - 1} frames", f"has {FRAMES}")

    small = write_folder(tmp_path / "small", [f[:32, :40] for f in clips["frames"]])
    assert_one_line_error(capsys, [small, truth], "40x32", "80x64")

    text = tmp_path / "notes.txt"
    text.write_text("not a video\n")
    assert_one_line_error(capsys, [text, truth], "notes.txt")
    fake = tmp_path / "fake.png"
    fake.write_text("not an image\n")
    assert_one_line_error(capsys, [truth, fake], "fake.png")

    assert_one_line_error(capsys, [truth, truth, "--frames", "3"], "START:STOP")
    assert_one_line_error(capsys, [truth, truth, "--frames", "4:2"], "START < STOP")
    assert_one_line_error(capsys, [truth, truth, "--frames", "2:99"], "past the clip", f"{FRAMES} frames")
    assert_one_line_error(capsys, [truth, truth, "--frames", f"{FRAMES}:"], "past the clip")

    tiny = write_folder(tmp_path / "tiny", [f[:8, :8] for f in clips["frames"]])
    assert_one_line_error(capsys, [tiny, tiny], "too small")
