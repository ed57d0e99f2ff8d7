"""Per-shot grade after propagation: saturation and hue rotation, chroma only.

A colourist's first adjustment once a shot is coloured: make it a little richer or paler
(saturation) and turn its colours warmer or cooler (hue rotation). Both act on the YIQ
chroma only; the graded frame is recomposed with :func:`colorcore.colorspace.compose` on
the frame's own luma levels, so the output's luma is unchanged. ``colorcore render`` and
the editor's display and export all call :func:`apply_grade`, so they agree pixel for pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from colorcore.colorspace import chroma_of, compose, luma_of, max_level
from colorcore.errors import InputError


@dataclass(frozen=True)
class ShotGrade:
    """A grade of frames ``start`` .. ``stop - 1`` (a shot).

    Attributes:
        start, stop: the frames graded (stop exclusive).
        saturation: chroma scale, 0 (grey) .. 4; 1 leaves it.
        hue: rotation of the chroma plane in degrees, -180 .. 180; 0 leaves it.
    """

    start: int
    stop: int
    saturation: float = 1.0
    hue: float = 0.0

    def __post_init__(self):
        if not (isinstance(self.start, int) and isinstance(self.stop, int) and 0 <= self.start < self.stop):
            raise InputError(f"a grade's frames must be START < STOP, not {self.start}..{self.stop}")
        if not (math.isfinite(self.saturation) and 0.0 <= self.saturation <= 4.0):
            raise InputError(f"a grade's saturation must be within 0..4, not {self.saturation}")
        if not (math.isfinite(self.hue) and -180.0 <= self.hue <= 180.0):
            raise InputError(f"a grade's hue rotation must be within -180..180 degrees, not {self.hue}")

    def is_identity(self) -> bool:
        """True when the grade changes nothing."""
        return self.saturation == 1.0 and self.hue == 0.0

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return {"frames": [self.start, self.stop], "saturation": self.saturation, "hue": self.hue}

    @classmethod
    def from_dict(cls, data) -> ShotGrade:
        """The grade of :meth:`to_dict`'s data.

        Raises:
            InputError: malformed data (one line).
        """
        try:
            start, stop = data["frames"]
            return cls(int(start), int(stop), float(data.get("saturation", 1.0)), float(data.get("hue", 0.0)))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise InputError(f"the project file is damaged: a grade is malformed ({type(exc).__name__})") from None


def grade_for(grades, frame: int) -> ShotGrade | None:
    """The grade covering ``frame`` (the last one given wins), or None."""
    found = None
    for grade in grades:
        if grade.start <= frame < grade.stop:
            found = grade
    return found


def apply_grade(rgb: np.ndarray, grade: ShotGrade | None) -> np.ndarray:
    """``rgb`` graded: chroma rotated by ``grade.hue`` degrees and scaled by its saturation.

    Args:
        rgb: HxWx3 uint8/uint16 RGB, e.g. a propagated frame.
        grade: the grade, or None (the frame is returned as it is).

    Returns:
        HxWx3 RGB of ``rgb``'s dtype whose luma levels equal ``rgb``'s (the luma is read
        back to its level, then recomposed exactly).
    """
    if grade is None or grade.is_identity():
        return rgb
    top = max_level(rgb.dtype)
    luma = np.round(luma_of(rgb) * top) / top  # the frame's own luma levels
    chroma = chroma_of(rgb)
    angle = math.radians(grade.hue)
    cos, sin = math.cos(angle) * grade.saturation, math.sin(angle) * grade.saturation
    i, q = chroma[..., 0], chroma[..., 1]
    graded = np.stack([cos * i - sin * q, sin * i + cos * q], axis=-1)
    return compose(luma, graded, dtype=rgb.dtype)
