"""Benchmark of the deep engine (``colorcore bench deep``): the four protocols, deep beside Levin.

For each protocol of docs/architecture.md and each clip, in one run: the grey output, chained flow
(protocols 1 to 3), the Levin path (:func:`colorcore.propagate.colorize_clip` with the
fast solver), the deep solver with the base weights, and the deep solver adapted to the
clip (:func:`colorcore.solvers.deep.adapt.adapt_network`, its time reported apart),
and that adapted network followed by one Levin solve with its chroma as the prior
(``refine``, :class:`colorcore.solvers.deep.infer.DeepSolver`).
Protocols 1 and 2 are set up by :mod:`colorcore.quality_bench` (references on the first
and last frame; simulated strokes every 25 frames); here also:

3. one reference: the true first frame alone;
4. an unaligned exemplar: the true middle frame cropped to its central 80 %, scaled by
   0.75 and mirrored, given as the only guidance.

Frames given as references are left out of the PSNR/SSIM means. Beside the quality
figures: the worst frame's PSNR against the grey output's, the mean RGB error at hinted
pixels (protocol 2 keyframes), the CPU time of one 854x480 network solve, and the
adaptation time. Targets (issue 12): adapted deep >= Levin + 1 dB under protocols 1-3
with CDC and warp error no worse; >= Levin + 2 dB under protocol 4; the base weights
never below the grey output on average.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from colorcore.bench.quality import DAVIS_FOLDER, MethodScores, _score_frame, _timed, protocol_guidance
from colorcore.colorspace import chroma_of, compose, luma_of
from colorcore.errors import InputError
from colorcore.guidance.references import Exemplar, Guidance, Reference
from colorcore.metrics import json_safe, nan_mean

PROTOCOLS = {
    1: "true first and last frames as references",
    2: "simulated strokes on keyframes every 25 frames",
    3: "true first frame alone as reference",
    4: "unaligned exemplar (middle frame cropped, scaled, mirrored)",
}
GREY, CHAINED, LEVIN, DEEP, ADAPTED, REFINED = (
    "grey",
    "chained flow",
    "Levin path",
    "deep (base)",
    "deep adapted",
    "adapted+Levin",
)
#: Weight of the network's chroma as the prior of the Levin solve in the REFINED row.
REFINE_WEIGHT = 1.0
METRICS = ("psnr", "ssim", "cdc", "warp_error", "worst_vs_grey", "hint_error", "s_per_frame")


def bench_guidance(protocol: int, clip, frames: range, seed: int = 0) -> Guidance:
    """What every method is given under ``protocol`` (1..4) for ``frames`` of ``clip``."""
    if protocol in (1, 2):
        return protocol_guidance(protocol, clip, frames, seed)
    if protocol == 3:
        return Guidance(references=[Reference(frames[0], np.array(clip.rgb(frames[0])), source="true first frame")])
    if protocol == 4:
        return Guidance(
            exemplars=[
                Exemplar(
                    exemplar_from(np.asarray(clip.rgb(frames[len(frames) // 2]))),
                    source="middle frame, altered",
                )
            ]
        )
    raise ValueError(f"protocol must be 1..4, not {protocol!r}")


def exemplar_from(rgb: np.ndarray) -> np.ndarray:
    """Protocol 4's exemplar: the central 80 % of ``rgb`` (HxWx3), scaled by 0.75, mirrored."""
    height, width = rgb.shape[:2]
    crop = rgb[height // 10 : height - height // 10, width // 10 : width - width // 10]
    small = cv2.resize(crop, (round(crop.shape[1] * 0.75), round(crop.shape[0] * 0.75)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(small[:, ::-1])


def _generators(protocol, clip, frames, guidance, network, adapted, device):
    from colorcore.bench.baselines import BORDER_REPLICATED, chained_flow_frames, grey_frames
    from colorcore.solvers.colorize import solve_chroma
    from colorcore.video.propagate import colorize_clip

    runs = {GREY: grey_frames(clip, frames)}
    if protocol in (1, 3):
        chained = chained_flow_frames(clip, frames, {r.frame: chroma_of(r.rgb) for r in guidance.references})
        runs[CHAINED] = ((i, variants[BORDER_REPLICATED]) for i, variants, _ in chained)
    elif protocol == 2:
        size = (clip.width, clip.height)
        key = {
            k: solve_chroma(luma_of(np.asarray(clip.luma(k))), guidance.hints.rasterize(k, size), device=device)
            for k in guidance.hints.keyframes
        }
        runs[CHAINED] = ((i, variants[BORDER_REPLICATED]) for i, variants, _ in chained_flow_frames(clip, frames, key))
    runs[LEVIN] = colorize_clip(clip, guidance, solver="fast", device=device, frames=frames)
    runs[DEEP] = colorize_clip(clip, guidance, solver="deep", device=device, frames=frames, network=network)
    if adapted is not None:
        from colorcore.solvers.deep.infer import DeepSolver

        runs[ADAPTED] = colorize_clip(clip, guidance, solver="deep", device=device, frames=frames, network=adapted)
        refined = DeepSolver(adapted.model, device=device, refine=REFINE_WEIGHT)
        runs[REFINED] = colorize_clip(clip, guidance, solver="deep", device=device, frames=frames, network=refined)
    return runs


def bench_clip(
    protocol: int, clip, frames: range, *, adapt_steps: int, device: str = "cpu", weights=None, seed: int = 0
) -> dict:
    """All methods on one clip under one protocol; per-method summaries and the adaptation time."""
    from colorcore.metrics import reliable_flow
    from colorcore.solvers.deep.adapt import adapt_network
    from colorcore.solvers.deep.infer import DeepSolver
    from colorcore.solvers.deep.weights import load_network
    from colorcore.video.flow import FlowEstimator

    guidance = bench_guidance(protocol, clip, frames, seed)
    network = DeepSolver(load_network(weights), device=device)
    adapted, adapt_seconds = None, None
    if adapt_steps > 0:
        started = time.perf_counter()
        adapted = DeepSolver(adapt_network(clip, guidance, adapt_steps, base=weights, device=device), device=device)
        adapt_seconds = time.perf_counter() - started
    generators = _generators(protocol, clip, frames, guidance, network, adapted, device)
    scores = {name: MethodScores() for name in generators}
    hint_errors: dict[str, list[float]] = {name: [] for name in generators}
    runs = {name: _timed(gen, scores[name]) for name, gen in generators.items()}
    size = (clip.width, clip.height)
    rasters = (
        {k: guidance.hints.rasterize(k, size) for k in guidance.hints.keyframes} if guidance.hints is not None else {}
    )
    estimator = FlowEstimator("medium")
    previous: dict[str, np.ndarray] = {}
    previous_luma: np.ndarray | None = None
    for i in frames:
        truth = np.asarray(clip.rgb(i))
        luma = np.asarray(clip.luma(i))
        motion: tuple[np.ndarray, np.ndarray] | None = (
            None if previous_luma is None else reliable_flow(previous_luma, luma, estimator)
        )
        outputs: dict[str, np.ndarray] = {}
        for name, run in runs.items():
            index, rgb = next(run)
            if index != i:
                raise RuntimeError(f"{name} yielded frame {index} where {i} was due")
            outputs[name] = rgb
            _score_frame(scores[name], rgb, truth, previous.get(name), motion)
            if i in rasters and rasters[i].count:
                wanted = compose(luma_of(luma), rasters[i].chroma)[rasters[i].mask].astype(float)
                hint_errors[name].append(float(np.abs(rgb[rasters[i].mask].astype(float) - wanted).mean()))
        previous, previous_luma = outputs, luma
    given = {r.frame for r in guidance.references}
    scored = [k for k, i in enumerate(frames) if i not in given]
    grey_psnr = scores[GREY].psnr
    summary = {}
    for name, s in scores.items():
        figures = s.summary(scored)
        figures["worst_vs_grey"] = float(min(s.psnr[k] - grey_psnr[k] for k in scored))
        figures["hint_error"] = nan_mean(hint_errors[name]) if hint_errors[name] else float("nan")
        summary[name] = figures
    return {"frames": len(frames), "adapt_seconds": adapt_seconds, "methods": summary}


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
    from colorcore.media import open_clip
    from colorcore.solvers.deep.adapt import DEFAULT_STEPS

    out = out or sys.stdout
    adapt_steps = DEFAULT_STEPS if adapt_steps is None else adapt_steps
    data = Path(data) if data is not None else DAVIS_FOLDER
    if not data.is_dir():
        raise InputError(f"no clips at '{data}': give a folder of clips with --data")
    names = list(clips) if clips else sorted(p.name for p in data.iterdir() if not p.name.startswith("."))
    for name in names:
        if not (data / name).exists():
            raise InputError(f"no clip '{name}' in '{data}'")
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
        per_clip = {}
        for name in names:
            with open_clip(data / name) as clip:
                count = len(clip) if frames is None else min(frames, len(clip))
                per_clip[name] = bench_clip(
                    protocol,
                    clip,
                    range(count),
                    adapt_steps=adapt_steps,
                    device=device,
                    weights=weights,
                    seed=seed,
                )
        methods = next(iter(per_clip.values()))["methods"]
        mean = {m: {k: nan_mean([c["methods"][m][k] for c in per_clip.values()]) for k in METRICS} for m in methods}
        adapt_times = [c["adapt_seconds"] for c in per_clip.values() if c["adapt_seconds"] is not None]
        result: dict[str, object] = {
            "description": PROTOCOLS[protocol],
            "clips": per_clip,
            "mean": mean,
            "adapt_seconds": nan_mean(adapt_times) if adapt_times else None,
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
    lines += [f"  {'yes' if ok else 'no ':>3}  {text}" for text, ok in result["targets"]]
    return "\n".join(lines) + "\n"
