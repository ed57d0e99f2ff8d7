"""Benchmark of the deep engine (``colorcore bench deep``): the four protocols, deep beside Levin.

The protocols, their guidance, the baselines and every metric are those of
:mod:`colorcore.bench.quality` (one scoring loop for both engines): each clip is run
through :func:`colorcore.bench.quality.benchmark_clip` with the deep methods added beside
the Levin path: the deep solver with the base weights, the deep solver adapted to the
clip (:func:`colorcore.solvers.deep.adapt.adapt_network`, its time reported apart), and
that adapted network followed by one Levin solve with its chroma as the prior
(``refine``, :class:`colorcore.solvers.deep.infer.DeepSolver`).

Beside the quality figures: the worst frame's PSNR against the grey output's, the mean
RGB error at hinted pixels (protocol 2 keyframes), the CPU time of one 854x480 network
solve, and the adaptation time. Targets (issue 12): adapted deep >= Levin + 1 dB under
protocols 1-3 with CDC and warp error no worse; >= Levin + 2 dB under protocol 4; the
base weights never below the grey output on average.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from colorcore.bench.quality import BEST, DAVIS_FOLDER, GREY, METHOD, PROTOCOLS, benchmark_clip, clip_names, each_clip
from colorcore.guidance.references import Guidance
from colorcore.metrics import json_safe, nan_mean

LEVIN, DEEP, ADAPTED, REFINED = METHOD, "deep (base)", "deep adapted", "adapted+Levin"
#: The rows of the deep tables, in order (the quality benchmark's other baselines are left out).
SHOWN = (GREY, BEST, LEVIN, DEEP, ADAPTED, REFINED)
#: Weight of the network's chroma as the prior of the Levin solve in the REFINED row.
REFINE_WEIGHT = 1.0
METRICS = ("psnr", "ssim", "cdc", "warp_error", "worst_vs_grey", "hint_error", "s_per_frame")


def bench_clip(
    protocol: int, clip, frames: range, *, adapt_steps: int, device: str = "cpu", weights=None, seed: int = 0
) -> dict:
    """All methods on one clip under one protocol.

    Returns:
        ``{"frames": n, "adapt_seconds": seconds or None, "methods": {name: summary}}``
        for the names in :data:`SHOWN` (summaries as in
        :func:`colorcore.bench.quality.benchmark_clip`).
    """
    from colorcore.solvers.deep.adapt import adapt_network
    from colorcore.solvers.deep.infer import DeepSolver
    from colorcore.solvers.deep.weights import load_network
    from colorcore.video.propagate import colorize_clip

    network = DeepSolver(load_network(weights), device=device)
    adapt_seconds: list[float] = []

    def deep_methods(guidance: Guidance) -> dict:
        def run(solver):
            return colorize_clip(clip, guidance, solver="deep", device=device, frames=frames, network=solver)

        runs = {DEEP: run(network)}
        if adapt_steps > 0:
            started = time.perf_counter()
            adapted = adapt_network(clip, guidance, adapt_steps, base=weights, device=device)
            adapt_seconds.append(time.perf_counter() - started)
            runs[ADAPTED] = run(DeepSolver(adapted, device=device))
            runs[REFINED] = run(DeepSolver(adapted, device=device, refine=REFINE_WEIGHT))
        return runs

    result = benchmark_clip(protocol, clip, frames, solver="fast", device=device, seed=seed, extra=deep_methods)
    methods = {name: result["methods"][name] for name in SHOWN if name in result["methods"]}
    return {"frames": len(frames), "adapt_seconds": adapt_seconds[0] if adapt_seconds else None, "methods": methods}


def network_cpu_time(weights=None, repeats: int = 5) -> float:
    """Median seconds of one deep solve of an 854x480 frame (with strokes) on the CPU."""
    from colorcore.solvers.deep.infer import DeepSolver
    from colorcore.solvers.deep.weights import load_network

    solver = DeepSolver(load_network(weights), device="cpu")
    rng = np.random.default_rng(0)
    luma = cv2.GaussianBlur(rng.random((480, 854)).astype(np.float32), (0, 0), 4)
    mask = np.zeros((480, 854), bool)
    mask[100:104, 100:700] = True
    chroma = np.zeros((480, 854, 2), np.float32)
    chroma[mask] = (0.1, -0.05)
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        solver.solve(luma, chroma, mask, chroma, np.ones((480, 854), np.float32) * 0.5)
        times.append(time.perf_counter() - started)
    return float(np.median(times[1:]))


def run_deep_benchmark(
    protocols=(1, 2, 3, 4),
    data: Path | None = None,
    clips=None,
    frames: int | None = None,
    adapt_steps: int | None = None,
    device: str = "cpu",
    weights=None,
    seed: int = 0,
    json_path: Path | None = None,
    out=None,
) -> dict:
    """Run the protocols on the clips, print one table per protocol and the targets, return the figures."""
    from colorcore.solvers.deep.adapt import DEFAULT_STEPS

    out = out or sys.stdout
    adapt_steps = DEFAULT_STEPS if adapt_steps is None else adapt_steps
    data = Path(data) if data is not None else DAVIS_FOLDER
    names = clip_names(data, clips)
    cpu_seconds = network_cpu_time(weights)
    print(
        f"deep solve of one 854x480 frame on the CPU: {cpu_seconds * 1000:.0f} ms (network at 427x240)",
        file=out,
        flush=True,
    )
    protocols_done: dict[str, dict] = {}  # by protocol number, filled in as the runs go
    report: dict[str, object] = {
        "settings": {
            "data": str(data),
            "clips": names,
            "frames": frames,
            "adapt_steps": adapt_steps,
            "device": device,
            "seed": seed,
        },
        "cpu_ms_per_frame_854x480": cpu_seconds * 1000,
        "protocols": protocols_done,
    }
    for protocol in protocols:

        def run(clip, clip_frames: range, protocol: int = protocol) -> dict:
            return bench_clip(
                protocol, clip, clip_frames, adapt_steps=adapt_steps, device=device, weights=weights, seed=seed
            )

        per_clip, skipped = each_clip(protocol, data, names, frames, run, out)
        methods = next(iter(per_clip.values()))["methods"]
        mean = {m: {k: nan_mean([c["methods"][m][k] for c in per_clip.values()]) for k in METRICS} for m in methods}
        adapt_times = [c["adapt_seconds"] for c in per_clip.values() if c["adapt_seconds"] is not None]
        result: dict[str, object] = {
            "description": PROTOCOLS[protocol],
            "clips": per_clip,
            "mean": mean,
            "adapt_seconds": nan_mean(adapt_times) if adapt_times else None,
            "skipped": skipped,
        }
        result["targets"] = check_targets(protocol, mean)
        protocols_done[str(protocol)] = result
        print(format_table(protocol, result), file=out, flush=True)
    if json_path is not None:
        from colorcore.media.images import write_bytes_atomic

        write_bytes_atomic(Path(json_path), json.dumps(json_safe(report), indent=1).encode("utf-8"))
    return report


def check_targets(protocol: int, mean: dict) -> list[tuple[str, bool]]:
    """The issue's targets for one protocol's per-clip means: [(text, met)]."""
    checks = []
    levin = mean[LEVIN]
    if ADAPTED in mean:
        ours = mean[ADAPTED]
        margin = 2.0 if protocol == 4 else 1.0
        checks.append(
            (
                f"adapted PSNR {ours['psnr']:.2f} >= Levin {levin['psnr']:.2f} + {margin}",
                ours["psnr"] >= levin["psnr"] + margin,
            )
        )
        if protocol != 4:
            checks.append((f"adapted CDC {ours['cdc']:.5f} <= Levin {levin['cdc']:.5f}", ours["cdc"] <= levin["cdc"]))
            checks.append(
                (
                    f"adapted warp error {ours['warp_error']:.6f} <= Levin {levin['warp_error']:.6f}",
                    ours["warp_error"] <= levin["warp_error"],
                )
            )
    base = mean[DEEP]
    checks.append(
        (f"base PSNR {base['psnr']:.2f} >= grey {mean[GREY]['psnr']:.2f}", base["psnr"] >= mean[GREY]["psnr"])
    )
    if protocol == 2:
        checks.append((f"base hint error {base['hint_error']:.2f} <= 2 levels", base["hint_error"] <= 2.0))
    return [(text, bool(ok)) for text, ok in checks]


_COLUMNS = (
    ("psnr", "PSNR", "{:7.2f}"),
    ("ssim", "SSIM", "{:7.4f}"),
    ("cdc", "CDC", "{:8.5f}"),
    ("warp_error", "warp err", "{:9.6f}"),
    ("worst_vs_grey", "worst-grey", "{:10.2f}"),
    ("hint_error", "hint err", "{:8.2f}"),
    ("s_per_frame", "s/frame", "{:7.3f}"),
)


def format_table(protocol: int, result: dict) -> str:
    """One protocol's table: a block per clip, then the mean over clips, then the targets."""
    head = f"{'clip':<15} {'method':<13}" + "".join(f" {h:>{len(f.format(0.0))}}" for _, h, f in _COLUMNS)
    lines = [f"Protocol {protocol}: {result['description']}", head, "-" * len(head)]
    blocks = [(n, c["methods"], c["adapt_seconds"]) for n, c in result["clips"].items()] + [
        ("mean", result["mean"], result["adapt_seconds"])
    ]
    for name, methods, seconds in blocks:
        for row, (method, figures) in enumerate(methods.items()):
            cells = "".join(
                " "
                + ("-" if figures[k] is None or np.isnan(figures[k]) else f.format(figures[k])).rjust(
                    len(f.format(0.0))
                )
                for k, _, f in _COLUMNS
            )
            lines.append(f"{name if row == 0 else '':<15} {method:<13}" + cells)
        if seconds is not None:
            lines.append(f"{'':<15} (adaptation {seconds:.1f} s)")
    lines += [f"skipped: {name}: {why}" for name, why in result.get("skipped", {}).items()]
    lines += [f"  {'yes' if ok else 'no ':>3}  {text}" for text, ok in result["targets"]]
    return "\n".join(lines) + "\n"
