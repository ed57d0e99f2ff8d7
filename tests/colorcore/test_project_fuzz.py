"""Damaged project files, generated: every mutation of a real project either loads (and then
renders or is refused in one line) or is refused with one line naming what is wrong.
Never a traceback (issue 10)."""

from __future__ import annotations

import copy
import json
import random

import numpy as np
import pytest

from colorcore.cli.main import main
from colorcore.errors import InputError
from colorcore.guidance.hints import RasterHint, Stroke
from colorcore.guidance.project import Project
from colorcore.guidance.references import Exemplar, Reference
from colorcore.media import open_clip, open_writer
from tests.support.hostile import assert_one_line, record

MUTATIONS = 400
RENDERED = 1 / 10  # the share of mutations also rendered by `colorcore render`
SEED = 20240610

# Values that have broken or could break a loader: wrong types, non-finite and huge
# numbers, empty and oversized containers. "HUGE" and "DEEP" are spliced in as text.
HOSTILE_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    7,
    2**31,
    2**63,
    -(2**63),
    0.5,
    -0.5,
    1e308,
    -1e308,
    1e-320,
    float("inf"),
    float("-inf"),
    float("nan"),
    "",
    "x",
    "deep",
    "fast",
    "exact",
    "cuda",
    "tiff",
    "sha256:" + "0" * 64,
    "25/0",
    "0/1",
    "1e9/1",
    "x" * 5000,
    "aGVsbG8=",
    [],
    [0],
    [1, 2],
    [0, 0],
    [5, 1],
    [[0, 0]],
    [None, None, None],
    [1e308, 1e308],
    {},
    {"a": 1},
    "HUGE",
    "DEEP",
]


def make_project(tmp_path) -> Project:
    rng = np.random.default_rng(0)
    with open_writer(tmp_path / "clip.mkv", fps=24, width=48, height=32) as writer:
        for _ in range(6):
            writer.write(rng.integers(0, 256, (32, 48, 3), dtype=np.uint8))
    with open_clip(tmp_path / "clip.mkv") as clip:
        project = Project.for_clip(clip)
    project.hints.strokes.append(Stroke([(3, 4), (20, 9.5)], color=(0.8, 0.2, 0.1), width=4, frame=2))
    project.hints.strokes.append(Stroke([(10, 10)], width=6, frame=4, kind="neutral", hardness=0.5))
    mask = np.zeros((32, 48), bool)
    mask[5:9, 5:9] = True
    project.hints.rasters.append(RasterHint(mask, np.full((32, 48, 3), 120, np.uint8), frame=1))
    project.references.append(Reference(frame=5, rgb=np.full((32, 48, 3), (200, 90, 40), np.uint8), source="r.png"))
    photo = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    project.exemplars.append(Exemplar(rgb=photo, frames=(0, 3), source="e.jpg"))
    project.settings["solver"] = "exact"
    project.save(tmp_path / "base.keyhue")
    return project


def paths(data, prefix=()):
    """Every (path, value) in a JSON tree; a path is a tuple of keys and indices."""
    yield prefix, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:4]):  # long lists: their first entries
            yield from paths(value, (*prefix, index))


def set_at(data, path, value):
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def mutate(base: dict, rng: random.Random) -> str:
    """The text of one damaged project file."""
    data = copy.deepcopy(base)
    choices = [p for p, _ in paths(data) if p]
    path = rng.choice(choices)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    op = rng.random()
    if op < 0.6:
        set_at(data, path, rng.choice(HOSTILE_VALUES))
    elif op < 0.72 and isinstance(parent, dict):
        del parent[path[-1]]
    elif op < 0.8 and isinstance(parent, list):
        parent.extend([parent[path[-1]]] * rng.choice([1, 50]))
    elif op < 0.86 and isinstance(parent, dict):
        parent[rng.choice(["extra", "Ω", "__proto__", "x" * 300])] = rng.choice(HOSTILE_VALUES)
    else:
        text = json.dumps(data)
        cut = rng.randrange(len(text))
        if rng.random() < 0.5:
            return text[:cut]  # truncated by a crash or a full disk
        return text[:cut] + chr(rng.randrange(32, 127)) + text[cut + 1 :]  # one byte changed
    text = json.dumps(data)
    text = text.replace('"HUGE"', "9" * 5000)  # a 5,000-digit number
    return text.replace('"DEEP"', "[" * 50_000 + "]" * 50_000)  # nested 50,000 deep


def test_mutated_projects_load_or_are_refused_in_one_line(tmp_path, capsys):
    make_project(tmp_path)
    base = json.loads((tmp_path / "base.keyhue").read_text())
    rng = random.Random(SEED)
    loaded = refused = rendered = rendered_ok = 0
    for k in range(MUTATIONS):
        path = tmp_path / f"m{k}.keyhue"
        path.write_text(mutate(base, rng))
        try:
            project = Project.load(path)
        except InputError as exc:
            message = str(exc)
            assert message and "\n" not in message, (k, message)
            assert "Traceback" not in message
            refused += 1
            record("project mutations", "refused")
        else:
            loaded += 1
            record("project mutations", "accepted")
            project.save(tmp_path / "resaved.keyhue")  # what loads can be saved again
            assert Project.load(tmp_path / "resaved.keyhue").to_dict() == project.to_dict()
        if rng.random() < RENDERED:
            code = main(["render", str(path), "-o", str(tmp_path / f"out{k}.mkv"), "--solver", "fast"])
            _, err = capsys.readouterr()
            assert code in (0, 2), (k, code, err)
            if code == 2:
                assert_one_line(err)
            rendered += 1
            rendered_ok += code == 0
            record("project renders", "refused" if code == 2 else "accepted")
    assert (
        loaded + refused == MUTATIONS and refused > MUTATIONS // 3 and loaded > 10 and rendered > 20 and rendered_ok > 3
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.__setitem__("hints", []), "hints"),
        (lambda d: d["hints"]["strokes"][0].__setitem__("width", float("inf")), "hints.strokes[0].width"),
        (lambda d: d["hints"]["strokes"][1].__setitem__("color", [0.1, 0.2]), "hints.strokes[1].color"),
        (lambda d: d["hints"].__setitem__("canvas_size", [0, 32]), "hints.canvas_size[0]"),
        (lambda d: d["exemplars"][0].__setitem__("frames", [2]), "exemplars[0].frames"),
        (lambda d: d["settings"].__setitem__("solver", "magic"), "settings.solver"),
        (lambda d: d["settings"].__setitem__("device", "tpu"), "settings.device"),
        (lambda d: d["source"].__setitem__("frames", True), "source.frames"),
        (lambda d: d["references"][0].__setitem__("frame", 6), "references[0].frame"),
        (lambda d: d["source"].__setitem__("fps", "25/0"), "source.fps"),
    ],
)
def test_the_message_names_the_field(tmp_path, change, field):
    make_project(tmp_path)
    data = json.loads((tmp_path / "base.keyhue").read_text())
    change(data)
    (tmp_path / "bad.keyhue").write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        Project.load(tmp_path / "bad.keyhue")
    assert str(err.value).startswith(f"project field '{field}': must be "), str(err.value)
    record("project mutations", "refused")


def test_the_deep_solver_setting_is_valid(tmp_path):
    make_project(tmp_path)
    data = json.loads((tmp_path / "base.keyhue").read_text())
    data["settings"]["solver"] = "deep"
    (tmp_path / "deep.keyhue").write_text(json.dumps(data))
    assert Project.load(tmp_path / "deep.keyhue").settings["solver"] == "deep"


def test_huge_numbers_and_deep_nesting_are_one_line(tmp_path):
    make_project(tmp_path)
    text = (tmp_path / "base.keyhue").read_text()
    data = json.loads(text)
    cases = {
        "digits": text.replace(f'"frames": {data["source"]["frames"]}', '"frames": ' + "9" * 5000, 1),
        "nesting": text[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "infinity": text.replace(f'"width": {data["source"]["width"]}', '"width": Infinity', 1),
    }
    for name, bad in cases.items():
        (tmp_path / f"{name}.keyhue").write_text(bad)
        with pytest.raises(InputError) as err:
            Project.load(tmp_path / f"{name}.keyhue")
        assert "\n" not in str(err.value), name
    record("project mutations", "refused")


def test_render_refuses_a_different_clip_of_the_same_shape(tmp_path, capsys):
    project = make_project(tmp_path)
    rng = np.random.default_rng(99)  # same frame count and size, other pictures
    with open_writer(tmp_path / "other.mkv", fps=24, width=48, height=32) as writer:
        for _ in range(6):
            writer.write(rng.integers(0, 256, (32, 48, 3), dtype=np.uint8))
    (tmp_path / "other.mkv").replace(project.media.path)
    code = main(["render", str(tmp_path / "base.keyhue"), "-o", str(tmp_path / "out.mkv")])
    line = assert_one_line(capsys.readouterr().err)
    assert code == 2 and "not the media this project was made on" in line
    assert not (tmp_path / "out.mkv").exists()
    record("project renders", "refused")
