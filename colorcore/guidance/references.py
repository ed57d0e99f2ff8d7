"""Everything the archivist gives the engine for one clip: strokes, references, exemplars.

A *reference* is a colour version of one frame with the same framing (for example a
hand-coloured keyframe, or a finished frame promoted to a reference); it acts as dense
hints on that frame. An *exemplar* is a colour photograph of the same scene or subject,
not aligned with any frame; the engine matches it to frames and takes hints where the
match is good.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from colorcore.guidance.hints import Hints


@dataclass(frozen=True, eq=False)
class Reference:
    """A colour version of frame ``frame``: ``rgb`` is HxWx3 uint8 or uint16, RGB order,
    the clip's frame size. ``source`` names where it came from (a path), for display."""

    frame: int
    rgb: np.ndarray
    source: str = ""


@dataclass(frozen=True, eq=False)
class Exemplar:
    """A colour photograph (HxWx3 uint8 or uint16, any size) matched to frames.

    ``frames`` is the half-open range ``(start, stop)`` of frames it applies to, or None
    for the whole clip.
    """

    rgb: np.ndarray
    frames: tuple[int, int] | None = None
    source: str = ""

    def applies_to(self, frame: int) -> bool:
        """True when this exemplar should guide ``frame``."""
        return self.frames is None or self.frames[0] <= frame < self.frames[1]


@dataclass
class Guidance:
    """Strokes (``hints``, None for none), references and exemplars for one clip."""

    hints: Hints | None = None
    references: list[Reference] = field(default_factory=list)
    exemplars: list[Exemplar] = field(default_factory=list)

    def keyframes(self) -> list[int]:
        """Sorted frames that carry strokes or an aligned reference."""
        stroked = set(self.hints.keyframes) if self.hints is not None else set()
        return sorted(stroked | {r.frame for r in self.references})

    def reference_at(self, frame: int) -> Reference | None:
        """The aligned reference of ``frame`` (the last one given wins), or None."""
        found = [r for r in self.references if r.frame == frame]
        return found[-1] if found else None

    def is_empty(self) -> bool:
        """True when there is nothing to colour from."""
        return not self.keyframes() and not self.exemplars
