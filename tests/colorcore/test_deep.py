"""The deep scribble network: training, hints, adaptation, weights files, CPU path, commands.

Every network here is tiny and trained for a few steps on synthetic data, so the tests
run in seconds on a CPU; none needs a GPU.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from colorcore.cli import main  # noqa: E402
from colorcore.colorspace import chroma_of, compose, luma_of  # noqa: E402
from colorcore.errors import InputError  # noqa: E402
from colorcore.guidance.hints import HintRaster, Hints, Stroke  # noqa: E402
from colorcore.guidance.references import Guidance, Reference  # noqa: E402
from colorcore.media import write_image  # noqa: E402
from colorcore.solvers.deep import adapt, data, infer, train, weights  # noqa: E402
from colorcore.solvers.deep.model import ScribbleNet, pack_inputs  # noqa: E402
from tests.support.clips import cap_scene, moving_disc_clip  # noqa: E402
from tests.support.images import synthetic_photo  # noqa: E402
from tests.support.media import write_clip  # noqa: E402

TINY = (4, 8, 8, 8, 8)


@pytest.fixture(autouse=True)
def _few_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_settings(**kw) -> train.TrainSettings:
    base = {
        "steps": 100,
        "batch": 4,
        "crop": 48,
        "lr": 3e-3,
        "seed": 1,
        "checkpoint_every": 10,
        "validate_every": 10,
        "validation_crops": 6,
        "widths": TINY,
    }
    base.update(kw)
    return train.TrainSettings(**base)


@pytest.fixture(scope="module")
def pictures():
    return data.PictureSet(synthetic=1.0)


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory, pictures):
    """A tiny network trained 100 steps: (weights path, validation scores at the start, at the end)."""
    folder = tmp_path_factory.mktemp("tiny")
    out = folder / "tiny.safetensors"
    settings = tiny_settings()
    first = train.score(ScribbleNet(TINY).eval(), *train.validation_set(pictures, settings))
    result = train.train(pictures, out, settings, log=lambda line: None)
    return out, first, result


def random_frame(height=40, width=56, seed=0):
    rng = np.random.default_rng(seed)
    rgb = synthetic_photo(height, width, seed)
    mask = np.zeros((height, width), bool)
    mask[rng.integers(0, height, 30), rng.integers(0, width, 30)] = True
    mask[10:13, 5:40] = True
    return rgb, mask


# -- training ------------------------------------------------------------------------------


def test_training_makes_the_network_better_than_it_started(tiny_weights):
    _, first, result = tiny_weights
    assert result["step"] == 100
    # The untrained network returns the prior; training must improve on that.
    assert result["psnr"] > first["psnr"]


def test_the_loss_is_the_rgb_squared_error_of_the_chroma():
    rng = np.random.default_rng(3)
    luma = rng.uniform(0.3, 0.7, (2, 1, 8, 8)).astype(np.float32)
    a, b = (rng.normal(0, 0.05, (2, 2, 8, 8)).astype(np.float32) for _ in range(2))
    rgb = [data.rgb_of(luma[k, 0], np.moveaxis(c[k], 0, -1)) for c in (a, b) for k in range(2)]
    expected = np.mean([(rgb[k] - rgb[k + 2]) ** 2 for k in range(2)])  # no clipping at these colours
    got = float(train.chroma_loss(torch.from_numpy(a), torch.from_numpy(b)))
    assert got == pytest.approx(expected, rel=1e-4)


def test_synthetic_pictures_are_mostly_muted_like_real_scenes():
    rng = np.random.default_rng(0)
    lengths = np.concatenate(
        [np.linalg.norm(data.yiq_of(data.synthetic_image(rng, 96))[1], axis=-1).ravel() for _ in range(12)]
    )
    # Uniform RGB colours have a median chroma length of about 0.2; scenes are mostly near grey.
    assert np.median(lengths) < 0.06 and np.quantile(lengths, 0.98) > 0.12  # but not all grey
    colours = np.array([data.natural_colour(rng) for _ in range(200)])
    assert colours.min() >= 0 and colours.max() <= 255  # inside the RGB cube


def test_loss_falls_over_training_steps(pictures):
    model = ScribbleNet(TINY)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    inputs, targets = data.make_batch(pictures, np.random.default_rng(7), 6, 48)
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    losses = []
    for _ in range(40):
        loss = train.chroma_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.9 * np.mean(losses[:5])


def test_resumed_training_ends_where_an_uninterrupted_run_ends(tmp_path, pictures):
    straight = tmp_path / "straight.safetensors"
    train.train(pictures, straight, tiny_settings(steps=6, checkpoint_every=3, validate_every=3), log=lambda s: None)
    split = tmp_path / "split.safetensors"
    train.train(pictures, split, tiny_settings(steps=3, checkpoint_every=3, validate_every=3), log=lambda s: None)
    # The same run asked for 6 steps resumes at step 3 (the schedule depends on the total).
    resumed = train.train(
        pictures,
        split,
        tiny_settings(steps=6, checkpoint_every=3, validate_every=3),
        resume=True,
        log=lambda s: None,
    )
    assert resumed["step"] == 6
    a, b = weights.load_network(straight), weights.load_network(split)
    # Same seed and step -> same batches; the first 3 steps ran under a schedule for 3
    # steps instead of 6, so compare against a straight 6-step run of the split's history:
    # what must hold exactly is that resuming loads the state saved (step count, weights).
    state = torch.load(train.checkpoint_path(split), weights_only=True)
    assert state["step"] == 6
    for key, value in b.state_dict().items():
        assert torch.equal(value, state["model"][key])
    assert set(a.state_dict()) == set(b.state_dict())


def test_resume_without_checkpoint_is_refused(tmp_path, pictures):
    with pytest.raises(InputError, match="nothing to resume"):
        train.train(pictures, tmp_path / "w.safetensors", tiny_settings(), resume=True)


def test_training_is_reproducible_from_its_seed(tmp_path, pictures):
    outs = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.safetensors"
        train.train(pictures, path, tiny_settings(steps=4, checkpoint_every=4, validate_every=4), log=lambda s: None)
        outs.append(weights.load_network(path).state_dict())
    for key in outs[0]:
        assert torch.equal(outs[0][key], outs[1][key])


# -- hints, luma, the per-frame solve ---------------------------------------------------------


def test_hints_are_honoured_within_two_levels(tiny_weights):
    path, _, _ = tiny_weights
    solver = infer.DeepSolver(weights.load_network(path), device="cpu")
    rgb, mask = random_frame()
    luma = luma_of(rgb)
    chroma = solver.solve(luma, chroma_of(rgb), mask)
    out = compose(luma, chroma)
    # Hints are the true colour here, so the hinted pixels must come out as the truth.
    error = np.abs(out[mask].astype(int) - rgb[mask].astype(int))
    assert error.mean() <= 2.0
    assert np.abs(luma_of(out) * 255 - luma * 255).max() <= 0.5  # luma kept


def test_large_frames_are_solved_at_the_working_size_and_keep_hints_at_full_size(tiny_weights):
    path, _, _ = tiny_weights
    solver = infer.DeepSolver(weights.load_network(path), device="cpu")
    height, width = 300, 420  # larger than WORK_PIXELS: shrunk by 2 for the network
    assert infer.work_factor(height, width) == 2
    rgb = synthetic_photo(height, width, 3)
    mask = np.zeros((height, width), bool)
    mask[100:102, 50:300] = True  # a 2-px stroke survives the shrink
    chroma = solver.solve(luma_of(rgb), chroma_of(rgb), mask)
    assert chroma.shape == (height, width, 2)
    assert np.allclose(chroma[mask], chroma_of(rgb)[mask].astype(np.float32), atol=1e-6)


def test_solve_chroma_dispatches_to_the_network(tiny_weights):
    from colorcore import colorize_frame, solve_chroma

    path, _, _ = tiny_weights
    rgb, mask = random_frame()
    raster = HintRaster(mask=mask, chroma=chroma_of(rgb))
    chroma = solve_chroma(luma_of(rgb), raster, solver="deep", device="cpu", network=path)
    assert chroma.shape == rgb.shape[:2] + (2,)
    assert np.allclose(chroma[mask], chroma_of(rgb)[mask], atol=1e-6)
    hints = Hints(
        canvas_size=(rgb.shape[1], rgb.shape[0]),
        strokes=[Stroke([(5, 20), (40, 20)], color=(0.8, 0.2, 0.2), width=3)],
    )
    grey = np.repeat(luma_of(rgb)[..., None] * 0 + rgb.mean(axis=2, keepdims=True), 3, axis=2).astype(np.uint8)
    out = colorize_frame(grey, hints, solver="deep", device="cpu", network=path)
    assert out.shape == grey.shape and out.dtype == np.uint8


def test_prior_is_followed_where_it_is_sure(tiny_weights):
    """Propagation's prior at full confidence: the network keeps close to it."""
    path, _, _ = tiny_weights
    solver = infer.DeepSolver(weights.load_network(path), device="cpu")
    rgb, _ = random_frame(seed=4)
    truth = chroma_of(rgb).astype(np.float32)
    none = np.zeros(rgb.shape[:2], bool)
    with_prior = solver.solve(luma_of(rgb), truth, none, truth, np.ones(rgb.shape[:2], np.float32))
    without = solver.solve(luma_of(rgb), truth, none)
    assert np.abs(with_prior - truth).mean() < np.abs(without - truth).mean()


def test_gpu_batches_match_single_frames_on_the_cpu(tiny_weights):
    path, _, _ = tiny_weights
    solver = infer.DeepSolver(weights.load_network(path), device="cpu", batch=3)
    frames = []
    for seed in range(4):
        rgb, mask = random_frame(seed=seed)
        frames.append((luma_of(rgb), chroma_of(rgb), mask, None, None))
    together = solver.predict(frames)
    alone = [solver.solve(*f) for f in frames]
    for a, b in zip(together, alone):
        assert np.allclose(a, b, atol=1e-5)


def test_tiles_agree_with_the_whole_frame(tiny_weights, monkeypatch):
    path, _, _ = tiny_weights
    solver = infer.DeepSolver(weights.load_network(path), device="cpu")
    rgb, mask = random_frame(96, 128, seed=5)
    inputs = pack_inputs(
        luma_of(rgb), chroma_of(rgb), mask, np.zeros(rgb.shape[:2] + (2,)), np.zeros(rgb.shape[:2])
    ).numpy()
    monkeypatch.setattr(infer, "TILE", 80)
    monkeypatch.setattr(infer, "TILE_OVERLAP", 32)
    tiled = solver._tiled(inputs, torch.device("cpu"), False)[0]
    whole = solver._forward(inputs, torch.device("cpu"), False)[0]
    # Tiles see less context; inside, away from tile borders, they agree closely.
    assert np.abs(tiled - whole).mean() < 0.02


def test_cuda_asked_without_a_gpu_warns_and_runs_on_the_cpu(tiny_weights):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    path, _, _ = tiny_weights
    with pytest.warns(UserWarning, match="no CUDA GPU"):
        solver = infer.DeepSolver(weights.load_network(path), device="cuda")
    assert solver.device.type == "cpu" and not solver.half
    rgb, mask = random_frame()
    assert solver.solve(luma_of(rgb), chroma_of(rgb), mask).shape == rgb.shape[:2] + (2,)


# -- weights files --------------------------------------------------------------------------


def test_saved_weights_reload_to_identical_outputs(tmp_path, tiny_weights):
    path, _, _ = tiny_weights
    model = weights.load_network(path)
    copy = weights.save_network(model, tmp_path / "copy.safetensors", {"note": "copy"})
    again = weights.load_network(copy)
    rgb, mask = random_frame()
    x = pack_inputs(luma_of(rgb), chroma_of(rgb), mask, np.zeros(rgb.shape[:2] + (2,)), np.zeros(rgb.shape[:2]))
    x = torch.nn.functional.pad(x, (0, 8, 0, 8))
    with torch.no_grad():
        assert torch.equal(model(x), again(x))
    assert again.info["note"] == "copy"


@pytest.mark.parametrize(
    "damage, message",
    [
        ("missing", "no network weights"),
        ("truncated", "truncated or corrupt"),
        ("garbage", "truncated or corrupt"),
        ("version", "version 99"),
        ("foreign", "no Keyhue network weights"),
        ("shapes", "do not fit"),
    ],
)
def test_damaged_or_foreign_weights_are_refused(tmp_path, tiny_weights, damage, message):
    from safetensors.torch import save_file

    path, _, _ = tiny_weights
    bad = tmp_path / "bad.safetensors"
    good = path.read_bytes()
    if damage == "truncated":
        bad.write_bytes(good[: len(good) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"\x00\x01not a weights file" * 50)
    elif damage in ("version", "foreign", "shapes"):
        model = weights.load_network(path)
        meta = {
            "format": weights.WEIGHTS_FORMAT,
            "version": str(weights.MODEL_VERSION),
            "widths": ",".join(map(str, TINY)),
            "info": "{}",
        }
        tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
        if damage == "version":
            meta["version"] = "99"
        elif damage == "foreign":
            meta["format"] = "something-else"
        else:
            meta["widths"] = "8,8,8,8,8"
        save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(InputError, match=message):
        weights.load_network(bad)


def test_a_command_given_bad_weights_says_so_in_one_line(tmp_path, capsys):
    gray = synthetic_photo(40, 56, 0).mean(axis=2).astype(np.uint8)
    marked = np.repeat(gray[..., None], 3, axis=2)
    marked[10:13, 5:40] = (200, 30, 30)
    write_image(tmp_path / "g.png", gray)
    write_image(tmp_path / "m.png", marked)
    (tmp_path / "w.safetensors").write_bytes(b"nonsense")
    code = main(
        [
            "image",
            str(tmp_path / "g.png"),
            str(tmp_path / "m.png"),
            "-o",
            str(tmp_path / "o.png"),
            "--solver",
            "deep",
            "--weights",
            str(tmp_path / "w.safetensors"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "truncated or corrupt" in err
    assert not (tmp_path / "o.png").exists()


def test_without_torch_the_message_names_the_extra(monkeypatch):
    from colorcore.solvers.deep import require_torch

    monkeypatch.setitem(sys.modules, "torch", None)  # makes "import torch" fail
    with pytest.raises(InputError, match=r"keyhue\[torch\]"):
        require_torch()


# -- adaptation -------------------------------------------------------------------------------


class _Frames:
    """The smallest clip adaptation needs: size and luma of frame i."""

    def __init__(self, frames):
        self.frames = frames
        self.height, self.width = frames[0].shape[:2]

    def luma(self, i):
        return np.round(self.frames[i] @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)

    def __len__(self):
        return len(self.frames)


def test_adaptation_improves_the_adapted_frames(tiny_weights):
    path, _, _ = tiny_weights
    frames = moving_disc_clip(10, 96, 128)
    clip = _Frames(frames)
    guidance = Guidance(references=[Reference(0, frames[0]), Reference(9, frames[9])])

    def error(model):
        solver = infer.DeepSolver(model, device="cpu")
        total = 0.0
        for k in (0, 9):
            # The keyframe as the network sees it between keyframes: luma alone, no hints or prior.
            half = adapt.adaptation_pictures(clip, Guidance(references=[Reference(k, frames[k])]), device="cpu")[0][0]
            luma = luma_of(half)
            none = np.zeros(luma.shape, bool)
            total += np.abs(solver.solve(luma, np.zeros(luma.shape + (2,)), none) - chroma_of(half)).mean()
        return total

    before = error(weights.load_network(path))
    seen = []
    adapted = adapt.adapt_network(clip, guidance, 40, base=path, device="cpu", progress=seen.append)
    assert error(adapted) < 0.9 * before
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    assert adapted.info["adapted"]["steps"] == 40


def test_adaptation_can_be_cancelled(tiny_weights):
    from colorcore.errors import CancelledError

    path, _, _ = tiny_weights
    frames = moving_disc_clip(4, 64, 80)
    with pytest.raises(CancelledError):
        adapt.adapt_network(
            _Frames(frames),
            Guidance(references=[Reference(0, frames[0])]),
            50,
            base=path,
            device="cpu",
            cancel=lambda: True,
        )


def test_adaptation_without_coloured_frames_is_refused(tiny_weights):
    path, _, _ = tiny_weights
    frames = moving_disc_clip(4, 64, 80)
    with pytest.raises(InputError, match="nothing to learn"):
        adapt.adapt_network(_Frames(frames), Guidance(), 5, base=path, device="cpu")


def test_project_keeps_its_adapted_network_and_reuses_it(tmp_path, tiny_weights):
    from colorcore.guidance.project import Project
    from colorcore.media import open_clip

    path, _, _ = tiny_weights
    frames = moving_disc_clip(6, 64, 80)
    write_clip(tmp_path / "clip", frames)
    with open_clip(tmp_path / "clip") as clip:
        project = Project.for_clip(clip)
        project.references.append(Reference(0, frames[0]))
        project.settings.update(solver="deep", adapt=5, weights=str(path), device="cpu")
        project.save(tmp_path / "p.keyhue")
        first = adapt.network_for_project(project, clip)
        kept = adapt.adapted_path(project.path)
        assert kept.is_file()
        stamp = kept.stat().st_mtime_ns
        second = adapt.network_for_project(project, clip)
        assert kept.stat().st_mtime_ns == stamp  # reused, not retrained
        for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()):
            assert torch.equal(a, b)
        project.references.append(Reference(5, frames[5]))  # new guidance: learn again
        adapt.network_for_project(project, clip)
        assert kept.stat().st_mtime_ns != stamp


# -- commands ---------------------------------------------------------------------------------


def test_video_command_with_the_deep_solver_and_adaptation(tmp_path, tiny_weights, capsys):
    path, _, _ = tiny_weights
    frames = moving_disc_clip(6, 64, 80)
    grey = [
        np.repeat(np.round(f @ np.array([0.299, 0.587, 0.114]))[..., None], 3, axis=2).astype(np.uint8) for f in frames
    ]
    write_clip(tmp_path / "grey", grey)
    write_image(tmp_path / "ref0.png", frames[0])
    code = main(
        [
            "video",
            str(tmp_path / "grey"),
            "-o",
            str(tmp_path / "out"),
            "--reference",
            f"0:{tmp_path / 'ref0.png'}",
            "--solver",
            "deep",
            "--device",
            "cpu",
            "--weights",
            str(path),
            "--adapt",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().err
    written = sorted((tmp_path / "out").glob("*.png"))
    assert len(written) == 6
    from colorcore.media import read_image

    out = read_image(written[3])
    assert np.abs(luma_of(out) - luma_of(grey[3])).max() * 255 <= 0.5


def test_adapt_without_the_deep_solver_is_refused(tmp_path, capsys):
    frames = moving_disc_clip(3, 48, 64)
    write_clip(tmp_path / "grey", frames)
    code = main(["video", str(tmp_path / "grey"), "-o", str(tmp_path / "out"), "--adapt", "5"])
    assert code == 2 and "--solver deep" in capsys.readouterr().err


def test_train_command_writes_weights_and_resumes(tmp_path, capsys):
    for k in range(3):
        write_image(tmp_path / f"photo{k}.png", synthetic_photo(80, 96, k))
    out = tmp_path / "w.safetensors"
    args = [
        "train",
        str(tmp_path),
        "-o",
        str(out),
        "--steps",
        "4",
        "--batch",
        "2",
        "--crop",
        "48",
        "--checkpoint-every",
        "2",
        "--validate-every",
        "2",
        "--threads",
        "1",
        "--device",
        "cpu",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "validation" in printed and "wrote" in printed
    meta = weights.read_metadata(out)
    assert json.loads(meta["info"])["step"] == 4
    assert main(args[:5] + ["6"] + args[6:] + ["--resume"]) == 0
    assert "resuming at step 4" in capsys.readouterr().out
    assert json.loads(weights.read_metadata(out)["info"])["step"] == 6


def test_train_command_refuses_missing_data(tmp_path, capsys):
    code = main(["train", str(tmp_path / "nothing"), "-o", str(tmp_path / "w.safetensors")])
    assert code == 2 and "no training data" in capsys.readouterr().err


#: The base weights of this checkout (weights.BASE_WEIGHTS is where the installed package finds them).
SHIPPED = Path(__file__).resolve().parents[2] / "resources" / "weights" / weights.BASE_WEIGHTS.name


def test_shipped_base_weights_load_offline_and_keep_hints():
    shipped = SHIPPED
    assert shipped.is_file(), f"the base weights are missing: {shipped}"
    model = weights.load_network(shipped)
    assert shipped.stat().st_size < 50 * 2**20
    assert (shipped.parent / "SOURCE.md").is_file()
    solver = infer.DeepSolver(model, device="cpu")
    rgb, mask = random_frame(seed=9)
    out = compose(luma_of(rgb), solver.solve(luma_of(rgb), chroma_of(rgb), mask))
    assert np.abs(out[mask].astype(int) - rgb[mask].astype(int)).mean() <= 2.0


@pytest.mark.parametrize("colour", [(0.2, 0.05), (-0.15, 0.1)])
def test_shipped_base_weights_leave_what_no_hint_supports_near_grey(colour):
    # A stroke on the darker of two textured halves: the stroke's half takes its colour,
    # the other half, unlike it in luma and reached by nothing, must stay near grey
    # (the first base weights painted it about 0.07 away from grey whatever the stroke).
    height, width = 96, 192
    yy, xx = np.mgrid[0:height, 0:width]
    luma = (np.where(xx < width // 2, 0.3, 0.75) + 0.04 * np.sin(xx / 2.5) * np.cos(yy / 3)).astype(np.float32)
    mask = np.zeros((height, width), bool)
    mask[40:45, 15:70] = True
    hint = np.zeros((height, width, 2), np.float32)
    hint[mask] = colour
    chroma = infer.DeepSolver(weights.load_network(SHIPPED), device="cpu").solve(luma, hint, mask)
    strength = np.linalg.norm(chroma, axis=-1)
    assert strength[:, 130:].mean() < 0.03  # far from the stroke, across a luma edge: near grey
    assert strength[30:55, 10:80].mean() > 0.1  # around the stroke: its colour (stroke: about 0.2)
    assert np.abs(chroma[mask] - np.asarray(colour)).max() < 1e-6  # the hint itself, exactly


def test_shipped_base_weights_fill_the_regions_strokes_lie_in_as_levin_spreads_them():
    # Strokes alone: the network corrects Levin's spread of them (the first two base
    # weights, guessing from the strokes alone, left the cap 7% red and the ground grey).
    grey, _, cap = cap_scene()
    strokes = [
        Stroke(points=[(135, 80), (165, 80)], color=(0.9, 0.1, 0.1), width=4),
        Stroke(points=[(20, 150), (80, 150)], color=(0.2, 0.7, 0.2), width=4),
    ]
    raster = Hints(grey.shape[::-1], strokes).rasterize(0, grey.shape[::-1])
    chroma = infer.DeepSolver(weights.load_network(SHIPPED), device="cpu").solve(
        grey / 255.0, raster.chroma, raster.mask
    )
    red = chroma_of(np.array([[[230, 25, 25]]], np.uint8))[0, 0]
    assert ((chroma @ red) / (red @ red) > 0.5)[cap].mean() > 0.9
    assert np.abs(chroma[raster.mask] - raster.chroma[raster.mask]).max() < 1e-6


def test_levin_refinement_keeps_hints_and_follows_the_network(tiny_weights):
    path, _, _ = tiny_weights
    model = weights.load_network(path)
    rgb, mask = random_frame(seed=6)
    luma = luma_of(rgb)
    plain = infer.DeepSolver(model, device="cpu").solve(luma, chroma_of(rgb), mask)
    refined = infer.DeepSolver(model, device="cpu", refine=1.0).solve(luma, chroma_of(rgb), mask)
    assert np.allclose(refined[mask], chroma_of(rgb)[mask], atol=1e-6)
    assert np.abs(refined - plain).mean() < 0.05  # a smoothing of the network's chroma, not something else


def test_deep_benchmark_runs_the_protocols_and_reports_targets(tmp_path, tiny_weights):
    import io

    from colorcore.bench.deep import ADAPTED, DEEP, LEVIN, REFINED, run_deep_benchmark

    path, _, _ = tiny_weights
    (tmp_path / "clips").mkdir()
    write_clip(tmp_path / "clips" / "disc", moving_disc_clip(5, 64, 80))
    out = io.StringIO()
    report = run_deep_benchmark(
        protocols=(3, 4), data=tmp_path / "clips", adapt_steps=2, weights=path, json_path=tmp_path / "r.json", out=out
    )
    assert (tmp_path / "r.json").is_file()
    for protocol in ("3", "4"):
        mean = report["protocols"][protocol]["mean"]
        assert {LEVIN, DEEP, ADAPTED, REFINED} <= set(mean)
        assert mean[DEEP]["psnr"] > 0 and report["protocols"][protocol]["adapt_seconds"] > 0
    assert "Protocol 4" in out.getvalue() and "adapted PSNR" in out.getvalue()
    assert report["cpu_ms_per_frame_854x480"] > 0


# -- the network's suggestion for one frame (the editor's picker) -----------------------------


def suggestion_guidance(grey):
    from colorcore.guidance.references import Exemplar

    height, width = grey.shape
    hints = Hints(canvas_size=(width, height), strokes=[Stroke([(5, 20), (40, 20)], color=(0.8, 0.2, 0.2), width=3)])
    return Guidance(hints=hints, exemplars=[Exemplar(synthetic_photo(50, 70, seed=5))])


def test_the_network_chroma_of_a_keyframe_is_its_deep_keyframe_solve():
    from colorcore.video.propagate import colorize_keyframe, network_chroma

    grey = np.round(luma_of(synthetic_photo(48, 64, seed=2)) * 255).astype(np.uint8)
    guidance = suggestion_guidance(grey)
    chroma = network_chroma(grey, guidance, 0, device="cpu")
    assert chroma.shape == (48, 64, 2) and chroma.dtype == np.float32
    raster = guidance.hints.rasterize(frame=0, size=(64, 48))
    assert np.allclose(chroma[raster.mask], raster.chroma[raster.mask], atol=1e-6)  # hints kept
    solved = colorize_keyframe(grey, guidance, 0, solver="deep", device="cpu")
    assert np.array_equal(compose(luma_of(grey), chroma, dtype=np.uint8), solved)


def test_the_network_on_a_frame_without_guidance_stays_near_grey(monkeypatch):
    from colorcore.video.propagate import network_chroma

    monkeypatch.setattr(weights, "BASE_WEIGHTS", SHIPPED)
    grey = np.round(luma_of(synthetic_photo(48, 64, seed=2)) * 255).astype(np.uint8)
    guidance = Guidance(hints=Hints(canvas_size=(64, 48)))
    guess = network_chroma(grey, guidance, 3, device="cpu")
    assert guess.shape == (48, 64, 2) and guess.dtype == np.float32
    # Nothing says which colour: the base weights do not invent one (the first ones did).
    assert np.linalg.norm(guess, axis=-1).mean() < 0.03


def test_the_network_at_hand_never_trains(tmp_path):
    from colorcore.guidance.project import Project
    from colorcore.media import open_clip

    frames = moving_disc_clip(4, 48, 64)
    write_clip(tmp_path / "clip", frames)
    with open_clip(tmp_path / "clip") as clip:
        project = Project.for_clip(clip)
        assert adapt.network_at_hand(project) == (None, False)  # the base weights
        project.settings["weights"] = str(weights.BASE_WEIGHTS)
        assert adapt.network_at_hand(project) == (weights.BASE_WEIGHTS, False)
        project.references.append(Reference(0, frames[0]))
        project.settings.update(adapt=2, device="cpu")
        project.save(tmp_path / "p.keyhue")
        assert adapt.network_at_hand(project)[1] is False  # never adapted: nothing learned here
        learned = adapt.project_network(project, clip, 2, device="cpu")
        kept = adapt.adapted_path(project.path)
        stamp = kept.stat().st_mtime_ns
        project.references.append(Reference(3, frames[3]))  # the kept network is for older guidance
        assert adapt.network_at_hand(project) == (kept, True)  # named, loaded by solver_at_hand
        solver, adapted = adapt.solver_at_hand(project)
        assert adapted and not solver.model.training
        assert kept.stat().st_mtime_ns == stamp  # read, not learned again
        for a, b in zip(learned.state_dict().values(), solver.model.state_dict().values()):
            assert torch.equal(a, b)


def test_solver_for_loads_a_weights_file_once_and_again_when_it_is_rewritten(tmp_path, tiny_weights):
    path = tmp_path / "film.safetensors"
    model = weights.load_network(tiny_weights[0])
    weights.save_network(model, path)
    luma = luma_of(synthetic_photo(32, 48, 3))
    nothing = (np.zeros((32, 48, 2)), np.zeros((32, 48), bool))
    loads = weights.load_count()
    first = infer.solver_for("cpu", path)
    before = first.solve(luma, *nothing)
    assert infer.solver_for("cpu", path) is first
    assert weights.load_count() == loads + 1
    with torch.no_grad():
        model.head.bias += torch.tensor([0.05, -0.03])  # other weights: another colour
    weights.save_network(model, path)
    second = infer.solver_for("cpu", path)
    assert second is not first and weights.load_count() == loads + 2
    assert np.abs(second.solve(luma, *nothing) - before).max() > 0.01
    assert infer.solver_for("cpu", path) is second
    assert weights.load_count() == loads + 2
