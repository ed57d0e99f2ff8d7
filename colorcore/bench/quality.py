"""Quality benchmark: the four protocols of docs/architecture.md on clips with true colour.

The grey input of every method is the clip's luma; the true colour reaches a method only
as its protocol allows:

1. *References*: the true colour of the first and the last frame of the clip (or of the
   ``--frames`` prefix) as :class:`colorcore.guidance.Reference`, nothing else.
2. *Strokes*: keyframes 0, 25, 50, ... (the last frame is not added as a keyframe, so
   the end of a clip tests one-sided propagation), each with 8 to 15 simulated strokes
   (:func:`simulate_keyframe_strokes`): short brush strokes 3 to 9 px wide on regions of
   nearly uniform true colour, away from edges, coloured with the true colour's median
   under the stroke, as an archivist would pick it.
3. *One reference*: the true first frame alone (pans and disocclusions reveal what it
   never showed; no frame may fall below the grey output).
4. *Unaligned exemplar*: the middle frame, cropped, rescaled and mirrored
   (:func:`unaligned_exemplar`), as the only guidance. The same method given that frame
   as an aligned reference is rendered beside it: exemplar transfer is scored against
   what perfect alignment would give.

Every clip is rendered, in the same run, by the method
(:func:`colorcore.video.propagate.colorize_clip`) and by the baselines of
:mod:`colorcore.bench.baselines`: an all-grey output (the floor), chained optical flow
in its two border variants (uncovered pixels grey, or the border replicated), carrying
the references' chroma (protocols 1, 3; protocol 4: the aligned middle frame) or each
keyframe solved alone from its strokes (protocol 2), and for protocol 2 Levin's equation
on each frame alone with the keyframe strokes carried by flow. Per clip the *strongest
baseline* is the one with the highest PSNR; the method is judged against it. The true
colour itself is scored too, for the scale of CDC, warp error and colourfulness.

Metrics are those of docs/architecture.md (:mod:`colorcore.metrics`), per frame and per clip, plus:
colourfulness as a ratio to the truth's; the worst frame's PSNR beside the grey
output's on that frame, and the count of frames below grey; and PSNR split into pixels
*tracked* (chained flow follows them back inside a keyframe) and *untracked* (no track
reaches them: revealed by a pan or a disocclusion), pooled over the clip. Frames given
as aligned references are left out of PSNR, SSIM and these (a method that returns them
unchanged would score an infinite PSNR); CDC and warp error run over the whole sequence.
All methods share one flow estimate per pair of frames (:class:`FlowCache`), also used
for the warp error.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from colorcore.colorspace import chroma_of, compose, luma_of, max_level
from colorcore.errors import InputError
from colorcore.guidance.hints import Hints, Stroke
from colorcore.guidance.references import Exemplar, Guidance, Reference
from colorcore.metrics import json_safe, nan_mean

# The shared research data: $KEYHUE_TESTDATA, else ../shared/testdata beside the checkout.
TESTDATA = Path(os.environ.get("KEYHUE_TESTDATA") or Path(__file__).resolve().parents[3] / "shared" / "testdata")
DAVIS_FOLDER = TESTDATA / "davis480p" / "JPEGImages"
KEYFRAME_STEP = 25
PROTOCOLS = {
    1: "true colour of the first and last frame as references",
    2: f"8-15 simulated strokes on keyframes every {KEYFRAME_STEP} frames (0, {KEYFRAME_STEP}, ...)",
    3: "true colour of the first frame alone as reference",
    4: "middle frame cropped, rescaled and mirrored as the only exemplar",
}
METRICS = (
    "psnr",
    "ssim",
    "cdc",
    "warp_error",
    "colourfulness",
    "colourfulness_ratio",
    "worst_psnr",
    "grey_at_worst",
    "below_grey",
    "worst_vs_grey",
    "hint_error",
    "psnr_tracked",
    "psnr_untracked",
    "untracked_share",
    "s_per_frame",
)
# Targets (issue 11): the method's mean PSNR over the strongest baseline's, in dB, per
# protocol; protocol 4: how far below the same frame given as an aligned reference.
PSNR_MARGIN_DB = {1: 1.5, 2: 1.0, 3: 1.0}
EXEMPLAR_GAP_DB = 1.5
# CDC and warp error may exceed the strongest baseline's by this factor.
STEADINESS_SLACK = 1.05
# Colourfulness must lie within this fraction of the truth's.
COLOURFULNESS_SLACK = 0.10

METHOD = "colorcore"
ALIGNED = "colorcore @ref"  # protocol 4: the exemplar's frame given as an aligned reference
GREY = "grey"
CHAINED_GREY = "flow, grey bord."
CHAINED = "flow, repl. bord."
PER_FRAME = "Levin per frame"
BEST = "best baseline"
TRUTH = "true colour"
BASELINES = (CHAINED_GREY, CHAINED, PER_FRAME)


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
        grown = cv2.dilate(footprint.astype(np.uint8), np.ones((2 * brush + 1, 2 * brush + 1), np.uint8))
        taken |= np.asarray(grown, dtype=np.uint8)  # already uint8: no copy
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

# Protocol 4's exemplar: the middle frame's box (fractions of width and height) is cut
# out, scaled by this factor and mirrored left to right, so no pixel lines up.
_EXEMPLAR_BOX = (0.12, 0.06, 0.92, 0.96)  # x0, y0, x1, y1
_EXEMPLAR_SCALE = 0.8


def middle_frame(frames: range) -> int:
    """Protocol 4's exemplar frame: the middle of ``frames``."""
    return frames[len(frames) // 2]


def unaligned_exemplar(rgb: np.ndarray) -> np.ndarray:
    """A frame made unaligned: cropped to :data:`_EXEMPLAR_BOX`, scaled by
    :data:`_EXEMPLAR_SCALE` (area average) and mirrored left to right.

    Args:
        rgb: HxWx3 uint8 or uint16 RGB.

    Returns:
        hxwx3 RGB of the same dtype, h ~ 0.72 H, w ~ 0.64 W.
    """
    height, width = rgb.shape[:2]
    x0, y0, x1, y1 = _EXEMPLAR_BOX
    crop = rgb[round(y0 * height) : round(y1 * height), round(x0 * width) : round(x1 * width)]
    size = (max(8, round(crop.shape[1] * _EXEMPLAR_SCALE)), max(8, round(crop.shape[0] * _EXEMPLAR_SCALE)))
    return np.ascontiguousarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA)[:, ::-1])


def protocol_guidance(protocol: int, clip, frames: range, seed: int = 0) -> Guidance:
    """What the method is given under ``protocol`` for ``frames`` of ``clip``.

    Args:
        protocol: 1 to 4; see the module docstring.
        clip: a :class:`colorcore.media.Clip` in true colour.
        frames: the frames benchmarked, a step-1 range starting at 0.
        seed: stroke simulator seed (protocol 2).

    Returns:
        A :class:`Guidance` whose references are copies of true frames (protocols 1, 3),
        whose hints hold the simulated strokes (2), or whose only exemplar is the
        unaligned middle frame (4).

    Raises:
        InputError: protocol 2 found no room for a single stroke.
    """
    if protocol in (1, 3):
        ends = sorted({frames[0], frames[-1]}) if protocol == 1 else [frames[0]]
        return Guidance(references=[Reference(i, np.array(clip.rgb(i)), source=f"true frame {i}") for i in ends])
    if protocol == 2:
        strokes = [s for k in keyframes_of(frames) for s in simulate_keyframe_strokes(np.asarray(clip.rgb(k)), k, seed)]
        if not strokes:
            raise InputError(f"'{clip.path}' has no room for simulated strokes (frames too small or too busy)")
        return Guidance(hints=Hints(canvas_size=(clip.width, clip.height), strokes=strokes))
    if protocol == 4:
        middle = middle_frame(frames)
        exemplar = unaligned_exemplar(np.asarray(clip.rgb(middle)))
        return Guidance(exemplars=[Exemplar(exemplar, source=f"true frame {middle}, cropped, scaled, mirrored")])
    raise ValueError(f"protocol must be 1, 2, 3 or 4, not {protocol!r}")


def keyframes_of(frames: range) -> list[int]:
    """Protocol 2's keyframes inside ``frames``: every :data:`KEYFRAME_STEP`-th frame from its start."""
    return list(range(frames.start, frames.stop, KEYFRAME_STEP))


def given_frames(protocol: int, frames: range) -> set[int]:
    """Frames whose true colour some method receives aligned: left out of PSNR and SSIM."""
    if protocol == 1:
        return {frames[0], frames[-1]}
    if protocol == 3:
        return {frames[0]}
    if protocol == 4:
        return {middle_frame(frames)}
    return set()


# -- running the methods --------------------------------------------------------------------


@dataclass
class MethodScores:
    """Per-frame scores of one method on one clip, and its rendering time.

    Lists hold one value per frame, in order (nan where a metric has no value, such as
    the warp error of the first frame); ``histograms`` are each frame's (3, 256) RGB
    histograms, from which CDC is computed; ``split`` holds per frame the summed squared
    8-bit RGB error and pixel count over tracked and over untracked pixels.
    """

    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    colourfulness: list[float] = field(default_factory=list)
    warp_error: list[float] = field(default_factory=list)
    histograms: list[np.ndarray] = field(default_factory=list)
    split: list[tuple[float, int, float, int]] = field(default_factory=list)
    hint_error: list[float] = field(default_factory=list)
    seconds: float | None = None

    def summary(self, scored: Sequence[int], grey: MethodScores | None = None) -> dict:
        """Clip-level figures over the positions in ``scored`` (PSNR, SSIM, the worst
        frame and the tracked/untracked split), colourfulness and warp error over every
        frame (nan skipped), CDC over the sequence, seconds per frame, the mean RGB error
        at hinted pixels (protocol 2). ``grey`` gives the grey output's PSNR on the worst
        frame, the frames below grey and the least margin over grey on any frame."""
        from colorcore.metrics import cdc

        psnrs = [self.psnr[k] for k in scored]
        worst = int(np.argmin(psnrs)) if psnrs else None
        figures = {
            "psnr": nan_mean(psnrs),
            "ssim": nan_mean([self.ssim[k] for k in scored]),
            "cdc": cdc(self.histograms),
            "warp_error": nan_mean(self.warp_error),
            "colourfulness": nan_mean(self.colourfulness),
            "colourfulness_ratio": float("nan"),
            "worst_psnr": psnrs[worst] if worst is not None else float("nan"),
            "worst_frame": scored[worst] if worst is not None else None,
            "grey_at_worst": grey.psnr[scored[worst]] if grey is not None and worst is not None else float("nan"),
            "below_grey": sum(self.psnr[k] < grey.psnr[k] for k in scored) if grey is not None else 0,
            "worst_vs_grey": (
                min(self.psnr[k] - grey.psnr[k] for k in scored) if grey is not None and scored else float("nan")
            ),
            "hint_error": nan_mean(self.hint_error) if self.hint_error else float("nan"),
            "s_per_frame": float("nan") if self.seconds is None else self.seconds / max(len(self.psnr), 1),
        }
        for name, part in (("psnr_tracked", 0), ("psnr_untracked", 2)):
            error = sum(self.split[k][part] for k in scored)
            count = sum(self.split[k][part + 1] for k in scored)
            figures[name] = _psnr_of(error / (3 * count)) if count else float("nan")
        pixels = sum(self.split[k][1] + self.split[k][3] for k in scored)
        figures["untracked_share"] = sum(self.split[k][3] for k in scored) / pixels if pixels else float("nan")
        return figures


def _psnr_of(mse: float) -> float:
    return float("inf") if mse <= 0 else float(10 * np.log10(255.0**2 / mse))


def _timed(frames: Iterator[tuple[int, np.ndarray]], scores: MethodScores) -> Iterator[tuple[int, np.ndarray]]:
    """``frames`` unchanged, adding the time spent producing each one to ``scores.seconds``."""
    scores.seconds = 0.0
    while True:
        start = time.perf_counter()
        try:
            item = next(frames)
        except StopIteration:
            return
        scores.seconds += time.perf_counter() - start
        yield item


def _score_frame(
    scores: MethodScores,
    output: np.ndarray,
    truth: np.ndarray,
    previous: np.ndarray | None,
    motion,
    tracked=None,
    truth_ssim=None,
) -> None:
    """Append one frame's metrics (all metric calls of the benchmark happen here).

    ``motion`` is ``(flow, valid)`` from the previous true frame's luma to this one's, or
    None on the first frame; ``tracked`` the HxW bool mask of tracked pixels (None: all);
    ``truth_ssim`` an optional :class:`colorcore.metrics.SsimReference` of ``truth``.
    """
    from colorcore.metrics import SsimReference, channel_histograms, colourfulness, frame_warp_error, psnr, to_rgb8

    scores.psnr.append(psnr(output, truth))
    scores.ssim.append((truth_ssim or SsimReference(truth)).score(output))
    scores.colourfulness.append(colourfulness(output))
    scores.histograms.append(channel_histograms(output))
    if motion is None:
        scores.warp_error.append(float("nan"))
    else:
        assert previous is not None  # motion is given from the second frame on, as is the previous output
        scores.warp_error.append(frame_warp_error(previous, output, *motion))
    error = ((to_rgb8(output).astype(np.float32) - to_rgb8(truth).astype(np.float32)) ** 2).sum(axis=2)
    if tracked is None:
        tracked = np.ones(error.shape, bool)
    inside = int(np.count_nonzero(tracked))
    scores.split.append((float(error[tracked].sum()), inside, float(error[~tracked].sum()), int(error.size - inside)))


def method_frames(
    protocol: int, clip, frames: range, guidance: Guidance, solver: str, device: str, flows
) -> tuple[dict[str, Iterator], Iterator[np.ndarray]]:
    """The frame generators of the method and the baselines, by display name, and the tracked masks.

    Each generator yields ``(i, HxWx3 RGB of clip.dtype)`` for i in ``frames``; the
    second value yields one HxW bool tracked mask per frame (see
    :func:`colorcore.bench.baselines.chained_flow_frames`). The true colour enters only
    through ``guidance`` (and, for protocol 4's aligned comparison and its baselines,
    through the middle frame as a reference).
    """
    from colorcore.bench.baselines import (
        BORDER_GREY,
        BORDER_REPLICATED,
        carried_stroke_frames,
        chained_flow_frames,
        grey_frames,
    )
    from colorcore.solvers.colorize import solve_chroma
    from colorcore.video.propagate import colorize_clip

    size = (clip.width, clip.height)
    runs = {GREY: grey_frames(clip, frames)}
    if protocol == 2:
        hints = guidance.hints
        assert hints is not None  # protocol 2's guidance is its simulated strokes
        rasters = {k: hints.rasterize(k, size) for k in hints.keyframes}
        key_chroma = {
            k: solve_chroma(luma_of(np.asarray(clip.luma(k))), r, solver=solver, device=device)
            for k, r in rasters.items()
        }
    else:
        references = guidance.references
        if protocol == 4:
            middle = middle_frame(frames)
            references = [Reference(middle, np.array(clip.rgb(middle)), source=f"true frame {middle}")]
        key_chroma = {r.frame: chroma_of(r.rgb) for r in references}
    chained = itertools.tee(chained_flow_frames(clip, frames, key_chroma, flows), 3)
    runs[CHAINED_GREY] = ((i, rgb[BORDER_GREY]) for i, rgb, _ in chained[0])
    runs[CHAINED] = ((i, rgb[BORDER_REPLICATED]) for i, rgb, _ in chained[1])
    tracked = (mask for _, _, mask in chained[2])
    if protocol == 2:
        runs[PER_FRAME] = carried_stroke_frames(clip, frames, rasters, solver=solver, device=device, flows=flows)
    if protocol == 4:
        aligned = Guidance(references=references)
        runs[ALIGNED] = colorize_clip(clip, aligned, solver=solver, device=device, frames=frames)
    runs[METHOD] = colorize_clip(clip, guidance, solver=solver, device=device, frames=frames)
    return runs, tracked


_TIMED = (METHOD, ALIGNED)  # baselines share flows and generators: their times mean little


def benchmark_clip(
    protocol: int,
    clip,
    frames: range,
    solver: str = "fast",
    device: str = "cpu",
    seed: int = 0,
    extra: Callable[[Guidance], dict[str, Iterator]] | None = None,
) -> dict:
    """Render ``frames`` of ``clip`` by the method and baselines, score them all.

    All generators advance together, one frame at a time, sharing one flow estimate per
    pair of neighbouring frames (also the warp error's motion), so memory stays at what
    the generators themselves hold. ``extra`` adds methods scored and timed beside the
    method (another engine): called once with the protocol's guidance, it returns frame
    generators by display name, each yielding ``(i, HxWx3 RGB of clip.dtype)``.

    Returns:
        ``{"frames": n, "scored": [frame indices in the PSNR/SSIM means], "best":
        name of the strongest baseline, "methods": {name: summary dict (see
        MethodScores.summary) plus "per_frame": {"psnr", "ssim", "colourfulness",
        "warp_error": lists}}}``, with the true colour scored as a method of its own
        (:data:`TRUTH`) and the strongest baseline's figures repeated as :data:`BEST`.
    """
    from colorcore.bench.baselines import FlowCache
    from colorcore.metrics import CONSISTENT, SsimReference, to_rgb8
    from colorcore.video.flow import consistency

    guidance = protocol_guidance(protocol, clip, frames, seed)
    flows = FlowCache(clip)
    generators, tracked_masks = method_frames(protocol, clip, frames, guidance, solver, device, flows)
    more = extra(guidance) if extra is not None else {}
    generators.update(more)
    scores = {name: MethodScores() for name in [*generators, TRUTH]}
    timed = {*_TIMED, *more}
    runs = {name: (_timed(gen, scores[name]) if name in timed else gen) for name, gen in generators.items()}
    hinted = _hinted_colours(clip, guidance)
    previous: dict[str, np.ndarray] = {}
    for i in frames:
        truth = np.asarray(clip.rgb(i))
        motion = None
        if i > frames.start:
            forward = flows(i - 1, i)
            motion = (forward, consistency(forward, flows(i, i - 1)) > CONSISTENT)
        outputs = {TRUTH: truth}
        for name, run in runs.items():
            index, rgb = next(run)
            if index != i:
                raise RuntimeError(f"{name} yielded frame {index} where {i} was due")
            outputs[name] = rgb
        tracked = next(tracked_masks)
        truth_ssim = SsimReference(truth)
        for name, rgb in outputs.items():
            _score_frame(scores[name], rgb, truth, previous.get(name), motion, tracked, truth_ssim)
            if i in hinted:
                mask, wanted = hinted[i]
                scores[name].hint_error.append(float(np.abs(to_rgb8(rgb)[mask].astype(np.float32) - wanted).mean()))
        previous = outputs
        flows.drop_before(i)
    given = given_frames(protocol, frames)
    scored = [k for k, i in enumerate(frames) if i not in given]
    methods = {
        name: {
            **s.summary(scored, scores[GREY]),
            "per_frame": {
                "psnr": s.psnr,
                "ssim": s.ssim,
                "colourfulness": s.colourfulness,
                "warp_error": s.warp_error,
            },
        }
        for name, s in scores.items()
    }
    truth_colour = methods[TRUTH]["colourfulness"]
    for figures in methods.values():
        figures["colourfulness_ratio"] = figures["colourfulness"] / truth_colour if truth_colour > 0 else float("nan")
    best = max((name for name in BASELINES if name in methods), key=lambda name: methods[name]["psnr"])
    methods[BEST] = {**methods[best], "s_per_frame": float("nan")}
    return {"frames": len(frames), "scored": [frames[k] for k in scored], "best": best, "methods": methods}


def _hinted_colours(clip, guidance: Guidance) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per keyframe with strokes: (HxW bool mask of stroked pixels, Nx3 float32 8-bit RGB
    the strokes ask for there, at the frame's own luma)."""
    from colorcore.metrics import to_rgb8

    if guidance.hints is None:
        return {}
    hinted = {}
    for k in guidance.hints.keyframes:
        raster = guidance.hints.rasterize(k, (clip.width, clip.height))
        if raster.count:
            wanted = to_rgb8(compose(luma_of(np.asarray(clip.luma(k))), raster.chroma))
            hinted[k] = (raster.mask, wanted[raster.mask].astype(np.float32))
    return hinted


# -- the whole benchmark, the table and the targets -------------------------------------


def clip_names(data: Path, clips: Sequence[str] | None = None) -> list[str]:
    """The clips a benchmark runs on: ``clips`` checked to be inside ``data``, or else every
    frame folder and video file there (by :data:`colorcore.media.VIDEO_EXTENSIONS`; notes
    such as a SOURCE.txt beside the clips are not clips), sorted by name.

    Raises:
        InputError: ``data`` is not a folder, a named clip is missing, or it holds no clip.
    """
    from colorcore.media import VIDEO_EXTENSIONS

    if not data.is_dir():
        raise InputError(f"no clips at '{data}': give a folder of clips with --data")
    if clips:
        for name in clips:
            if not (data / name).exists():
                raise InputError(f"no clip '{name}' in '{data}'")
        return list(clips)
    names = sorted(
        p.name
        for p in data.iterdir()
        if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in VIDEO_EXTENSIONS)
    )
    if not names:
        raise InputError(f"'{data}' holds no clips (frame folders or video files)")
    return names


def run_quality_benchmark(
    protocols: Sequence[int] = (1, 2, 3, 4),
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
        protocols: which of 1 to 4 to run.
        data: folder holding one frame folder (or video file) per clip; the DAVIS clips in
            ``../shared/testdata/davis480p/JPEGImages`` by default.
        clips: names inside ``data``; every entry of ``data`` by default.
        frames: benchmark only the first ``frames`` frames of each clip (at least 2).
        solver, device: for the method and the baselines that solve Levin's equation.
        seed: stroke simulator seed.
        json_path: also write the figures (with per-frame values) there as JSON; it is
            rewritten after every clip, so a long run can be followed.
        out: where the tables go (a text stream; standard output by default).

    Returns:
        ``{"settings": {...}, "protocols": {"1": {"clips": {name: benchmark_clip result},
        "mean": {method: summary}, "targets": {"met": bool, "checks": [...]}}, ...}}``.

    Raises:
        InputError: missing data folder or clip, a bad ``frames`` count, no clip that
            could take a protocol (a clip that cannot is skipped with a line: one shorter
            than 2 frames, a grey one under protocol 4, ...).
    """
    out = out or sys.stdout
    data = Path(data) if data is not None else DAVIS_FOLDER
    names = clip_names(data, clips)
    if frames is not None and frames < 2:
        raise InputError(f"--frames must be at least 2, not {frames}")
    protocols_done: dict[str, dict] = {}  # by protocol number, filled in as the runs go
    report: dict[str, object] = {
        "settings": {
            "data": str(data),
            "clips": names,
            "frames": frames,
            "solver": solver,
            "device": device,
            "seed": seed,
        },
        "protocols": protocols_done,
    }
    for protocol in protocols:

        def run(clip, clip_frames: range, protocol: int = protocol) -> dict:
            return benchmark_clip(protocol, clip, clip_frames, solver=solver, device=device, seed=seed)

        def after(per_clip: dict, protocol: int = protocol) -> None:
            protocols_done[str(protocol)] = {"description": PROTOCOLS[protocol], "clips": per_clip}
            _save(report, json_path)

        per_clip, skipped = each_clip(protocol, data, names, frames, run, out, after=after)
        result = {"description": PROTOCOLS[protocol], "clips": per_clip, "mean": _means(per_clip), "skipped": skipped}
        result["targets"] = check_targets(protocol, result)
        protocols_done[str(protocol)] = result
        print(format_table(protocol, result), file=out, flush=True)
        _save(report, json_path)
    return report


def each_clip(protocol: int, data: Path, names: Sequence[str], frames: int | None, run, out, after=None):
    """``run(clip, frames)`` on each named clip for one protocol.

    A clip that cannot take the protocol (it does not open, has fewer than 2 frames, or
    its guidance cannot be made, e.g. a grey clip's exemplar under protocol 4) is skipped
    with a line on ``out``, so one unsuitable clip does not end a long run.

    Args:
        frames: at most this many first frames of each clip (all when None).
        run: ``(Clip, range) -> dict``, the clip's figures.
        after: called with the figures so far after each clip (None: nothing).

    Returns:
        ({name: figures}, {name: why it was skipped}).

    Raises:
        InputError: every clip was skipped.
    """
    from colorcore.media import open_clip

    per_clip: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    for name in names:
        try:
            with open_clip(data / name) as clip:
                count = len(clip) if frames is None else min(frames, len(clip))
                if count < 2:
                    raise InputError(f"it has {count} frame; the benchmark needs at least 2")
                per_clip[name] = run(clip, range(count))
        except InputError as exc:
            skipped[name] = str(exc)
            print(f"protocol {protocol}: skipped '{name}': {exc}", file=out, flush=True)
            continue
        if after is not None:
            after(per_clip)
    if not per_clip:
        raise InputError(f"no clip could be benchmarked under protocol {protocol}: {'; '.join(skipped.values())}")
    return per_clip, skipped


def _save(report: dict, json_path: Path | None) -> None:
    if json_path is not None:
        from colorcore.media.images import write_bytes_atomic

        write_bytes_atomic(Path(json_path), json.dumps(json_safe(report), indent=1).encode("utf-8"))


def _means(per_clip: dict) -> dict:
    """Per method: the mean over clips of each clip figure (clips weigh the same; frames
    below grey are summed), and seconds per frame over all frames together."""
    methods = next(iter(per_clip.values()))["methods"]
    means = {}
    for name in methods:
        rows = [c["methods"][name] for c in per_clip.values()]
        means[name] = {m: nan_mean([r[m] for r in rows]) for m in METRICS if m not in ("s_per_frame", "below_grey")}
        means[name]["worst_psnr"] = min(r["worst_psnr"] for r in rows)
        means[name]["below_grey"] = sum(r["below_grey"] for r in rows)
        total_frames = sum(c["frames"] for c in per_clip.values())
        means[name]["s_per_frame"] = (
            sum(r["s_per_frame"] * c["frames"] for r, c in zip(rows, per_clip.values())) / total_frames
        )
    return means


def check_targets(protocol: int, result: dict) -> dict:
    """Whether issue 11's targets are met, from a protocol's ``result`` (its "mean" and "clips").

    Protocols 1-3: the method's mean PSNR is at least :data:`PSNR_MARGIN_DB` above the
    strongest baseline's (per clip, the best of the chained-flow variants and, for
    strokes, Levin per frame); protocol 1 also: on no clip below it; protocol 3 also: no
    frame below the grey output. Protocol 4: mean PSNR at most :data:`EXEMPLAR_GAP_DB`
    below the same frame given as an aligned reference. Always: CDC and warp error at
    most :data:`STEADINESS_SLACK` times the strongest baseline's, and colourfulness within
    :data:`COLOURFULNESS_SLACK` of the truth's.

    Returns:
        ``{"met": bool, "checks": [(text, passed), ...]}``.
    """
    mean = result["mean"]
    ours, best = mean[METHOD], mean[BEST]
    checks = []
    if protocol in PSNR_MARGIN_DB:
        margin = PSNR_MARGIN_DB[protocol]
        checks.append(
            (
                f"PSNR {ours['psnr']:.2f} dB >= {BEST} {best['psnr']:.2f} + {margin} dB "
                f"({ours['psnr'] - best['psnr']:+.2f})",
                ours["psnr"] >= best["psnr"] + margin,
            )
        )
    if protocol == 1:
        behind = [n for n, c in result["clips"].items() if c["methods"][METHOD]["psnr"] < c["methods"][BEST]["psnr"]]
        checks.append((f"no clip below {BEST} (below: {', '.join(behind) or 'none'})", not behind))
    if protocol == 3:
        below = int(ours["below_grey"])
        checks.append((f"no frame below grey ({below} below)", below == 0))
    if protocol == 4:
        aligned = mean[ALIGNED]
        checks.append(
            (
                f"PSNR {ours['psnr']:.2f} dB >= {ALIGNED} {aligned['psnr']:.2f} - {EXEMPLAR_GAP_DB} dB "
                f"({ours['psnr'] - aligned['psnr']:+.2f})",
                ours["psnr"] >= aligned["psnr"] - EXEMPLAR_GAP_DB,
            )
        )
    for key, label, fmt in (("cdc", "CDC", "{:.5f}"), ("warp_error", "warp error", "{:.6f}")):
        limit = best[key] * STEADINESS_SLACK
        checks.append(
            (
                f"{label} {fmt.format(ours[key])} <= {STEADINESS_SLACK} x {BEST} {fmt.format(best[key])}",
                ours[key] <= limit,
            )
        )
    ratio = ours["colourfulness_ratio"]
    checks.append(
        (
            f"colourfulness {ratio:.2f} x truth's, within {COLOURFULNESS_SLACK:.0%}",
            abs(ratio - 1) <= COLOURFULNESS_SLACK,
        )
    )
    return {"met": all(passed for _, passed in checks), "checks": [(text, bool(passed)) for text, passed in checks]}


_COLUMNS = (  # (key, header, format)
    ("psnr", "PSNR dB", "{:7.2f}"),
    ("ssim", "SSIM", "{:6.4f}"),
    ("cdc", "CDC", "{:7.5f}"),
    ("warp_error", "warp err", "{:8.6f}"),
    ("colourfulness_ratio", "col/tru", "{:7.2f}"),
    ("worst_psnr", "worst", "{:6.2f}"),
    ("grey_at_worst", "grey@w", "{:6.2f}"),
    ("below_grey", "<grey", "{:5.0f}"),
    ("psnr_tracked", "trk dB", "{:6.2f}"),
    ("psnr_untracked", "untrk dB", "{:8.2f}"),
    ("untracked_share", "untrk%", "{:6.1%}"),
    ("s_per_frame", "s/frame", "{:7.3f}"),
)


def format_table(protocol: int, result: dict) -> str:
    """One protocol's table: a block of rows per clip and one for the mean over clips.

    Each block lists the baselines, the strongest of them (named beside the clip), the
    method and the true colour (whose PSNR and SSIM are '-'); "worst" is the lowest
    frame PSNR (for the mean row: over all clips), "grey@w" the grey output's on that
    frame, "<grey" the frames below grey, "trk"/"untrk" the PSNR of pixels tracked to a
    keyframe and of those no track reaches (and their share). The last lines say
    whether the targets are met.
    """
    width = 17
    head = f"{'clip':<16} {'frames':>6}  {'method':<{width}}" + "".join(
        f" {h:>{len(f.format(0.0))}}" for _, h, f in _COLUMNS
    )
    lines = [f"Protocol {protocol}: {result['description']}", head, "-" * len(head)]
    blocks = [(name, c["frames"], c["methods"], c.get("best")) for name, c in result["clips"].items()]
    blocks.append(("mean", sum(c["frames"] for c in result["clips"].values()), result["mean"], None))
    for name, count, methods, best in blocks:
        for row, (method, figures) in enumerate(methods.items()):
            cells = []
            for key, _, fmt in _COLUMNS:
                value = figures.get(key, float("nan"))
                blank = method == TRUTH and key in (
                    "psnr",
                    "ssim",
                    "worst_psnr",
                    "grey_at_worst",
                    "below_grey",
                    "psnr_tracked",
                    "psnr_untracked",
                )
                text = "-" if blank or value is None or np.isnan(value) or np.isinf(value) else fmt.format(value)
                cells.append(" " + text.rjust(len(fmt.format(0.0))))
            label = method if method != BEST or best is None else f"best: {best}"[:width]
            first = (name[:16], str(count)) if row == 0 else ("", "")
            lines.append(f"{first[0]:<16} {first[1]:>6}  {label:<{width}}" + "".join(cells))
    lines += [f"skipped: {name}: {why}" for name, why in result.get("skipped", {}).items()]
    targets = result["targets"]
    verdict = "MET" if targets["met"] else "NOT MET"
    lines.append(f"targets (issue 11, protocol {protocol}): {verdict}")
    lines += [f"  {'yes' if passed else 'no ':>3}  {text}" for text, passed in targets["checks"]]
    return "\n".join(lines) + "\n"
