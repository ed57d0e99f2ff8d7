"""The timeline's Qt-free parts: frame states, timecode, and the time axis's arithmetic.

:class:`TimeAxis` maps frames to pixels (zoom as pixels per frame, scroll offset, fit to
width) and reduces per-frame states to pixel columns; the :class:`keyhue.timeline.Timeline`
widget paints what it computes.
"""

from __future__ import annotations

import enum
import math

import numpy as np

MAX_PIXELS_PER_FRAME = 48.0


class FrameState(enum.Enum):
    """How far a frame's colour is: not yet propagated, propagated, or stale after an edit."""

    PENDING = 0
    PROPAGATED = 1
    STALE = 2


# Which state wins when several frames share one pixel column: a stale or pending frame
# must never hide behind propagated neighbours.
_STATE_PRIORITY = np.array([1, 0, 2], np.int8)  # by FrameState.value
_STATE_BY_PRIORITY = [FrameState.PROPAGATED, FrameState.PENDING, FrameState.STALE]


def nominal_rate(fps: float) -> int:
    """The whole frame count per timecode second for ``fps`` frames per second (at least 1).

    Non-integer rates are rounded to the nearest integer (23.976 -> 24, 29.97 -> 30,
    59.94 -> 60), which is how non-drop-frame SMPTE timecode counts them: the FF field
    runs 0 .. nominal-1 and timecode drifts slowly from wall-clock time (3.6 s an hour at
    29.97). Drop-frame numbering is not used, so every frame number maps to one timecode.
    """
    return max(1, int(round(float(fps))))


def timecode(frame: int, fps: float) -> str:
    """SMPTE-style non-drop-frame timecode 'HH:MM:SS:FF' of 0-based ``frame`` at ``fps``.

    Frame 0 is 00:00:00:00. See ``nominal_rate`` for how non-integer rates are counted.
    """
    rate = nominal_rate(fps)
    frame = max(0, int(frame))
    seconds, ff = divmod(frame, rate)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:02d}"


class TimeAxis:
    """Frames on a horizontal pixel axis: frame i spans [i*ppf, (i+1)*ppf) in content
    pixels, and the view shows content from ``offset`` for ``width`` pixels."""

    def __init__(self) -> None:
        self.count = 0
        self.width = 1
        self.ppf = 1.0  # pixels per frame
        self.offset = 0.0  # content x at the view's left edge
        self.fit = True  # keep the whole clip in view on resize until the user zooms

    def fit_ppf(self) -> float:
        """The zoom that shows the whole clip."""
        return max(self.width, 1) / max(self.count, 1)

    def limit(self) -> float:
        """The largest offset (content beyond the view's width)."""
        return max(0.0, self.ppf * self.count - self.width)

    def clamp_offset(self, offset: float) -> float:
        """``offset`` inside 0..limit."""
        return min(max(offset, 0.0), self.limit())

    def relayout(self) -> None:
        """After a resize or a new clip: refit, or keep the zoom above the fit."""
        if self.fit:
            self.ppf, self.offset = self.fit_ppf(), 0.0
        else:
            self.ppf = max(self.ppf, self.fit_ppf())
        self.offset = self.clamp_offset(self.offset)

    def frame_x(self, i: float) -> float:
        """View x of the centre of frame ``i``."""
        return (i + 0.5) * self.ppf - self.offset

    def frame_at(self, x: float) -> int:
        """The frame under view x, clamped to the clip."""
        i = int(math.floor((x + self.offset) / self.ppf))
        return min(max(i, 0), max(self.count - 1, 0))

    def visible(self) -> tuple[float, float]:
        """The x range in view in frames, frame i's centre at i (-0.5 .. n-0.5 when fitted)."""
        first = self.offset / self.ppf - 0.5
        last = (self.offset + self.width) / self.ppf - 0.5
        return first, min(last, self.count - 0.5)

    def zoom_value(self) -> int:
        """The zoom as 0..1000 on a log scale from the fit to the largest zoom."""
        low, high = math.log(self.fit_ppf()), math.log(MAX_PIXELS_PER_FRAME)
        if high <= low:
            return 0
        return int(round(1000 * (math.log(self.ppf) - low) / (high - low)))

    def ppf_for_value(self, value: int) -> float:
        """The inverse of :meth:`zoom_value`."""
        low, high = math.log(self.fit_ppf()), math.log(MAX_PIXELS_PER_FRAME)
        return math.exp(low + (high - low) * value / 1000)

    def tick_steps(self, fps: float) -> tuple[int, int]:
        """(minor, major) tick spacing in frames for the current zoom."""
        rate = nominal_rate(fps)
        candidates = [1, 2, 5, 10]
        candidates += [s * rate for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)]
        candidates = sorted(set(candidates))
        major = next((c for c in candidates if c * self.ppf >= 110), candidates[-1])
        minor = next((c for c in candidates if c * self.ppf >= 10 and major % c == 0), major)
        return minor, major

    def state_columns(self, states: np.ndarray) -> list[tuple[int, int, FrameState]]:
        """Runs (x0, x1, state) of per-frame ``states`` (FrameState values) over the view's
        pixel columns; where several frames share a column the most pressing state shows."""
        width = self.width
        if self.ppf >= 1:
            first = max(0, int(self.offset / self.ppf))
            last = min(self.count, int((self.offset + width) / self.ppf) + 1)
            if first >= last:
                return []
            part = states[first:last]
            change = np.flatnonzero(np.diff(part)) + 1
            starts = np.concatenate([[0], change])
            stops = np.concatenate([change, [len(part)]])
            return [
                (
                    round((first + a) * self.ppf - self.offset),
                    round((first + b) * self.ppf - self.offset),
                    FrameState(int(part[a])),
                )
                for a, b in zip(starts, stops)
            ]
        columns = np.arange(width + 1)
        bounds = np.clip(np.floor((columns + self.offset) / self.ppf).astype(np.int64), 0, self.count)
        valid = bounds[:-1] < bounds[1:]
        # Frames up to the last column's end only, so that column's reduction stops there.
        priority = _STATE_PRIORITY[states[: bounds[-1]]]
        column_priority = np.zeros(width, np.int8)
        starts = bounds[:-1][valid]
        if len(starts):
            column_priority[valid] = np.maximum.reduceat(priority, starts)
        runs = []
        x0 = None
        for x in range(width + 1):
            inside = x < width and valid[x]
            if x0 is not None and (not inside or column_priority[x] != column_priority[x0]):
                runs.append((x0, x, _STATE_BY_PRIORITY[int(column_priority[x0])]))
                x0 = None
            if inside and x0 is None:
                x0 = x
        return runs
