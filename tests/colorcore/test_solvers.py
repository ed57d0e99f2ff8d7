"""Levin's equation: the exact solver is right, the fast solver agrees with it."""

import warnings

import numpy as np
import pytest

from colorcore import HintRaster, Hints, Stroke, colorize_frame, solve_chroma
from colorcore.bench.solver import simulate_strokes
from colorcore.colorspace import LUMA_WEIGHTS, chroma_of, compose, luma_of
from colorcore.solvers.backend import ArrayBackend, NumpyBackend, TorchBackend
from colorcore.solvers.exact import solve_exact, stencil_to_csr
from colorcore.solvers.levin import LevinOperator, affinity_weights, levin_rhs, levin_stencil
from colorcore.solvers.multigrid import MultigridSolver, solve_multigrid
from colorcore.solvers.multigrid.grid import Grid, fine_stencil, from_phases, to_phases
from colorcore.solvers.multigrid.level import Level, galerkin
from colorcore.solvers.multigrid.transfer import Coefficients
from tests.support.images import synthetic_photo


def psnr(a, b):
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return 10 * np.log10(255.0**2 / mse)


def test_affinity_matches_levins_definition_pixel_by_pixel():
    rng = np.random.default_rng(0)
    luma = rng.random((7, 9))
    weights = affinity_weights(luma, NumpyBackend(np.float64))
    offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    for y in range(7):
        for x in range(9):
            window = [(y + dy, x + dx) for dy, dx in [(0, 0)] + offsets if 0 <= y + dy < 7 and 0 <= x + dx < 9]
            values = np.array([luma[p] for p in window])
            neighbours = values[1:]
            d2 = (neighbours - luma[y, x]) ** 2
            c = max(0.6 * values.var(), -d2.min() / np.log(0.01), 2e-6)
            expected = np.exp(-d2 / c)
            expected /= expected.sum()
            got = [weights[k, y, x] for k, (dy, dx) in enumerate(offsets) if 0 <= y + dy < 7 and 0 <= x + dx < 9]
            np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert np.allclose(weights.sum(0), 1.0)


def test_exact_solution_satisfies_the_equation_and_keeps_hints():
    rgb = synthetic_photo(40, 50)
    luma = luma_of(rgb)
    raster = simulate_strokes(rgb, 0.08, seed=1)
    chroma = solve_exact(luma, raster.mask, raster.chroma)
    assert np.allclose(chroma[raster.mask], raster.chroma[raster.mask])
    matrix = stencil_to_csr(levin_stencil(luma, raster.mask, NumpyBackend(np.float64)))
    for channel in range(2):
        u = chroma[..., channel].ravel()
        residual = matrix @ u - np.where(raster.mask.ravel(), u, 0.0)
        assert np.abs(residual).max() < 1e-10


def _transfer_matrices(level, grid, height, width):
    """P and R of a level as dense matrices, column by column (unit vectors through the code)."""

    def prolong(j):
        correction = grid.zeros((1,))
        grid.interior(correction)[0].flat[j] = 1.0
        x = grid.zeros((2, 2, 1))
        level.prolong_add(x, correction)
        return from_phases(x, grid, np.zeros((1, height, width))).ravel()

    def restrict(i):
        unit = np.zeros((1, height * width))
        unit[0, i] = 1.0
        return grid.interior(level.restrict_phases(to_phases(unit.reshape(1, height, width), grid))).ravel().copy()

    p = np.stack([prolong(j) for j in range(grid.rows * grid.cols)], 1)
    r = np.stack([restrict(i) for i in range(height * width)], 1)
    return p, r


def test_galerkin_coarsening_equals_the_matrix_product():
    rng = np.random.default_rng(5)
    ops = NumpyBackend(np.float64)
    for height, width in [(7, 9), (8, 10), (9, 8)]:
        stencil = levin_stencil(rng.random((height, width)), rng.random((height, width)) < 0.2, ops)
        grid = Grid((height + 1) // 2, (width + 1) // 2, ops)
        phases = fine_stencil(stencil, grid)
        level = Level(phases, height, width, grid, 1, ops)
        p, r = _transfer_matrices(level, grid, height, width)
        expected = r @ stencil_to_csr(stencil).toarray() @ p
        coarse = galerkin(
            Coefficients(phases, grid), level.prolong, level.restrict, grid, np.zeros((3, 3, grid.rows * grid.pitch))
        )
        got = stencil_to_csr(np.ascontiguousarray(grid.interior(coarse))).toarray()
        np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("size,seed", [((60, 80), 0), ((97, 131), 1), ((128, 96), 2)])
def test_fast_agrees_with_exact_to_40_db(size, seed):
    rgb = synthetic_photo(*size, seed=seed)
    luma = luma_of(rgb)
    raster = simulate_strokes(rgb, 0.05, seed=seed)
    exact = compose(luma, solve_exact(luma, raster.mask, raster.chroma))
    fast = compose(luma, solve_multigrid(luma, raster.mask, raster.chroma))
    assert psnr(fast, exact) >= 40


def test_colorize_frame_keeps_luma_and_spreads_colour():
    rgb = synthetic_photo(64, 64)
    gray = np.round(luma_of(rgb) * 255).astype(np.uint8)
    hints = Hints(
        canvas_size=(64, 64),
        strokes=[
            Stroke([(20, 28), (24, 30)], color=(0.85, 0.25, 0.15), width=3),
            Stroke([(50, 5), (60, 8)], color=(0.3, 0.5, 0.8), width=3),
        ],
    )
    for solver in ("exact", "fast"):
        out = colorize_frame(gray, hints, solver=solver, device="cpu")
        assert out.shape == (64, 64, 3) and out.dtype == np.uint8
        assert np.array_equal(np.round(out.astype(float) @ LUMA_WEIGHTS), gray)
        # Each colour fills the region of its stroke and stops at the disc's edge.
        disc, sky = out[29, 16].astype(int), out[45, 5].astype(int)
        assert disc[0] > disc[2] + 40
        assert sky[2] > sky[0] + 20


def test_colorize_frame_accepts_16_bit_and_rgb_grey():
    gray16 = synthetic_photo(32, 40)[..., 1].astype(np.uint16) * 257
    hints = Hints(canvas_size=(40, 32), strokes=[Stroke([(5, 5), (30, 20)], color=(0.2, 0.4, 0.9), width=3)])
    out = colorize_frame(np.repeat(gray16[..., None], 3, 2), hints)
    assert out.dtype == np.uint16 and out.shape == (32, 40, 3)
    assert np.abs(out.astype(float) @ LUMA_WEIGHTS - gray16).max() <= 0.3


def test_no_hints_gives_the_grey_image_with_a_warning():
    gray = synthetic_photo(20, 30)[..., 0]
    with pytest.warns(UserWarning, match="no scribbles"):
        out = colorize_frame(gray, Hints(canvas_size=(30, 20)))
    assert np.array_equal(out, np.repeat(gray[..., None], 3, 2))


def test_cuda_request_without_a_gpu_falls_back_to_the_cpu(monkeypatch):
    import colorcore.solvers.backend as backend

    monkeypatch.setattr(backend, "cuda_available", lambda: False)
    gray = synthetic_photo(20, 30)[..., 0]
    hints = Hints(canvas_size=(30, 20), strokes=[Stroke([(3, 3), (20, 10)], color=(1, 0, 0))])
    with pytest.warns(UserWarning, match="no CUDA GPU"):
        out = colorize_frame(gray, hints, device="cuda")
    assert out.shape == (20, 30, 3)


def test_torch_backend_on_cpu_matches_numpy():
    torch = pytest.importorskip("torch")

    rgb = synthetic_photo(50, 70)
    luma = luma_of(rgb)
    raster = simulate_strokes(rgb, 0.05)
    prior = (chroma_of(rgb).astype(np.float32), np.full(luma.shape, 0.3, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = solve_multigrid(luma, raster.mask, raster.chroma, ops=NumpyBackend())
        b = solve_multigrid(luma, raster.mask, raster.chroma, ops=TorchBackend("cpu"))
        c = solve_multigrid(luma, raster.mask, raster.chroma, ops=NumpyBackend(), prior=prior, initial=prior[0])
        d = solve_multigrid(luma, raster.mask, raster.chroma, ops=TorchBackend("cpu"), prior=prior, initial=prior[0])
    assert torch is not None
    assert np.abs(a - b).max() < 1e-3
    assert np.abs(c - d).max() < 1e-3


def test_both_backends_keep_the_array_backend_contract():
    # mypy checks the signatures (colorcore/solvers/backend.py); this checks that no
    # operation the multigrid calls is missing at run time.
    assert isinstance(NumpyBackend(), ArrayBackend)
    pytest.importorskip("torch")
    assert isinstance(TorchBackend("cpu"), ArrayBackend)


def video_like_frame(height=96, width=128, seed=3):
    """A frame as video propagation hands it over: luma, a few hard hints, and a prior
    (the true chroma plus noise) with weight 0.5 on 90% of the pixels and none on a
    newly revealed strip at the right edge, where the starting guess is garbage."""
    rng = np.random.default_rng(seed)
    rgb = synthetic_photo(height, width, seed=seed)
    luma, truth = luma_of(rgb), chroma_of(rgb)
    hints = simulate_strokes(rgb, 0.01, seed=seed)
    weight = np.where(rng.random((height, width)) < 0.9, 0.5, 0.0).astype(np.float32)
    weight[:, -12:] = 0.0
    prior_chroma = (truth + rng.normal(0, 0.02, truth.shape)).astype(np.float32)
    initial = prior_chroma.copy()
    initial[:, -12:] = rng.normal(0, 0.3, (height, 12, 2))
    return luma, hints, (prior_chroma, weight), initial


def test_exact_solution_with_a_prior_satisfies_its_equation():
    luma, hints, prior, _ = video_like_frame()
    chroma = solve_exact(luma, hints.mask, hints.chroma, prior=prior)
    assert np.allclose(chroma[hints.mask], hints.chroma[hints.mask])
    prior_chroma, weight = prior
    matrix = stencil_to_csr(levin_stencil(luma, hints.mask, NumpyBackend(np.float64), prior_weight=weight))
    free = ~hints.mask.ravel()
    for channel in range(2):
        u = chroma[..., channel].ravel()
        # (U_r - sum_s w_rs U_s) + weight_r (U_r - prior_r) = 0 on free pixels.
        residual = matrix @ u - weight.ravel() * prior_chroma[..., channel].ravel()
        assert np.abs(residual[free]).max() < 1e-9


def test_fast_agrees_with_exact_under_a_prior_and_a_warm_start():
    luma, hints, prior, initial = video_like_frame()
    exact = compose(luma, solve_chroma(luma, hints, "exact", prior=prior))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to the exact solver
        cold = compose(luma, solve_chroma(luma, hints, "fast", "cpu", prior=prior))
        warm = compose(luma, solve_chroma(luma, hints, "fast", "cpu", prior=prior, initial=initial))
    assert psnr(cold, exact) >= 45
    assert psnr(warm, exact) >= 45


def test_prior_alone_is_solved_and_a_weightless_prior_is_no_prior():
    luma, _, (prior_chroma, weight), _ = video_like_frame()
    none = HintRaster(mask=np.zeros(luma.shape, bool), chroma=np.zeros(luma.shape + (2,)))
    exact = solve_chroma(luma, none, "exact", prior=(prior_chroma, weight))
    fast = solve_chroma(luma, none, "fast", "cpu", prior=(prior_chroma, weight))
    assert np.abs(exact).mean() > 0.02  # the prior's colour, not zeros
    assert psnr(compose(luma, fast), compose(luma, exact)) >= 45
    weightless = solve_chroma(luma, none, "fast", "cpu", prior=(prior_chroma, np.zeros_like(weight)))
    assert not weightless.any()


def test_a_good_starting_guess_saves_cycles_and_changes_nothing():
    luma, hints, prior, _ = video_like_frame()
    exact = np.moveaxis(solve_exact(luma, hints.mask, hints.chroma, prior=prior), 2, 0)
    ops = NumpyBackend()
    solver = MultigridSolver(LevinOperator(luma, hints.mask, ops, prior_weight=prior[1]), ops)
    b = ops.asarray(levin_rhs(hints.mask, hints.chroma, prior))
    cold, cold_cycles, _ = solver.solve(b)
    warm, warm_cycles, _ = solver.solve(b, initial=ops.asarray(exact))
    assert warm_cycles == 1 < cold_cycles
    assert np.abs(warm - exact).max() < 1e-3
    assert np.sqrt(np.mean((cold - exact) ** 2)) < 2e-3


def test_a_reference_frame_is_returned_as_it_is():
    rgb = synthetic_photo(20, 30)
    chroma = chroma_of(rgb)
    everything = HintRaster(mask=np.ones((20, 30), bool), chroma=chroma)
    assert np.array_equal(solve_chroma(luma_of(rgb), everything, "fast", "cpu"), chroma)


@pytest.mark.parametrize(
    "prior, initial, message",
    [
        ((np.zeros((20, 30, 2)), np.zeros((20, 31))), None, "prior must be"),
        ((np.zeros((20, 30, 2)), -np.ones((20, 30))), None, ">= 0"),
        ("not a pair", None, "pair"),
        (None, np.zeros((20, 30)), "initial must be"),
        (None, np.full((20, 30, 2), np.nan), "finite"),
    ],
)
def test_bad_prior_or_guess_is_refused_with_one_line(prior, initial, message):
    luma = luma_of(synthetic_photo(20, 30))
    hints = HintRaster(mask=np.zeros((20, 30), bool), chroma=np.zeros((20, 30, 2)))
    hints.mask[5, 5] = True
    with pytest.raises(ValueError, match=message):
        solve_chroma(luma, hints, "fast", "cpu", prior=prior, initial=initial)


def test_fast_solver_is_deterministic_across_solves():
    # Buffers are reused from one solve to the next; results must not depend on that.
    photo = synthetic_photo(240, 320, seed=3)
    luma = luma_of(photo)
    rng = np.random.default_rng(0)
    fixed = rng.random(luma.shape) < 0.03
    chroma = chroma_of(photo)
    other = synthetic_photo(240, 320, seed=4)
    first = solve_chroma(luma, HintRaster(fixed, chroma), solver="fast")
    solve_chroma(luma_of(other), HintRaster(fixed, chroma_of(other)), solver="fast")
    again = solve_chroma(luma, HintRaster(fixed, chroma), solver="fast")
    assert np.array_equal(first, again)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_few_strokes_behind_strong_edges_converge_in_few_cycles(backend):
    # Eight short strokes on the demo photograph at 427x240: plain multigrid cycles crawl
    # here (44 cycles, before GMRES took over from cycles that slow down; now about 12).
    import cv2

    from colorcore.bench.solver import DEMO_PHOTO
    from colorcore.media import read_image

    size = (427, 240)
    luma = luma_of(cv2.resize(read_image(DEMO_PHOTO), size, interpolation=cv2.INTER_AREA))
    rng = np.random.default_rng(6)
    strokes = []
    for _ in range(8):
        x, y = rng.uniform(40, size[0] - 80), rng.uniform(30, size[1] - 50)
        colour = tuple(rng.uniform(0.2, 0.9, 3))
        strokes.append(Stroke(points=[(x + 6 * k, y + 3 * k) for k in range(8)], color=colour, width=5))
    hints = Hints(canvas_size=size, strokes=strokes).rasterize(0, size)
    if backend == "torch":  # the GPU's code path, here on the CPU
        pytest.importorskip("torch")
        ops = TorchBackend("cpu")
    else:
        ops = NumpyBackend()
    report = {}
    fast = solve_multigrid(luma, hints.mask, hints.chroma, ops=ops, report=report)
    exact = solve_exact(luma, hints.mask, hints.chroma)
    assert report["cycles"] <= 20
    assert psnr(compose(luma, fast), compose(luma, exact)) >= 45
