"""``colorcore render PROJECT -o OUTPUT``: the project rendered headless, as the editor exports it."""

import numpy as np
import pytest

from colorcore.cli.main import main
from colorcore.colorspace import luma_of
from colorcore.errors import CancelledError
from colorcore.guidance.hints import Stroke
from colorcore.guidance.project import Project
from colorcore.media import open_clip, open_writer
from colorcore.render import project_frames, render_project
from tests.support.images import synthetic_photo


def make_project(tmp_path, frames=5):
    photo = synthetic_photo(48, 64)
    grey = np.round(luma_of(photo) * 255).astype(np.uint8)
    with open_writer(tmp_path / "clip.mkv", fps=24, width=64, height=48) as writer:
        for i in range(frames):
            writer.write(np.roll(grey, i, axis=1))
    with open_clip(tmp_path / "clip.mkv") as clip:
        project = Project.for_clip(clip)
    project.hints.strokes.append(Stroke([(8, 8), (30, 10)], color=(0.9, 0.2, 0.1), width=4, frame=0))
    project.hints.strokes.append(Stroke([(45, 35), (60, 40)], color=(0.1, 0.3, 0.9), width=4, frame=0))
    project.save(tmp_path / "p.keyhue")
    return project


def test_render_writes_every_frame_with_the_source_luma(tmp_path, capsys):
    project = make_project(tmp_path)
    assert main(["render", str(project.path), "-o", str(tmp_path / "out.mkv")]) == 0
    assert "wrote" in capsys.readouterr().out
    with open_clip(tmp_path / "out.mkv") as out, open_clip(tmp_path / "clip.mkv") as src:
        assert len(out) == 5
        colour = out.rgb(0).astype(int)
        assert np.abs(colour[..., 0] - colour[..., 2]).max() > 20  # it is coloured
        for i in range(5):
            assert np.abs(out.luma(i).astype(int) - src.luma(i).astype(int)).max() <= 1


def test_render_equals_the_frames_the_editor_gets(tmp_path):
    project = make_project(tmp_path, frames=3)
    render_project(project, tmp_path / "frames", frames=range(1, 3))
    with project.open_clip() as clip:
        expected = dict(project_frames(project, clip, range(1, 3)))
    with open_clip(tmp_path / "frames") as out:
        assert len(out) == 2
        assert np.array_equal(out.rgb(0), expected[1]) and np.array_equal(out.rgb(1), expected[2])


def test_cancel_leaves_no_output(tmp_path):
    project = make_project(tmp_path)
    with pytest.raises(CancelledError):
        render_project(project, tmp_path / "out.mp4", cancel=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mkv", "p.keyhue"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing_media", "is missing"),
        ("existing_output", "already exists"),
        ("corrupt_project", "not valid JSON"),
        ("bad_range", "--frames wants START:STOP"),
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, setup, message):
    project = make_project(tmp_path)
    out = tmp_path / "out.mkv"
    extra = []
    if setup == "missing_media":
        (tmp_path / "clip.mkv").rename(tmp_path / "gone.mkv")
    elif setup == "existing_output":
        out.write_bytes(b"keep me")
    elif setup == "corrupt_project":
        project.path.write_text("{")
    else:
        extra = ["--frames", "7"]
    assert main(["render", str(project.path), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists() or out.read_bytes() == b"keep me"


def test_a_partial_render_keeps_its_audio_in_step(tmp_path):
    from tests.support.media import H, W, audio_seconds, encode_with_audio

    source = encode_with_audio(tmp_path / "talk.mkv", "flac", n=24)
    with open_clip(source) as clip:
        project = Project.for_clip(clip)
    project.hints.strokes.append(Stroke([(4, 4), (W - 4, H - 4)], color=(0.9, 0.5, 0.1), width=3, frame=12))
    project.save(tmp_path / "talk.keyhue")
    assert main(["render", str(tmp_path / "talk.keyhue"), "-o", str(tmp_path / "half.mkv"), "--frames", "12:24"]) == 0
    with open_clip(tmp_path / "half.mkv") as out:
        assert len(out) == 12 and out.has_audio
    assert abs(audio_seconds(tmp_path / "half.mkv") - 0.5) < 0.05


def test_tiff_sequences_are_16_bit(tmp_path):
    project = make_project(tmp_path, frames=2)
    assert main(["render", str(project.path), "-o", str(tmp_path / "tiffs"), "--image-format", "tiff"]) == 0
    with open_clip(tmp_path / "tiffs") as out:
        assert len(out) == 2 and out.bit_depth == 16


@pytest.mark.slow
def test_readme_demo_command_renders_the_demo_clip(tmp_path):
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    readme = (repo / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("pip install -e . && colorcore "))
    args = shlex.split(line.split("&&", 1)[1])
    assert args[:2] == ["colorcore", "render"]
    args[args.index("-o") + 1] = str(tmp_path / "demo.mp4")
    result = subprocess.run([sys.executable, "-m", "colorcore", *args[1:]], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / 'demo.mp4'}" in result.stdout
    with open_clip(tmp_path / "demo.mp4") as out, open_clip(repo / "resources" / "demo" / "coffee-pan.mp4") as src:
        assert len(out) == len(src) == 48
        for i in (0, 24, 47):
            colour = out.rgb(i).astype(int)
            assert np.abs(colour[..., 0] - colour[..., 2]).mean() > 10  # coloured throughout
            # Lossy twice (the demo's H.264, then ours at 4:2:0): about one level on average.
            assert np.abs(out.luma(i).astype(int) - src.luma(i).astype(int)).mean() < 1.5


def test_a_partial_render_to_frames_keeps_the_source_numbering(tmp_path):
    project = make_project(tmp_path, frames=4)
    assert main(["render", str(project.path), "-o", str(tmp_path / "frames"), "--frames", "2:4"]) == 0
    assert sorted(p.name for p in (tmp_path / "frames").glob("frame_*")) == ["frame_000002.png", "frame_000003.png"]


def test_a_shot_grade_in_the_project_is_applied_by_render_on_chroma_only(tmp_path):
    from colorcore.grade import ShotGrade, apply_grade

    project = make_project(tmp_path, frames=4)
    assert main(["render", str(project.path), "-o", str(tmp_path / "plain"), "--frames", "0:4"]) == 0
    project.grades = [ShotGrade(2, 4, saturation=1.6, hue=30.0)]
    project.save()
    reloaded = Project.load(project.path)
    assert reloaded.grades == project.grades
    assert main(["render", str(project.path), "-o", str(tmp_path / "graded"), "--frames", "0:4"]) == 0
    with open_clip(tmp_path / "plain") as plain, open_clip(tmp_path / "graded") as graded:
        assert np.array_equal(plain.rgb(1), graded.rgb(1))  # outside the graded shot: unchanged
        assert np.array_equal(apply_grade(plain.rgb(3), project.grades[0]), graded.rgb(3))
        assert not np.array_equal(plain.rgb(3), graded.rgb(3))
        assert np.array_equal(plain.luma(3), graded.luma(3))  # luma untouched


@pytest.mark.parametrize("grade", [{"frames": [3, 2]}, {"frames": [0, 2], "saturation": "nan"}, {"frames": [0, 99]}])
def test_a_damaged_grade_is_refused_in_one_line(tmp_path, capsys, grade):
    import json

    project = make_project(tmp_path, frames=3)
    data = json.loads(project.path.read_text())
    data["grades"] = [grade]
    project.path.write_text(json.dumps(data))
    assert main(["render", str(project.path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "grade" in err and "\n" not in err
