"""Splitting a render into work units: the runs of frames between keyframes.

Inside a shot, a frame's colour depends only on the keyframe before it and the keyframe
after it, and propagation restarts at every keyframe and every cut (see
:mod:`colorcore.video.propagate`). So a render splits exactly at keyframes: the unit
[k_i, k_i+1) needs keyframes k_i and k_i+1 and nothing else, and a cut inside a unit is
handled by the unit itself. The head before the first keyframe and the tail after the
last are units too. Each keyframe is solved once and shared by the two units beside it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """One work unit: frames ``frames`` of an output, in frame order ``index``.

    Attributes:
        index: the unit's position in its output (0, 1, ...).
        frames: the frames it renders (clip frame indices, step 1).
        before: the keyframe its run starts from (the last at or before
            ``frames.start``), or None.
        after: the keyframe that closes its run (the first at or after
            ``frames.stop - 1``), or None.
    """

    index: int
    frames: range
    before: int | None
    after: int | None

    @property
    def keyframes(self) -> tuple[int, ...]:
        """The keyframes this unit reads (0, 1 or 2 frame indices)."""
        return tuple(sorted({k for k in (self.before, self.after) if k is not None}))

    def describe(self) -> str:
        """``frames 25..49`` for messages."""
        return f"frames {self.frames.start}..{self.frames.stop - 1}"


def plan_units(keyframes, span: range) -> list[Unit]:
    """The units of a render of frames ``span``, in frame order.

    Args:
        keyframes: the clip's keyframe indices (any order; outside ``span`` allowed).
        span: the frames to render (step 1, non-empty).

    Returns:
        Units covering ``span`` exactly once, split at every keyframe inside it.
    """
    keys = sorted(set(keyframes))
    cuts = [k for k in keys if span.start < k < span.stop]
    bounds = [span.start, *cuts, span.stop]
    units = []
    for index, (start, stop) in enumerate(itertools.pairwise(bounds)):
        before = max((k for k in keys if k <= start), default=None)
        after = min((k for k in keys if k >= stop - 1), default=None)
        units.append(Unit(index, range(start, stop), before, after))
    return units
