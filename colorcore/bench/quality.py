"""Quality benchmark: the two protocols of DESIGN.md on clips with true colour.

The grey input of every method is the clip's luma; the true colour reaches a method only
as its protocol allows:

1. *References*: the true colour of the first and the last frame of the clip (or of the
   ``--frames`` prefix) as :class:`colorcore.guidance.Reference`, nothing else.
2. *Strokes*: keyframes 0, 25, 50, ... (the last frame is not added as a keyframe, so
   the end of a clip tests one-sided propagation), each with 8 to 15 simulated strokes
   (:func:`simulate_keyframe_strokes`): short brush strokes 3 to 9 px wide on regions of
   nearly uniform true colour, away from edges, coloured with the true colour's median
   under the stroke, as an archivist would pick it.

Every clip is rendered, in the same run, by the method
(:func:`colorcore.propagate.colorize_clip`) and by baselines (:mod:`colorcore.baselines`):
an all-grey output, chained optical flow (protocol 1: the references' chroma; protocol 2:
each keyframe solved alone from its strokes, then carried), and for protocol 2 Levin's
equation on each frame alone with the keyframe strokes carried by flow. The true colour
itself is scored too, for the scale of CDC, warp error and colourfulness.

Metrics are those of DESIGN.md (:mod:`colorcore.metrics`), per frame and per clip. Under
protocol 1 the two reference frames are left out of the PSNR and SSIM means: they are
given, not produced, and a method that returns them unchanged would otherwise score an
infinite PSNR. CDC and warp error always run over the whole sequence.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from colorcore.colorspace import chroma_of, luma_of, max_level
from colorcore.errors import InputError
from colorcore.guidance.hints import Hints, Stroke
from colorcore.guidance.references import Guidance, Reference
from colorcore.metrics import json_safe, nan_mean

DAVIS_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "davis480p" / "JPEGImages"
DEFAULT_CLIPS = ("blackswan", "goat", "kite-surf")
KEYFRAME_STEP = 25
PROTOCOLS = {
    1: "true colour of the first and last frame as references",
    2: f"8-15 simulated strokes on keyframes every {KEYFRAME_STEP} frames (0, {KEYFRAME_STEP}, ...)",
}
METRICS = ("psnr", "ssim", "cdc", "warp_error", "colourfulness", "s_per_frame")
# Protocol 1 target: the method's mean PSNR over the chained-flow baseline, in dB.
PSNR_MARGIN_DB = 1.5

METHOD = "colorcore"
GREY = "grey"
CHAINED = "chained flow"
PER_FRAME = "Levin per frame"
TRUTH = "true colour"


# -- the stroke simulator -----------------------------------------------------------------

_STROKES = (8, 15)  # strokes per keyframe, inclusive
_WIDTHS = (3, 9)  # brush diameter in pixels, inclusive
_LENGTH = (20.0, 70.0)  # stroke length in pixels
_STEP = 5.0  # pixels between polyline points
_MIN_POINTS = 3
_ATTEMPTS = 30  # start points tried per stroke before giving up on a colour group
_MARGIN = 2.0  # pixels kept between a brush's rim and a colour edge or the border
_SMOOTHING = 2.0  # Gaussian sigma (pixels) applied before grouping and finding edges
_CHROMA_WEIGHT = 2.0  # I and Q count double against Y: hue changes mark objects
_COLOUR_TOLERANCE = 0.06  # how far (in weighted Y, I, Q) a stroke may drift from its start
_CANNY = (40, 120)  # Canny thresholds on 8-bit smoothed Y, I, Q


def simulate_keyframe_strokes(rgb: np.ndarray, frame: int = 0, seed: int = 0) -> list[Stroke]:
    """Strokes an archivist might paint on one keyframe, coloured from its true colour.

    The picture is grouped by colour (k-means on the smoothed Y, I, Q, one group per
    stroke wanted); strokes go to the groups in turn, largest first, so that every
    large object gets one. A stroke starts at a random pixel of its group at least the
    brush radius plus 2 px from any colour edge (Canny on the smoothed Y, I and Q),
    wanders in a gently curving line for up to 20 to 70 px, and stops before it would
    come that close to an edge, reach the picture's border, or drift from the colour it
    started on; later strokes keep a brush width clear of earlier ones.

    Args:
        rgb: HxWx3 uint8 or uint16 RGB, the keyframe's true colour.
        frame: the keyframe's index (stored in the strokes, and mixed into the seed).
        seed: random seed; the same seed, frame and image give the same strokes.

    Returns:
        8 to 15 :class:`Stroke` (fewer only on a picture too small or busy to hold them),
        kind "colour", width 3..9 px, colour in 0..1: the per-channel median of the true
        colour under the stroke's rasterised footprint.
    """
    rng = np.random.default_rng([seed, frame])
    height, width = rgb.shape[:2]
    wanted = int(rng.integers(_STROKES[0], _STROKES[1] + 1))
    features = _smoothed_yiq(rgb)
    features[..., 1:] *= _CHROMA_WEIGHT
    groups = _colour_groups(features, wanted, rng)
    edges = _colour_edges(features)
    edge_distance = cv2.distanceTransform(np.pad(~edges, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    sizes = np.bincount(groups.ravel(), minlength=wanted)
    order = [g for g in np.argsort(-sizes, kind="stable") if sizes[g] > 0]
    taken = np.zeros((height, width), dtype=np.uint8)  # 1 near strokes already placed
    strokes: list[Stroke] = []
    turn = 0
    while len(strokes) < wanted and order:
        group = order[turn % len(order)]
        brush = int(rng.integers(_WIDTHS[0], _WIDTHS[1] + 1))
        safe = (edge_distance >= brush / 2.0 + _MARGIN) & (taken == 0)
        stroke = _place_stroke(rgb, features, safe, groups == group, brush, frame, rng)
        if stroke is None:
            order.remove(group)  # no room left in this group
            continue
        footprint = Hints((width, height), [stroke]).rasterize(frame).mask
        taken |= cv2.dilate(footprint.astype(np.uint8), np.ones((2 * brush + 1, 2 * brush + 1), np.uint8))
        strokes.append(stroke)
        turn += 1
    return strokes


def _smoothed_yiq(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 float32 (Y, I, Q) after a Gaussian blur: fine texture is not a colour edge."""
    yiq = np.dstack([luma_of(rgb)[..., None], chroma_of(rgb)]).astype(np.float32)
    return cv2.GaussianBlur(yiq, (0, 0), _SMOOTHING)


def _colour_groups(features: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """HxW int labels 0..count-1: k-means (15 rounds, seeded) on HxWx3 ``features``."""
    height, width = features.shape[:2]
    sample = features[:: max(1, height // 120), :: max(1, width // 200)].reshape(-1, 3)
    centres = sample[rng.choice(len(sample), size=count, replace=len(sample) < count)]
    for _ in range(15):
        nearest = np.argmin(((sample[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        for c in range(count):
            members = sample[nearest == c]
            if len(members):
                centres[c] = members.mean(axis=0)
    flat = features.reshape(-1, 3)
    return np.argmin(((flat[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1).reshape(height, width)


def _colour_edges(features: np.ndarray) -> np.ndarray:
    """HxW bool: Canny edges of each smoothed (Y, I, Q) channel, at 8 bits."""
    edges = np.zeros(features.shape[:2], dtype=bool)
    for channel, offset in zip(np.moveaxis(features, 2, 0), (0.0, 128.0, 128.0)):
        levels = np.clip(offset + 255.0 * channel, 0, 255).astype(np.uint8)
        edges |= cv2.Canny(levels, _CANNY[0], _CANNY[1]) > 0
    return edges


def _place_stroke(rgb, features, safe, group, brush, frame, rng) -> Stroke | None:
    """One stroke starting in ``group`` and staying on ``safe`` pixels of its start
    colour (within :data:`_COLOUR_TOLERANCE`), or None when there is no room."""
    candidates = np.flatnonzero(safe & group)
    if len(candidates) == 0:
        return None
    height, width = safe.shape
    for _ in range(_ATTEMPTS):
        y, x = divmod(int(rng.choice(candidates)), width)
        start_colour = features[y, x]
        points = [(float(x), float(y))]
        heading = rng.uniform(0, 2 * np.pi)
        length = rng.uniform(*_LENGTH)
        while (len(points) - 1) * _STEP < length:
            heading += rng.normal(0.0, 0.3)
            nx, ny = points[-1][0] + _STEP * np.cos(heading), points[-1][1] + _STEP * np.sin(heading)
            col, row = int(round(nx)), int(round(ny))
            if not (0 <= col < width and 0 <= row < height) or not safe[row, col]:
                break
            if np.linalg.norm(features[row, col] - start_colour) > _COLOUR_TOLERANCE:
                break
            points.append((nx, ny))
        if len(points) < _MIN_POINTS:
            continue
        footprint = Hints((width, height), [Stroke(points, width=brush, frame=frame)]).rasterize(frame).mask
        if not footprint.any():
            continue
        colour = np.median(rgb[footprint].astype(np.float64), axis=0) / max_level(rgb.dtype)
        return Stroke(points, color=tuple(colour), width=brush, frame=frame)
    return None


# -- protocols ------------------------------------------------------------------------------


def protocol_guidance(protocol: int, clip, frames: range, seed: int = 0) -> Guidance:
    """What the method is given under ``protocol`` for ``frames`` of ``clip``.

    Args:
        protocol: 1 (references on the first and last frame) or 2 (strokes every
            :data:`KEYFRAME_STEP` frames); see the module docstring.
        clip: a :class:`colorcore.media.Clip` in true colour.
        frames: the frames benchmarked, a step-1 range starting at 0.
        seed: stroke simulator seed (protocol 2).

    Returns:
        A :class:`Guidance` whose references are copies of true frames (protocol 1) or
        whose hints hold the simulated strokes (protocol 2).

    Raises:
        InputError: protocol 2 found no room for a single stroke.
    """
    if protocol == 1:
        ends = sorted({frames[0], frames[-1]})
        return Guidance(references=[Reference(i, np.array(clip.rgb(i)), source=f"true frame {i}") for i in ends])
    if protocol == 2:
        strokes = [s for k in keyframes_of(frames) for s in simulate_keyframe_strokes(np.asarray(clip.rgb(k)), k, seed)]
        if not strokes:
            raise InputError(f"'{clip.path}' has no room for simulated strokes (frames too small or too busy)")
        return Guidance(hints=Hints(canvas_size=(clip.width, clip.height), strokes=strokes))
    raise ValueError(f"protocol must be 1 or 2, not {protocol!r}")


def keyframes_of(frames: range) -> list[int]:
    """Protocol 2's keyframes inside ``frames``: every :data:`KEYFRAME_STEP`-th frame from its start."""
    return list(range(frames.start, frames.stop, KEYFRAME_STEP))


# -- running the methods --------------------------------------------------------------------


@dataclass
class MethodScores:
    """Per-frame scores of one method on one clip, and its rendering time.

    Lists hold one value per frame, in order (nan where a metric has no value, such as
    the warp error of the first frame); ``histograms`` are each frame's (3, 256) RGB
    histograms, from which CDC is computed.
    """

    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    colourfulness: list[float] = field(default_factory=list)
    warp_error: list[float] = field(default_factory=list)
    histograms: list[np.ndarray] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self, scored: Sequence[int]) -> dict:
        """Clip-level figures: PSNR and SSIM averaged over the positions in ``scored``,
        colourfulness and warp error over every frame (nan skipped), CDC over the sequence,
        and seconds per frame."""
        from colorcore.metrics import cdc

        return {
            "psnr": nan_mean([self.psnr[k] for k in scored]),
            "ssim": nan_mean([self.ssim[k] for k in scored]),
            "cdc": cdc(self.histograms),
            "warp_error": nan_mean(self.warp_error),
            "colourfulness": nan_mean(self.colourfulness),
            "s_per_frame": self.seconds / max(len(self.psnr), 1),
        }


def _timed(frames: Iterator[tuple[int, np.ndarray]], scores: MethodScores) -> Iterator[tuple[int, np.ndarray]]:
    """``frames`` unchanged, adding the time spent producing each one to ``scores.seconds``."""
    while True:
        start = time.perf_counter()
        try:
            item = next(frames)
        except StopIteration:
            return
        scores.seconds += time.perf_counter() - start
        yield item


def _score_frame(
    scores: MethodScores, output: np.ndarray, truth: np.ndarray, previous: np.ndarray | None, motion
) -> None:
    """Append one frame's metrics (all metric calls of the benchmark happen here).

    ``motion`` is ``(flow, valid)`` from the previous true frame's luma to this one's
    (:func:`colorcore.metrics.reliable_flow`), or None on the first frame.
    """
    from colorcore.metrics import channel_histograms, colourfulness, frame_warp_error, psnr, ssim

    scores.psnr.append(psnr(output, truth))
    scores.ssim.append(ssim(output, truth))
    scores.colourfulness.append(colourfulness(output))
    scores.histograms.append(channel_histograms(output))
    scores.warp_error.append(float("nan") if motion is None else frame_warp_error(previous, output, *motion))


def method_frames(
    protocol: int, clip, frames: range, guidance: Guidance, solver: str, device: str
) -> dict[str, Iterator]:
    """The frame generators of the method and the baselines, by display name.

    Each yields ``(i, HxWx3 RGB of clip.dtype)`` for i in ``frames``. The true colour
    enters only through ``guidance``: references' RGB (protocol 1) or strokes (2).
    """
    from colorcore.bench.baselines import carried_stroke_frames, chained_flow_frames, grey_frames
    from colorcore.solvers.colorize import solve_chroma
    from colorcore.video.propagate import colorize_clip

    size = (clip.width, clip.height)
    if protocol == 1:
        key_chroma = {r.frame: chroma_of(r.rgb) for r in guidance.references}
        runs = {GREY: grey_frames(clip, frames), CHAINED: chained_flow_frames(clip, frames, key_chroma)}
    else:
        rasters = {k: guidance.hints.rasterize(k, size) for k in guidance.hints.keyframes}

        def solved_keyframes():
            # Levin on each keyframe alone; lazily, so the solves count in the baseline's time.
            key_chroma = {
                k: solve_chroma(luma_of(np.asarray(clip.luma(k))), r, solver=solver, device=device)
                for k, r in rasters.items()
            }
            yield from chained_flow_frames(clip, frames, key_chroma)

        runs = {
            GREY: grey_frames(clip, frames),
            CHAINED: solved_keyframes(),
            PER_FRAME: carried_stroke_frames(clip, frames, rasters, solver=solver, device=device),
        }
    runs[METHOD] = colorize_clip(clip, guidance, solver=solver, device=device, frames=frames)
    return runs


def benchmark_clip(
    protocol: int, clip, frames: range, solver: str = "fast", device: str = "cpu", seed: int = 0
) -> dict:
    """Render ``frames`` of ``clip`` by the method and baselines, score them all.

    All generators advance together, one frame at a time, so the motion used by the
    warp error (flow between consecutive true frames' luma) is estimated once per frame
    for every method, and memory stays at what the generators themselves hold.

    Returns:
        ``{"frames": n, "scored": [frame indices in the PSNR/SSIM means],
        "methods": {name: summary dict (see MethodScores.summary) plus "per_frame":
        {"psnr", "ssim", "colourfulness", "warp_error": lists}}}``, with the true colour
        scored as a method of its own (:data:`TRUTH`).
    """
    from colorcore.metrics import reliable_flow
    from colorcore.video.flow import FlowEstimator

    guidance = protocol_guidance(protocol, clip, frames, seed)
    given = {r.frame for r in guidance.references}
    generators = method_frames(protocol, clip, frames, guidance, solver, device)
    scores = {name: MethodScores() for name in [*generators, TRUTH]}
    runs = {name: _timed(gen, scores[name]) for name, gen in generators.items()}
    estimator = FlowEstimator("medium")
    previous: dict[str, np.ndarray] = {}
    previous_luma = None
    for i in frames:
        truth = np.asarray(clip.rgb(i))
        luma = np.asarray(clip.luma(i))
        motion = None if previous_luma is None else reliable_flow(previous_luma, luma, estimator)
        outputs = {TRUTH: truth}
        for name, run in runs.items():
            index, rgb = next(run)
            if index != i:
                raise RuntimeError(f"{name} yielded frame {index} where {i} was due")
            outputs[name] = rgb
        for name, rgb in outputs.items():
            _score_frame(scores[name], rgb, truth, previous.get(name), motion)
        previous, previous_luma = outputs, luma
    scored = [k for k, i in enumerate(frames) if i not in given]
    return {
        "frames": len(frames),
        "scored": [frames[k] for k in scored],
        "methods": {
            name: {
                **s.summary(scored),
                "per_frame": {
                    "psnr": s.psnr,
                    "ssim": s.ssim,
                    "colourfulness": s.colourfulness,
                    "warp_error": s.warp_error,
                },
            }
            for name, s in scores.items()
        },
    }


# -- the whole benchmark, the table and the targets -------------------------------------


def run_quality_benchmark(
    protocols: Sequence[int] = (1, 2),
    data: Path | None = None,
    clips: Sequence[str] | None = None,
    frames: int | None = None,
    solver: str = "fast",
    device: str = "cpu",
    seed: int = 0,
    json_path: Path | None = None,
    out=None,
) -> dict:
    """Run the protocols on the clips, print one table per protocol, return the figures.

    Args:
        protocols: which of 1 and 2 to run.
        data: folder holding one frame folder (or video file) per clip; the DAVIS clips in
            ``../shared/testdata/davis480p/JPEGImages`` by default.
        clips: names inside ``data``; every entry of ``data`` by default.
        frames: benchmark only the first ``frames`` frames of each clip (at least 2).
        solver, device: for the method and the baselines that solve Levin's equation.
        seed: stroke simulator seed.
        json_path: also write the figures (with per-frame values) there as JSON.
        out: where the tables go (a text stream; standard output by default).

    Returns:
        ``{"settings": {...}, "protocols": {"1": {"clips": {name: benchmark_clip result},
        "mean": {method: summary}, "targets": {"met": bool, "checks": [...]}}, ...}}``.

    Raises:
        InputError: missing data folder or clip, a clip shorter than 2 frames, a bad
            ``frames`` count.
    """
    from colorcore.media import open_clip

    out = out or sys.stdout
    data = Path(data) if data is not None else DAVIS_FOLDER
    if not data.is_dir():
        raise InputError(f"no clips at '{data}': give a folder of clips with --data")
    names = list(clips) if clips else sorted(p.name for p in data.iterdir() if not p.name.startswith("."))
    if not names:
        raise InputError(f"'{data}' holds no clips")
    if frames is not None and frames < 2:
        raise InputError(f"--frames must be at least 2, not {frames}")
    for name in names:
        if not (data / name).exists():
            raise InputError(f"no clip '{name}' in '{data}'")
    report = {
        "settings": {
            "data": str(data),
            "clips": names,
            "frames": frames,
            "solver": solver,
            "device": device,
            "seed": seed,
        },
        "protocols": {},
    }
    for protocol in protocols:
        per_clip = {}
        for name in names:
            with open_clip(data / name) as clip:
                count = len(clip) if frames is None else min(frames, len(clip))
                if count < 2:
                    raise InputError(f"clip '{name}' has {count} frame; the benchmark needs at least 2")
                per_clip[name] = benchmark_clip(protocol, clip, range(count), solver=solver, device=device, seed=seed)
        result = {"description": PROTOCOLS[protocol], "clips": per_clip, "mean": _means(per_clip)}
        result["targets"] = check_targets(protocol, result["mean"])
        report["protocols"][str(protocol)] = result
        print(format_table(protocol, result), file=out, flush=True)
    if json_path is not None:
        from colorcore.media.images import write_bytes_atomic

        write_bytes_atomic(Path(json_path), json.dumps(json_safe(report), indent=1).encode("utf-8"))
    return report


def _means(per_clip: dict) -> dict:
    """Per method: the mean over clips of each clip figure (clips weigh the same), and
    seconds per frame over all frames together."""
    methods = next(iter(per_clip.values()))["methods"]
    means = {}
    for name in methods:
        rows = [c["methods"][name] for c in per_clip.values()]
        means[name] = {m: nan_mean([r[m] for r in rows]) for m in METRICS if m != "s_per_frame"}
        total_frames = sum(c["frames"] for c in per_clip.values())
        means[name]["s_per_frame"] = (
            sum(r["s_per_frame"] * c["frames"] for r, c in zip(rows, per_clip.values())) / total_frames
        )
    return means


def check_targets(protocol: int, mean: dict) -> dict:
    """Whether the issue's targets are met by the per-clip means ``mean`` (method -> figures).

    Protocol 1: the method's PSNR is at least :data:`PSNR_MARGIN_DB` above chained flow's,
    and its CDC and warp error are no higher. Protocol 2: the method's PSNR is above
    Levin per frame with carried strokes (CDC and warp error are compared too, and
    reported, but PSNR decides).

    Returns:
        ``{"met": bool, "checks": [(text, passed), ...]}``.
    """
    ours = mean[METHOD]
    if protocol == 1:
        other = mean[CHAINED]
        checks = [
            (
                f"PSNR {ours['psnr']:.3f} dB >= {CHAINED} {other['psnr']:.3f} + {PSNR_MARGIN_DB} dB",
                ours["psnr"] >= other["psnr"] + PSNR_MARGIN_DB,
            ),
            (f"CDC {ours['cdc']:.6f} <= {other['cdc']:.6f}", ours["cdc"] <= other["cdc"]),
            (
                f"warp error {ours['warp_error']:.7f} <= {other['warp_error']:.7f}",
                ours["warp_error"] <= other["warp_error"],
            ),
        ]
        met = all(passed for _, passed in checks)
    else:
        other = mean[PER_FRAME]
        checks = [
            (f"PSNR {ours['psnr']:.3f} dB > {PER_FRAME} {other['psnr']:.3f} dB", ours["psnr"] > other["psnr"]),
            (f"(CDC {ours['cdc']:.6f} <= {other['cdc']:.6f})", ours["cdc"] <= other["cdc"]),
            (
                f"(warp error {ours['warp_error']:.7f} <= {other['warp_error']:.7f})",
                ours["warp_error"] <= other["warp_error"],
            ),
        ]
        met = checks[0][1]
    return {"met": bool(met), "checks": [(text, bool(passed)) for text, passed in checks]}


_COLUMNS = (  # (key, header, format)
    ("psnr", "PSNR dB", "{:8.2f}"),
    ("ssim", "SSIM", "{:7.4f}"),
    ("cdc", "CDC", "{:8.5f}"),
    ("warp_error", "warp err", "{:9.6f}"),
    ("colourfulness", "colourf.", "{:8.2f}"),
    ("s_per_frame", "s/frame", "{:8.3f}"),
)


def format_table(protocol: int, result: dict) -> str:
    """One protocol's table: a block of rows per clip and one for the mean over clips.

    Each block lists the baselines, the method and the true colour (whose PSNR, SSIM and
    time are shown as '-'); the last lines say whether the targets are met.
    """
    head = f"{'clip':<12} {'frames':>6}  {'method':<16}" + "".join(
        f" {h:>{len(f.format(0.0))}}" for _, h, f in _COLUMNS
    )
    lines = [f"Protocol {protocol}: {result['description']}", head, "-" * len(head)]
    blocks = [(name, c["frames"], c["methods"]) for name, c in result["clips"].items()]
    blocks.append(("mean", sum(c["frames"] for c in result["clips"].values()), result["mean"]))
    for name, count, methods in blocks:
        for row, (method, figures) in enumerate(methods.items()):
            cells = []
            for key, _, fmt in _COLUMNS:
                value = figures[key]
                blank = method == TRUTH and key in ("psnr", "ssim", "s_per_frame")
                cells.append(" " + ("-" if blank or np.isnan(value) else fmt.format(value)).rjust(len(fmt.format(0.0))))
            label = (name, str(count)) if row == 0 else ("", "")
            lines.append(f"{label[0]:<12} {label[1]:>6}  {method:<16}" + "".join(cells))
    targets = result["targets"]
    verdict = "MET" if targets["met"] else "NOT MET"
    lines.append(f"target ({'method vs ' + (CHAINED if protocol == 1 else PER_FRAME)}): {verdict}")
    lines += [f"  {'yes' if passed else 'no ':>3}  {text}" for text, passed in targets["checks"]]
    return "\n".join(lines) + "\n"
