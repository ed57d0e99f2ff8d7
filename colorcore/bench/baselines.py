"""Baselines the quality benchmark prints beside the method, computed in the same run.

- :func:`grey_frames`: the luma alone (no chroma): the floor every method must beat.
- :func:`chained_flow_frames`: keyframe chroma carried frame to frame by chained optical
  flow, from the nearest keyframe before and after, blended by temporal distance. No
  solve happens between keyframes, so errors accumulate and colour drifts off edges;
  this is what a plain flow-warping tool does.
- :func:`carried_stroke_frames`: the keyframe strokes (mask and chroma) carried by
  chained flow from the nearest keyframe, then each frame solved alone by Levin's
  equation. Colour stays inside edges, but nothing ties one frame's solve to the next.

Each is a generator of ``(frame index, HxWx3 RGB of the clip's dtype)`` in increasing
order, composed with the clip's own luma (so luma is exact, as in the method's output).
Flow runs between neighbouring frames on luma (OpenCV DIS, :mod:`colorcore.flow`), in
the direction that lets every frame pull its value from the frame nearer the keyframe.

Memory: the backward pass of a stretch between two keyframes is kept until the forward
pass meets it, so these baselines hold one keyframe distance of HxWx3 float32 arrays
(about 5 MB a frame at 480p); they are benchmark tools, not the product's streaming path.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from colorcore.colorspace import compose, luma_of
from colorcore.guidance.hints import HintRaster
from colorcore.solvers.colorize import solve_chroma
from colorcore.video.flow import FlowEstimator, warp

#: Flow quality used by the baselines; DIS "medium" is the slowest, most accurate preset.
FLOW_PRESET = "medium"

# Below this carried weight a pixel counts as uncovered (it came from outside the frame).
_MIN_WEIGHT = 1e-3

Frames = Iterator[tuple[int, np.ndarray]]


def grey_frames(clip, frames: range) -> Frames:
    """The clip's luma as grey RGB: ``(i, HxWx3)`` of ``clip.dtype`` for i in ``frames``."""
    for i in frames:
        luma = np.asarray(clip.luma(i))
        yield i, np.repeat(luma[..., None], 3, axis=2)


def chained_flow_frames(clip, frames: range, key_chroma: Mapping[int, np.ndarray], preset: str = FLOW_PRESET) -> Frames:
    """Keyframe chroma carried by chained flow, blended by temporal distance.

    Args:
        clip: a :class:`colorcore.media.Clip` (only its luma is read).
        frames: the frames to produce, a step-1 range; every key of ``key_chroma`` lies in it.
        key_chroma: frame index -> HxWx2 float chroma (I, Q) of that keyframe.
        preset: DIS preset ("ultrafast", "fast", "medium").

    Yields:
        ``(i, rgb)`` for i in ``frames``: rgb is HxWx3 of ``clip.dtype``. On a keyframe the
        chroma is the keyframe's own; between two keyframes the two carried chromas are
        averaged with weights proportional to the distance to the *other* keyframe (and
        to the share of the pixel that stayed inside the picture); before the first or
        after the last keyframe only one direction exists. Pixels no carry reaches are grey.
    """
    payloads = {
        k: _premultiplied(np.asarray(c, dtype=np.float32), np.ones(c.shape[:2], np.float32))
        for k, c in key_chroma.items()
    }
    for i, before, after in _carried_both_ways(clip, frames, payloads, warp, preset):
        total = np.zeros(before[1].shape if before else after[1].shape, np.float32)
        weight_sum = 0.0
        for carried, other in ((before, after), (after, before)):
            if carried is None:
                continue
            distance_weight = 1.0 if other is None else other[0] / (carried[0] + other[0])
            total += distance_weight * carried[1]
            weight_sum += distance_weight
        yield i, _compose(clip, i, _unpremultiply(total / weight_sum))


def carried_stroke_frames(
    clip,
    frames: range,
    key_rasters: Mapping[int, HintRaster],
    solver: str = "fast",
    device: str = "cpu",
    preset: str = FLOW_PRESET,
) -> Frames:
    """Each frame solved alone from the strokes of its nearest keyframe, carried by flow.

    Args:
        clip: a :class:`colorcore.media.Clip`.
        frames: the frames to produce, a step-1 range containing every key.
        key_rasters: frame index -> the keyframe's rasterised strokes at the clip's size.
        solver, device: passed to :func:`colorcore.colorize.solve_chroma`.
        preset: DIS preset for the carrying flow.

    Yields:
        ``(i, rgb)`` for i in ``frames``, HxWx3 of ``clip.dtype``. The stroke mask is
        carried by chained flow (re-thresholded at one half after every step, so strokes
        stay crisp instead of blurring) with its chroma; the nearer keyframe wins (the
        earlier one on a tie).
    """
    payloads = {
        k: _premultiplied(r.chroma.astype(np.float32), r.mask.astype(np.float32)) for k, r in key_rasters.items()
    }

    def step(payload: np.ndarray, flow: np.ndarray) -> np.ndarray:
        moved = warp(payload, flow)
        keep = moved[..., 2] >= 0.5
        chroma = _unpremultiply(moved)
        return _premultiplied(chroma, keep.astype(np.float32))

    for i, before, after in _carried_both_ways(clip, frames, payloads, step, preset):
        nearest = before if after is None or (before is not None and before[0] <= after[0]) else after
        payload = nearest[1]
        raster = HintRaster(mask=payload[..., 2] >= 0.5, chroma=_unpremultiply(payload).astype(np.float64))
        luma = luma_of(np.asarray(clip.luma(i)))
        yield i, compose(luma, solve_chroma(luma, raster, solver=solver, device=device), dtype=clip.dtype)


def _premultiplied(chroma: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """HxWx3 float32 (I*w, Q*w, w): warping it bilinearly mixes chroma by weight."""
    return np.dstack([chroma * weight[..., None], weight]).astype(np.float32)


def _unpremultiply(payload: np.ndarray) -> np.ndarray:
    """HxWx2 chroma of a premultiplied payload; zero (grey) where its weight vanishes."""
    weight = payload[..., 2:3]
    return np.where(weight > _MIN_WEIGHT, payload[..., :2] / np.maximum(weight, _MIN_WEIGHT), 0.0)


def _compose(clip, i: int, chroma: np.ndarray) -> np.ndarray:
    return compose(luma_of(np.asarray(clip.luma(i))), chroma, dtype=clip.dtype)


Carried = tuple[int, np.ndarray] | None  # (distance to its keyframe, payload) or none


def _carried_both_ways(
    clip,
    frames: range,
    key_payloads: Mapping[int, np.ndarray],
    step: Callable[[np.ndarray, np.ndarray], np.ndarray],
    preset: str,
) -> Iterator[tuple[int, Carried, Carried]]:
    """For each frame in order: the payloads carried from the keyframes around it.

    ``step(payload of frame j, flow from frame i to j)`` gives the payload on frame i,
    for neighbours i and j. Yields ``(i, before, after)``: ``before`` carried forward from
    the nearest keyframe at or before i, ``after`` carried backward from the nearest
    keyframe after i; on a keyframe ``before`` is its own payload at distance 0 and
    ``after`` is None.
    """
    if frames.step != 1 or not key_payloads:
        raise ValueError("frames must be a step-1 range and there must be at least one keyframe")
    keys = sorted(key_payloads)
    if keys[0] < frames.start or keys[-1] >= frames.stop:
        raise ValueError(f"keyframes {keys} must lie in {frames}")
    flow = FlowEstimator(preset)
    forward: Carried = None  # carried from the last keyframe passed
    backward: dict[int, np.ndarray] = {}  # frame -> payload carried from the next keyframe
    for i in frames:
        if i in key_payloads:
            forward = (0, key_payloads[i])
            yield i, forward, None
            continue
        later = bisect.bisect_right(keys, i)
        next_key = keys[later] if later < len(keys) else None
        if next_key is not None and i not in backward:
            backward = _carry_back(clip, next_key, max(i, frames.start), key_payloads[next_key], step, flow)
        if forward is not None:
            forward = (forward[0] + 1, step(forward[1], flow(clip.luma(i), clip.luma(i - 1))))
        after = (next_key - i, backward.pop(i)) if next_key is not None else None
        yield i, forward, after


def _carry_back(clip, key: int, first: int, payload: np.ndarray, step, flow) -> dict[int, np.ndarray]:
    """Payload of ``key`` carried back to frames ``key-1`` down to ``first``."""
    carried = {}
    for j in range(key - 1, first - 1, -1):
        payload = step(payload, flow(clip.luma(j), clip.luma(j + 1)))
        carried[j] = payload
    return carried
