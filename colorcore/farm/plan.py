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

    def describe(self, cuts=(), origin: int | None = None) -> str:
        """Where this unit is, for messages: ``shot 2 (frames 14..25), frames 17..24``.

        Args:
            cuts: the shot cuts found so far (each the first frame of a new shot).
            origin: the first frame the output's scan covered (cuts before it are not
                known; see :func:`scan_origin`); None: name the frames only.
        """
        frames = f"frames {self.frames.start}..{self.frames.stop - 1}"
        shot = None if origin is None else describe_shot(self.frames.start, cuts, origin)
        return f"{shot}, {frames}" if shot else frames


def scan_origin(units: list[Unit]) -> int:
    """The first frame the units of one output scan (cut detection included): the first
    unit starts from the keyframe at or before it, or from the clip's frame 0."""
    return (units[0].before or 0) if units else 0


def describe_shot(frame: int, cuts, origin: int) -> str | None:
    """The shot holding ``frame``, as far as ``cuts`` tell: ``shot 2 (frames 14..25)``.

    Cuts are found by the units' own scans (a render splits at keyframes, not at cuts):
    the units before a failing one are complete, so the cuts before it are known; the
    shot's end is known only when a cut after ``frame`` was found. Shots are numbered
    from 1 at the clip's start, as in the editor's shot list, when the scan began at
    frame 0 (``origin``); otherwise the shot is named by its first frame, or not at all
    when no cut before ``frame`` was seen.

    Args:
        frame: a clip frame index.
        cuts: clip frame indices that start a new shot (any order).
        origin: the first frame the scan covered.

    Returns:
        ``shot N (frames S..E)``, ``shot N (from frame S)``, ``the shot of frames S..E``,
        ``the shot from frame S``, or None.
    """
    cuts = sorted(set(cuts))
    before = [c for c in cuts if origin < c <= frame]
    after = [c for c in cuts if c > frame]
    if before:
        start = before[-1]
    elif origin == 0:
        start = 0
    else:
        return None
    span = f"frames {start}..{after[0] - 1}" if after else f"from frame {start}"
    if origin == 0:
        return f"shot {len(before) + 1} ({span})"
    return f"the shot {'of ' if after else ''}{span}"


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
