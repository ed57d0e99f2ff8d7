"""Solver benchmark: exact vs fast Levin solves, timed in one run on this machine.

Strokes are simulated on a colour photograph (random short polylines, colours taken from
the photograph) until a given fraction of the pixels is covered; both solvers then
colourise its luma. Reported: solve times including matrix assembly, their ratio, the
PSNR between the two outputs (RGB, 8-bit), and the process's peak memory.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from .colorize import solve_chroma
from .colorspace import chroma_of, compose, luma_of
from .hints import HintRaster

DEMO_PHOTO = Path(__file__).resolve().parent.parent / "resources" / "demo" / "coffee.png"


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


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _time_solve(luma, raster, solver, device, repeats):
    best, chroma = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        chroma = solve_chroma(luma, raster, solver=solver, device=device)
        best = min(best, time.perf_counter() - start)
    return best, chroma


def run_solver_benchmark(image: Path | None = None, scribbled: float = 0.05, device: str = "cpu", full_hd: bool = True, out=sys.stdout) -> dict:
    """Run the benchmark and print a table; returns the figures as a dict."""
    from .media import read_image

    source = read_image(image or DEMO_PHOTO)
    if source.ndim == 2 or source.dtype != np.uint8:
        raise SystemExit("the benchmark needs an 8-bit colour image")
    results = {}
    print(f"image: {image or DEMO_PHOTO}; strokes over {scribbled:.0%} of the pixels; device {device}", file=out)
    print(f"{'size':>10} {'solver':>6} {'time s':>8} {'ratio':>7} {'PSNR dB':>8} {'peak RSS MiB':>13}", file=out)
    # Largest first: peak RSS only grows, so each row's figure covers that row's solves.
    sizes = ([(1920, 1080)] if full_hd else []) + [(854, 480)]
    for width, height in sizes:
        rgb = cv2.resize(source, (width, height), interpolation=cv2.INTER_AREA if width < source.shape[1] else cv2.INTER_CUBIC)
        luma = luma_of(rgb)
        raster = simulate_strokes(rgb, scribbled)
        fast_time, fast_chroma = _time_solve(luma, raster, "fast", device, repeats=3)
        fast_rgb = compose(luma, fast_chroma)
        row = {"fast_s": fast_time, "fast_peak_rss_mib": _peak_rss_mib()}
        if width * height <= 854 * 480:  # the direct solver takes minutes and GBs beyond
            exact_time, exact_chroma = _time_solve(luma, raster, "exact", device, repeats=1)
            row.update(
                exact_s=exact_time,
                ratio=exact_time / fast_time,
                psnr_db=_psnr(fast_rgb, compose(luma, exact_chroma)),
                exact_peak_rss_mib=_peak_rss_mib(),
            )
            print(f"{width}x{height:<4} {'exact':>6} {exact_time:8.3f} {'':>7} {'':>8} {row['exact_peak_rss_mib']:13.0f}", file=out)
            print(f"{width}x{height:<4} {'fast':>6} {fast_time:8.3f} {row['ratio']:7.1f} {row['psnr_db']:8.2f} {row['fast_peak_rss_mib']:13.0f}", file=out)
        else:
            print(f"{width}x{height:<4} {'fast':>6} {fast_time:8.3f} {'':>7} {'':>8} {row['fast_peak_rss_mib']:13.0f}", file=out)
        results[f"{width}x{height}"] = row
    return results
