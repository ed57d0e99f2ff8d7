"""Baselines the quality benchmark prints beside the method, computed in the same run.

- :func:`grey_frames`: the luma alone (no chroma): the floor every method must beat.
- :func:`chained_flow_frames`: keyframe chroma carried frame to frame by chained optical
  flow (DIS "medium" on full-size luma), from the nearest keyframe before and after,
  blended by temporal distance. It comes in the two variants a plain flow-warping tool
  offers for pixels that flow brings in from outside the picture: left grey, or given
  the nearest border colour (replicated). No solve happens between keyframes, so errors
  accumulate, but nothing is averaged away either: on pans the replicated border alone
  is worth dB, so the method must beat the better of the two.
- :func:`carried_stroke_frames`: the keyframe strokes (mask and chroma) carried by
  chained flow from the nearest keyframe, then each frame solved alone by Levin's
  equation. Colour stays inside edges, but nothing ties one frame's solve to the next.

Generators yield ``(frame index, HxWx3 RGB of the clip's dtype)`` in increasing order (the
chained flow yields both variants and the tracked mask at once), composed with the
clip's own luma, so luma is exact, as in the method's output. Flow runs between
neighbouring frames on luma; a :class:`FlowCache` lets every baseline and the
benchmark's warp error share one estimate per pair of frames.

Memory: the backward pass of a stretch between two keyframes is kept until the forward
pass meets it, so these baselines hold one keyframe distance of HxWx5 float32 arrays
and flows; they are benchmark tools, not the product's streaming path.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping

import cv2
import numpy as np

from colorcore.colorspace import compose, luma_of
from colorcore.guidance.hints import HintRaster
from colorcore.solvers.colorize import solve_chroma
from colorcore.video.flow import FlowEstimator, warp

#: Flow quality used by the baselines; DIS "medium" is the slowest, most accurate preset.
FLOW_PRESET = "medium"

#: The two chained-flow variants: what a pixel arriving from outside the picture gets.
BORDER_GREY = "grey"
BORDER_REPLICATED = "replicated"

# Below this carried weight a pixel counts as uncovered (it came from outside the frame).
_MIN_WEIGHT = 1e-3
# A pixel is *tracked* when at least this share of it was carried from inside a keyframe.
TRACKED = 0.5

Frames = Iterator[tuple[int, np.ndarray]]


class FlowCache:
    """Flows between neighbouring frames of one clip, each estimated once.

    ``cache(i, j)`` is the HxWx2 float32 flow from frame i's luma to frame j's
    (:mod:`colorcore.video.flow` convention). Flows stay until :meth:`drop_before`
    releases them, so consumers that advance together share every estimate.
    """

    def __init__(self, clip, preset: str = FLOW_PRESET):
        self.clip = clip
        self._estimator = FlowEstimator(preset)
        self._flows: dict[tuple[int, int], np.ndarray] = {}
        self._luma: dict[int, np.ndarray] = {}

    def luma(self, i: int) -> np.ndarray:
        """Frame i's HxW luma as the clip gives it (decoded once while cached)."""
        if i not in self._luma:
            self._luma[i] = np.asarray(self.clip.luma(i))
        return self._luma[i]

    def __call__(self, i: int, j: int) -> np.ndarray:
        if (i, j) not in self._flows:
            self._flows[(i, j)] = self._estimator(self.luma(i), self.luma(j))
        return self._flows[(i, j)]

    def drop_before(self, frame: int) -> None:
        """Forget flows and lumas of frames that all lie before ``frame``."""
        self._flows = {k: v for k, v in self._flows.items() if max(k) >= frame}
        self._luma = {k: v for k, v in self._luma.items() if k >= frame}


def grey_frames(clip, frames: range) -> Frames:
    """The clip's luma as grey RGB: ``(i, HxWx3)`` of ``clip.dtype`` for i in ``frames``."""
    for i in frames:
        luma = np.asarray(clip.luma(i))
        yield i, np.repeat(luma[..., None], 3, axis=2)


def chained_flow_frames(
    clip, frames: range, key_chroma: Mapping[int, np.ndarray], flows: FlowCache | None = None
) -> Iterator[tuple[int, dict[str, np.ndarray], np.ndarray]]:
    """Keyframe chroma carried by chained flow, blended by temporal distance; both border variants.

    Args:
        clip: a :class:`colorcore.media.Clip` (only its luma is read).
        frames: the frames to produce, a step-1 range; every key of ``key_chroma`` lies in it.
        key_chroma: frame index -> HxWx2 float chroma (I, Q) of that keyframe.
        flows: shared flow estimates (a new DIS "medium" cache by default).

    Yields:
        ``(i, {BORDER_GREY: rgb, BORDER_REPLICATED: rgb}, tracked)`` for i in ``frames``:
        rgb is HxWx3 of ``clip.dtype``, ``tracked`` an HxW bool mask of the pixels that
        chained flow follows back to the inside of a keyframe (all of a keyframe).

        On a keyframe the chroma is the keyframe's own; between two keyframes the two
        carried chromas are averaged with weights proportional to the distance to the
        *other* keyframe; before the first or after the last keyframe only one direction
        exists. In the grey variant a pixel's weight is also the share of it that stayed
        inside the picture, and pixels no carry reaches are grey; in the replicated
        variant flow that leaves the picture reads its nearest border pixel.
    """
    own = flows is None
    flows = flows or FlowCache(clip)
    payloads = {k: _carried_payload(np.asarray(c, dtype=np.float32)) for k, c in key_chroma.items()}
    for i, before, after in _carried_both_ways(frames, payloads, _warp_payload, flows):
        grey_total = np.zeros(payloads[next(iter(payloads))].shape[:2] + (3,), np.float32)
        replicated_total = np.zeros(grey_total.shape[:2] + (2,), np.float32)
        weight_sum = 0.0
        for carried, other in ((before, after), (after, before)):
            if carried is None:
                continue
            distance_weight = 1.0 if other is None else other[0] / (carried[0] + other[0])
            grey_total += distance_weight * carried[1][..., :3]
            replicated_total += distance_weight * carried[1][..., 3:]
            weight_sum += distance_weight
        grey = grey_total / weight_sum
        tracked = grey[..., 2] >= TRACKED
        yield (
            i,
            {
                BORDER_GREY: _compose(flows, i, _unpremultiply(grey)),
                BORDER_REPLICATED: _compose(flows, i, replicated_total / weight_sum),
            },
            tracked,
        )
        if own:  # nobody else reads this cache: keep it to what is still ahead
            flows.drop_before(i)


def carried_stroke_frames(
    clip,
    frames: range,
    key_rasters: Mapping[int, HintRaster],
    solver: str = "fast",
    device: str = "cpu",
    flows: FlowCache | None = None,
) -> Frames:
    """Each frame solved alone from the strokes of its nearest keyframe, carried by flow.

    Args:
        clip: a :class:`colorcore.media.Clip`.
        frames: the frames to produce, a step-1 range containing every key.
        key_rasters: frame index -> the keyframe's rasterised strokes at the clip's size.
        solver, device: passed to :func:`colorcore.solvers.colorize.solve_chroma`.
        flows: shared flow estimates (a new DIS "medium" cache by default).

    Yields:
        ``(i, rgb)`` for i in ``frames``, HxWx3 of ``clip.dtype``. The stroke mask is
        carried by chained flow (re-thresholded at one half after every step, so strokes
        stay crisp instead of blurring) with its chroma; the nearer keyframe wins (the
        earlier one on a tie).
    """
    own = flows is None
    flows = flows or FlowCache(clip)
    payloads = {
        k: _premultiplied(r.chroma.astype(np.float32), r.mask.astype(np.float32)) for k, r in key_rasters.items()
    }

    def step(payload: np.ndarray, flow: np.ndarray) -> np.ndarray:
        moved = warp(payload, flow)
        keep = moved[..., 2] >= 0.5
        chroma = _unpremultiply(moved)
        return _premultiplied(chroma, keep.astype(np.float32))

    for i, before, after in _carried_both_ways(frames, payloads, step, flows):
        nearest = before if after is None or (before is not None and before[0] <= after[0]) else after
        assert nearest is not None  # at least one keyframe, so every frame is carried one way
        payload = nearest[1]
        raster = HintRaster(mask=payload[..., 2] >= 0.5, chroma=_unpremultiply(payload).astype(np.float64))
        luma = luma_of(flows.luma(i))
        yield i, compose(luma, solve_chroma(luma, raster, solver=solver, device=device), dtype=clip.dtype)
        if own:
            flows.drop_before(i)


def _premultiplied(chroma: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """HxWx3 float32 (I*w, Q*w, w): warping it bilinearly mixes chroma by weight."""
    return np.dstack([chroma * weight[..., None], weight]).astype(np.float32)


def _carried_payload(chroma: np.ndarray) -> np.ndarray:
    """HxWx5 float32: the grey variant's premultiplied (I*w, Q*w, w), then the replicated (I, Q)."""
    return np.dstack([_premultiplied(chroma, np.ones(chroma.shape[:2], np.float32)), chroma]).astype(np.float32)


def _warp_payload(payload: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Both variants one step: outside the picture the grey one reads 0 weight, the
    replicated one the nearest border pixel."""
    height, width = flow.shape[:2]
    xs = np.arange(width, dtype=np.float32)[None, :] + flow[..., 0]
    ys = np.arange(height, dtype=np.float32)[:, None] + flow[..., 1]
    grey = cv2.remap(payload[..., :3], xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    replicated = cv2.remap(payload[..., 3:], xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.dstack([grey, replicated])


def _unpremultiply(payload: np.ndarray) -> np.ndarray:
    """HxWx2 chroma of a premultiplied payload; zero (grey) where its weight vanishes."""
    weight = payload[..., 2:3]
    return np.where(weight > _MIN_WEIGHT, payload[..., :2] / np.maximum(weight, _MIN_WEIGHT), 0.0)


def _compose(flows: FlowCache, i: int, chroma: np.ndarray) -> np.ndarray:
    return compose(luma_of(flows.luma(i)), chroma, dtype=flows.clip.dtype)


Carried = tuple[int, np.ndarray] | None  # (distance to its keyframe, payload) or none


def _carried_both_ways(
    frames: range,
    key_payloads: Mapping[int, np.ndarray],
    step: Callable[[np.ndarray, np.ndarray], np.ndarray],
    flows: FlowCache,
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
            backward = _carry_back(next_key, max(i, frames.start), key_payloads[next_key], step, flows)
        if forward is not None:
            forward = (forward[0] + 1, step(forward[1], flows(i, i - 1)))
        after = (next_key - i, backward.pop(i)) if next_key is not None else None
        yield i, forward, after


def _carry_back(key: int, first: int, payload: np.ndarray, step, flows: FlowCache) -> dict[int, np.ndarray]:
    """Payload of ``key`` carried back to frames ``key-1`` down to ``first``."""
    carried = {}
    for j in range(key - 1, first - 1, -1):
        payload = step(payload, flows(j, j + 1))
        carried[j] = payload
    return carried
