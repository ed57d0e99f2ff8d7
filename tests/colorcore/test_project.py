"""Project files: round trips, portability, moved media and damaged files."""

import json
import shutil

import numpy as np
import pytest

from colorcore.errors import InputError
from colorcore.guidance.hints import Stroke
from colorcore.guidance.project import (
    PROJECT_VERSION,
    MediaChangedError,
    MediaMissingError,
    Project,
    media_fingerprint,
)
from colorcore.guidance.references import Exemplar, Reference
from colorcore.media import open_clip, open_writer


def make_clip(path, frames=6, size=(48, 32), seed=0):
    rng = np.random.default_rng(seed)
    with open_writer(path, fps=25, width=size[0], height=size[1]) as writer:
        for _ in range(frames):
            writer.write(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    return path


def new_project(tmp_path):
    (tmp_path / "media").mkdir()
    media = make_clip(tmp_path / "media" / "clip.mkv")
    with open_clip(media) as clip:
        project = Project.for_clip(clip)
    project.hints.strokes.append(Stroke([(3, 4), (20, 9.5)], color=(0.8, 0.2, 0.1), width=4, frame=2))
    project.hints.strokes.append(Stroke([(10, 10)], width=6, frame=4, kind="neutral", hardness=0.5))
    ref = np.zeros((32, 48, 3), np.uint8)
    ref[..., 0] = 200
    project.references.append(Reference(frame=5, rgb=ref, source="ref.png"))
    project.exemplars.append(Exemplar(rgb=np.full((10, 12, 3), 90, np.uint8), frames=(0, 3), source="photo.jpg"))
    project.settings["solver"] = "exact"
    return project


def test_save_and_load_round_trip(tmp_path):
    project = new_project(tmp_path)
    saved = project.save(tmp_path / "p.keyhue")
    data = json.loads(saved.read_text())
    assert data["version"] == PROJECT_VERSION and data["source"]["path"] == "media/clip.mkv"
    assert data["source"]["fps"] == "25/1" and data["source"]["frames"] == 6
    loaded = Project.load(saved)
    assert loaded.media == project.media
    assert [s.to_dict() for s in loaded.hints.strokes] == [s.to_dict() for s in project.hints.strokes]
    assert loaded.keyframes() == [2, 4, 5]
    assert np.array_equal(loaded.references[0].rgb, project.references[0].rgb)
    assert loaded.exemplars[0].frames == (0, 3) and loaded.exemplars[0].rgb.shape == (10, 12, 3)
    assert loaded.settings["solver"] == "exact" and loaded.path == saved
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_project_and_media_moved_together_still_open(tmp_path):
    project = new_project(tmp_path)
    project.save(tmp_path / "p.keyhue")
    moved = tmp_path / "elsewhere"
    shutil.copytree(tmp_path / "media", moved / "media")
    shutil.copy(tmp_path / "p.keyhue", moved / "p.keyhue")
    shutil.rmtree(tmp_path / "media")
    with Project.load(moved / "p.keyhue").open_clip() as clip:
        assert len(clip) == 6


def test_missing_media_is_reported_and_can_be_relocated(tmp_path):
    project = new_project(tmp_path)
    project.save(tmp_path / "p.keyhue")
    (tmp_path / "media" / "clip.mkv").rename(tmp_path / "renamed.mkv")
    loaded = Project.load(tmp_path / "p.keyhue")
    with pytest.raises(MediaMissingError) as err:
        loaded.open_clip()
    assert err.value.expected == (tmp_path / "media" / "clip.mkv").resolve()
    loaded.relocate(tmp_path / "renamed.mkv")
    with loaded.open_clip() as clip:
        assert len(clip) == 6
    loaded.save()
    assert json.loads((tmp_path / "p.keyhue").read_text())["source"]["path"] == "renamed.mkv"


def test_relocating_to_other_media_is_refused(tmp_path):
    project = new_project(tmp_path)
    other = make_clip(tmp_path / "other.mkv", seed=1)
    with pytest.raises(MediaChangedError, match="not the project's source"):
        project.relocate(other)


def test_fingerprint_sees_content_not_just_size(tmp_path):
    a = make_clip(tmp_path / "a.mkv", seed=0)
    b = shutil.copy(a, tmp_path / "b.mkv")
    c = make_clip(tmp_path / "c.mkv", seed=3)
    assert media_fingerprint(a) == media_fingerprint(b)
    assert media_fingerprint(a)[1] != media_fingerprint(c)[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "something"}', "not a Keyhue project"),
        ('{"format": "keyhue-project", "version": 99}', "newer Keyhue"),
        ('{"format": "keyhue-project", "version": 1, "source": {}}', "project field 'source.path'"),
    ],
)
def test_bad_project_files_raise_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.keyhue"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        Project.load(path)
    assert "\n" not in str(err.value)


def test_damaged_reference_image_is_reported(tmp_path):
    project = new_project(tmp_path)
    saved = project.save(tmp_path / "p.keyhue")
    data = json.loads(saved.read_text())
    data["references"][0]["png"] = "aGVsbG8="
    saved.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"project field .references\[0\].png. is not an RGB PNG"):
        Project.load(saved)


def test_save_into_missing_folder_is_an_input_error(tmp_path):
    project = new_project(tmp_path)
    with pytest.raises(InputError, match="cannot save"):
        project.save(tmp_path / "nowhere" / "p.keyhue")


def test_palette_and_stroke_swatches_round_trip(tmp_path):
    import numpy as np

    from colorcore.guidance.hints import Stroke
    from colorcore.guidance.project import Project
    from colorcore.media import open_clip, open_writer

    with open_writer(tmp_path / "c.mkv", fps=24, width=16, height=12) as writer:
        writer.write(np.zeros((12, 16, 3), np.uint8))
    with open_clip(tmp_path / "c.mkv") as clip:
        project = Project.for_clip(clip)
    project.palette["sky"] = (0.4, 0.6, 0.9)
    project.hints.strokes.append(Stroke([(1, 1)], color=(0.4, 0.6, 0.9), frame=0, swatch="sky"))
    project.save(tmp_path / "p.keyhue")
    loaded = Project.load(tmp_path / "p.keyhue")
    assert loaded.palette == {"sky": (0.4, 0.6, 0.9)} and loaded.hints.strokes[0].swatch == "sky"
