"""Solver benchmark: exact vs fast Levin solves, timed in one run on this machine.

Strokes are simulated on a colour photograph (random short polylines, colours taken from
the photograph) until a given fraction of the pixels is covered; both solvers then
colourise its luma. Reported: solve times including matrix assembly (the fast solver's
best of three, and its first solve, which also fills its buffer pool), their ratio, the
PSNR between the two outputs (RGB, 8-bit), the fast solver's F-cycles, and the
process's peak memory.

A second case is a frame as video propagation solves it: few strokes, a soft prior (the
true chroma carried by slightly wrong flow: shifted and noisy, weight 0.5 on 90% of the
pixels) and, in its last row, that prior as the starting guess.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from colorcore.colorspace import chroma_of, compose, luma_of
from colorcore.guidance.hints import HintRaster
from colorcore.resources import resource_path
from colorcore.solvers.backend import backend_for, resolve_device
from colorcore.solvers.colorize import solve_chroma
from colorcore.solvers.multigrid import solve_multigrid

DEMO_PHOTO = resource_path("demo", "coffee.png")


def simulate_strokes(rgb: np.ndarray, fraction: float, seed: int = 0) -> HintRaster:
    """Random strokes over a colour image, coloured by it, covering about ``fraction``.

    Args:
        rgb: HxWx3 uint8 RGB (the true colour).
        fraction: share of pixels to cover, in (0, 1).
        seed: random seed; the same seed gives the same strokes.

    Returns:
        A :class:`HintRaster` with the true chroma under each stroke (each stroke one
        colour: the median of the pixels it covers, as a person would pick it).
    """
    rng = np.random.default_rng(seed)
    height, width = rgb.shape[:2]
    chroma = chroma_of(rgb)
    mask = np.zeros((height, width), dtype=bool)
    hint_chroma = np.zeros((height, width, 2))
    width_px = max(2, round(min(height, width) / 160))
    while mask.mean() < fraction:
        start = rng.uniform((0, 0), (width, height))
        pts = [start + rng.normal(0, min(height, width) / 25, 2) * k for k in range(4)]
        stroke = np.zeros((height, width), np.uint8)
        cv2.polylines(stroke, [np.round(pts).astype(np.int32).reshape(-1, 1, 2)], False, 1, width_px)
        covered = stroke > 0
        if covered.any():
            mask |= covered
            hint_chroma[covered] = np.median(chroma[covered], axis=0)
    return HintRaster(mask=mask, chroma=hint_chroma)


def simulate_prior(rgb: np.ndarray, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A soft prior as video propagation makes one: chroma carried by slightly wrong flow.

    Args:
        rgb: HxWx3 uint8 RGB (the true colour).

    Returns:
        (prior_chroma, weight): HxWx2 float32, the true chroma shifted by (2, 3) pixels
        plus noise (sigma 0.01); HxW float32, 0.5 on 90% of the pixels, 0 on the rest.
    """
    rng = np.random.default_rng(seed)
    carried = np.roll(chroma_of(rgb), (2, 3), axis=(0, 1)) + rng.normal(0, 0.01, rgb.shape[:2] + (2,))
    weight = np.where(rng.random(rgb.shape[:2]) < 0.9, 0.5, 0.0)
    return carried.astype(np.float32), weight.astype(np.float32)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _time_solve(luma, raster, solver, device, repeats, **extra):
    """(best time, first time, chroma) of ``repeats`` solves."""
    times, chroma = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        chroma = solve_chroma(luma, raster, solver=solver, device=device, **extra)
        times.append(time.perf_counter() - start)
    return min(times), times[0], chroma


def _cycles(luma, raster, device, **extra) -> int:
    """F-cycles the fast solver needs (an extra, untimed solve)."""
    report: dict = {}
    ops = backend_for(resolve_device(device))
    solve_multigrid(luma, raster.mask, raster.chroma, ops=ops, report=report, **extra)
    return report["cycles"]


class _Table:
    def __init__(self, out):
        self.out = out
        print(
            f"{'size':>10} {'case':>18} {'time s':>8} {'first s':>8} {'ratio':>7} {'PSNR dB':>8} {'cycles':>6} {'peak RSS MiB':>13}",
            file=out,
        )

    def row(self, size, case, seconds, first=None, ratio=None, psnr=None, cycles=None):
        def cell(value, width, fmt):
            return f"{'':>{width}}" if value is None else f"{value:>{width}{fmt}}"

        print(
            f"{size:>10} {case:>18} {seconds:8.3f} {cell(first, 8, '.3f')} {cell(ratio, 7, '.1f')} "
            f"{cell(psnr, 8, '.2f')} {cell(cycles, 6, 'd')} {_peak_rss_mib():13.0f}",
            file=self.out,
        )


def run_solver_benchmark(
    image: Path | None = None, scribbled: float = 0.05, device: str = "cpu", full_hd: bool = True, out=sys.stdout
) -> dict:
    """Run the benchmark and print a table; returns the figures as a dict."""
    from colorcore.media import read_image

    source = read_image(image or DEMO_PHOTO)
    if source.ndim == 2 or source.dtype != np.uint8:
        raise SystemExit("the benchmark needs an 8-bit colour image")
    results = {}
    print(f"image: {image or DEMO_PHOTO}; strokes over {scribbled:.0%} of the pixels; device {device}", file=out)
    table = _Table(out)
    # Largest first: peak RSS only grows, so each row's figure covers that row's solves.
    sizes = ([(1920, 1080)] if full_hd else []) + [(854, 480)]
    for width, height in sizes:
        size = f"{width}x{height}"
        rgb = cv2.resize(
            source, (width, height), interpolation=cv2.INTER_AREA if width < source.shape[1] else cv2.INTER_CUBIC
        )
        luma = luma_of(rgb)
        raster = simulate_strokes(rgb, scribbled)
        fast_time, first, fast_chroma = _time_solve(luma, raster, "fast", device, repeats=3)
        row = {"fast_s": fast_time, "fast_first_s": first, "fast_cycles": _cycles(luma, raster, device)}
        if width * height > 854 * 480:  # the direct solver takes minutes and GBs beyond
            table.row(size, "fast", fast_time, first, cycles=row["fast_cycles"])
            row["fast_peak_rss_mib"] = _peak_rss_mib()
            results[size] = row
            continue
        exact_time, _, exact_chroma = _time_solve(luma, raster, "exact", device, repeats=1)
        row.update(
            exact_s=exact_time,
            ratio=exact_time / fast_time,
            psnr_db=_psnr(compose(luma, fast_chroma), compose(luma, exact_chroma)),
        )
        table.row(size, "exact", exact_time)
        table.row(size, "fast", fast_time, first, row["ratio"], row["psnr_db"], row["fast_cycles"])
        row["peak_rss_mib"] = _peak_rss_mib()
        results[size] = row
        results[f"{size} video"] = _video_case(rgb, device, table, size)
    return results


def _video_case(rgb, device, table, size) -> dict:
    """Few strokes, a dense soft prior, with and without the prior as starting guess."""
    luma = luma_of(rgb)
    raster = simulate_strokes(rgb, 0.01, seed=2)
    prior = simulate_prior(rgb)
    exact_time, _, exact_chroma = _time_solve(luma, raster, "exact", device, 1, prior=prior)
    reference = compose(luma, exact_chroma)
    table.row(size, "exact, prior", exact_time)
    row = {"exact_s": exact_time}
    for case, initial in (("fast, prior", None), ("fast, prior+guess", prior[0])):
        seconds, first, chroma = _time_solve(luma, raster, "fast", device, 3, prior=prior, initial=initial)
        cycles = _cycles(luma, raster, device, prior=prior, initial=initial)
        psnr = _psnr(compose(luma, chroma), reference)
        table.row(size, case, seconds, first, exact_time / seconds, psnr, cycles)
        row[case] = {"s": seconds, "first_s": first, "cycles": cycles, "psnr_db": psnr}
    return row
