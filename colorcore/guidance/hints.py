"""Hints: what the archivist tells the engine about colour, stored as data.

A :class:`Stroke` is a vector scribble on one frame: a polyline with a width, a colour
and a kind ("colour", "neutral" for a keep-this-grey hint, or "erase"). Coordinates are
pixels of the hints' canvas (the source's frame size when drawn), so a project can be
rasterised at any resolution later. A :class:`RasterHint` holds hints that arrive as
pixels (a Levin-style marked image): a mask and the colours under it.

Rasterising gives a :class:`HintRaster`: the mask of fixed pixels, separate from their
chroma, so that a grey hint is possible (the marked-image convention cannot express one).
Later strokes paint over earlier ones; an erase stroke removes hints under it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from colorcore.colorspace import chroma_of, max_level
from colorcore.errors import InputError
from colorcore.media.images import image_from_png_text, png_text

STROKE_KINDS = ("colour", "neutral", "erase")
FORMAT_VERSION = 1

# Levin et al.'s marked-image rule: a scribble where the images differ by more than 0.01
# summed over R, G, B on a 0..1 scale.
MARKED_THRESHOLD = 0.01


@dataclass
class Stroke:
    """One vector scribble.

    Attributes:
        points: list of (x, y) in canvas pixels (floats; x to the right, y down).
        color: (r, g, b) in 0..1, sRGB; only its chroma is used. Ignored for "neutral"
            (chroma 0) and "erase".
        width: brush diameter in canvas pixels.
        frame: 0-based frame index the stroke belongs to.
        kind: "colour", "neutral" or "erase".
        hardness: 0..1; 1 is a hard edge, lower values feather the brush's rim (the
            feathered rim is not a hint; only the core at least half covered is).
        swatch: the name of the project palette colour the stroke uses, or None; the
            editor recolours every stroke of a swatch when the swatch changes. ``color``
            always holds the colour itself, so the engine never needs the palette.
    """

    points: list[tuple[float, float]]
    color: tuple[float, float, float] = (0.5, 0.5, 0.5)
    width: float = 5.0
    frame: int = 0
    kind: str = "colour"
    hardness: float = 1.0
    swatch: str | None = None

    def __post_init__(self):
        if self.kind not in STROKE_KINDS:
            raise ValueError(f"stroke kind must be one of {STROKE_KINDS}, not {self.kind!r}")
        if not self.points:
            raise ValueError("a stroke needs at least one point")
        self.points = [(float(x), float(y)) for x, y in self.points]
        self.color = tuple(float(c) for c in self.color)
        self.width = float(self.width)
        self.frame = int(self.frame)
        self.hardness = float(min(max(self.hardness, 0.0), 1.0))

    def to_dict(self) -> dict:
        return {
            "frame": self.frame,
            "kind": self.kind,
            "color": list(self.color),
            "width": self.width,
            "hardness": self.hardness,
            "points": [list(p) for p in self.points],
            **({"swatch": self.swatch} if self.swatch is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Stroke:
        return cls(
            points=[tuple(p) for p in data["points"]],
            color=tuple(data.get("color", (0.5, 0.5, 0.5))),
            width=data.get("width", 5.0),
            frame=data.get("frame", 0),
            kind=data.get("kind", "colour"),
            hardness=data.get("hardness", 1.0),
            swatch=None if data.get("swatch") is None else str(data["swatch"]),
        )


class RasterHint:
    """Hints given as pixels on one frame.

    Only the pixels under the mask are kept (the mask as bits, their colours as a list),
    so a clip with a marked image on every keyframe holds what was painted, not a full
    frame per keyframe.

    Attributes:
        mask: HxW bool, True where the colour is a hint.
        rgb: HxWx3 uint8 or uint16 RGB: the hint colours under ``mask``, 0 elsewhere.
        frame: 0-based frame index.
    """

    def __init__(self, mask: np.ndarray, rgb: np.ndarray, frame: int = 0):
        mask = np.asarray(mask, dtype=bool)
        if rgb.shape[:2] != mask.shape:
            raise ValueError(f"mask {mask.shape} and rgb {rgb.shape[:2]} differ in size")
        self.frame = int(frame)
        self._shape = mask.shape
        self._bits = np.packbits(mask, axis=None)
        self._colours = np.ascontiguousarray(rgb[mask])  # Nx3, in row-major pixel order

    @property
    def mask(self) -> np.ndarray:
        return np.unpackbits(self._bits, count=self._shape[0] * self._shape[1]).reshape(self._shape).astype(bool)

    @property
    def rgb(self) -> np.ndarray:
        out = np.zeros(self._shape + (3,), dtype=self._colours.dtype)
        out[self.mask] = self._colours
        return out

    @property
    def count(self) -> int:
        """Number of hinted pixels."""
        return len(self._colours)

    def to_dict(self) -> dict:
        # Lossless PNG with the mask as alpha keeps project files self-contained.
        top = max_level(self.rgb.dtype)
        rgba = np.dstack([self.rgb, np.where(self.mask, top, 0).astype(self.rgb.dtype)])
        return {"frame": self.frame, "png": png_text(rgba)}

    @classmethod
    def from_dict(cls, data: dict) -> RasterHint:
        rgba = image_from_png_text(data["png"], 4, "a raster hint in the hints file")
        return cls(mask=rgba[..., 3] > 0, rgb=rgba[..., :3].copy(), frame=int(data.get("frame", 0)))


@dataclass
class HintRaster:
    """Hints of one frame at one size, ready for a solver.

    Attributes:
        mask: HxW bool, True where chroma is fixed.
        chroma: HxWx2 float64 (I, Q); meaningful where ``mask``, zero elsewhere.
    """

    mask: np.ndarray
    chroma: np.ndarray

    @property
    def count(self) -> int:
        """Number of hinted pixels."""
        return int(self.mask.sum())


@dataclass
class Hints:
    """All hints of a clip (or of one image, frame 0).

    Attributes:
        canvas_size: (width, height) of the pixel grid stroke coordinates refer to.
        strokes: vector strokes, in painting order.
        rasters: pixel hints (marked images), painted before the strokes of their frame.
    """

    canvas_size: tuple[int, int]
    strokes: list[Stroke] = field(default_factory=list)
    rasters: list[RasterHint] = field(default_factory=list)

    @classmethod
    def from_marked(cls, gray: np.ndarray, marked: np.ndarray, frame: int = 0) -> Hints:
        """Hints from a grey image and the same image with colour scribbles (Levin's way).

        Args:
            gray: HxW or HxWx3 (equal channels), uint8 or uint16.
            marked: HxWx3 RGB of the same size and dtype as ``gray``.
            frame: frame the hints belong to.

        Returns:
            Hints with one raster: scribbles where the two differ by more than 0.01
            summed over R, G, B on a 0..1 scale.
        """
        if marked.ndim != 3 or marked.shape[2] != 3:
            raise InputError(f"the marked image must be RGB, got shape {marked.shape}")
        if gray.shape[:2] != marked.shape[:2]:
            raise InputError(
                f"grey image is {gray.shape[1]}x{gray.shape[0]} but marked image is "
                f"{marked.shape[1]}x{marked.shape[0]}; they must be the same size"
            )
        gray_rgb = gray if gray.ndim == 3 else np.repeat(gray[..., None], 3, axis=2)
        diff = np.abs(
            gray_rgb.astype(np.float64) / max_level(gray.dtype) - marked.astype(np.float64) / max_level(marked.dtype)
        )
        mask = diff.sum(axis=2) > MARKED_THRESHOLD
        height, width = gray.shape[:2]
        return cls(canvas_size=(width, height), rasters=[RasterHint(mask=mask, rgb=marked, frame=frame)])

    @property
    def keyframes(self) -> list[int]:
        """Sorted frame indices that have hints."""
        return sorted({s.frame for s in self.strokes} | {r.frame for r in self.rasters})

    def for_frame(self, frame: int) -> Hints:
        """The hints of one frame only."""
        return Hints(
            canvas_size=self.canvas_size,
            strokes=[s for s in self.strokes if s.frame == frame],
            rasters=[r for r in self.rasters if r.frame == frame],
        )

    def rasterize(self, frame: int = 0, size: tuple[int, int] | None = None) -> HintRaster:
        """Mask and chroma of one frame's hints.

        Args:
            frame: frame index.
            size: (width, height) to rasterise at; the canvas size by default. Strokes
                scale with the size; raster hints are resized (nearest neighbour).

        Returns:
            The frame's :class:`HintRaster` at ``size``.
        """
        width, height = size or self.canvas_size
        mask = np.zeros((height, width), dtype=bool)
        chroma = np.zeros((height, width, 2), dtype=np.float64)
        for raster in self.rasters:
            if raster.frame != frame:
                continue
            r_mask, r_rgb = raster.mask, raster.rgb  # each call rebuilds the array: read once
            if r_mask.shape != (height, width):
                r_mask = cv2.resize(r_mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0
                r_rgb = cv2.resize(r_rgb, (width, height), interpolation=cv2.INTER_NEAREST)
            mask |= r_mask
            chroma[r_mask] = chroma_of(r_rgb)[r_mask]
        scale = (width / self.canvas_size[0], height / self.canvas_size[1])
        for stroke in self.strokes:
            if stroke.frame != frame:
                continue
            covered = _stroke_coverage(stroke, (width, height), scale)
            if stroke.kind == "erase":
                mask &= ~covered
                chroma[covered] = 0.0
                continue
            mask |= covered
            if stroke.kind == "neutral":
                chroma[covered] = 0.0
            else:
                chroma[covered] = _color_chroma(stroke.color)
        return HintRaster(mask=mask, chroma=chroma)

    def to_dict(self) -> dict:
        return {
            "version": FORMAT_VERSION,
            "canvas_size": list(self.canvas_size),
            "strokes": [s.to_dict() for s in self.strokes],
            "rasters": [r.to_dict() for r in self.rasters],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Hints:
        version = data.get("version", 1)
        if version > FORMAT_VERSION:
            raise InputError(f"hints format version {version} is newer than this Keyhue understands ({FORMAT_VERSION})")
        try:
            width, height = (int(v) for v in data["canvas_size"])
            return cls(
                canvas_size=(width, height),
                strokes=[Stroke.from_dict(s) for s in data.get("strokes", [])],
                rasters=[RasterHint.from_dict(r) for r in data.get("rasters", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"hints data is malformed: {exc}") from None

    def to_json(self) -> str:
        """The hints as a JSON document (strokes as vectors, rasters as PNG)."""
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Hints:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"hints file is not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data)

    def save(self, path) -> None:
        """Write :meth:`to_json` to ``path`` atomically."""
        from colorcore.media.images import write_bytes_atomic

        write_bytes_atomic(Path(path), self.to_json().encode("utf-8"))

    @classmethod
    def load(cls, path) -> Hints:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read hints file '{path}': {exc.strerror}") from None
        return cls.from_json(text)


def _color_chroma(color: tuple[float, float, float]) -> np.ndarray:
    rgb = np.clip(np.asarray(color, dtype=np.float64), 0.0, 1.0)
    levels = np.round(rgb * 65535).astype(np.uint16).reshape(1, 1, 3)
    return chroma_of(levels)[0, 0]


_SUBPIXEL_BITS = 4  # cv2 drawing takes fixed-point coordinates


def _stroke_coverage(stroke: Stroke, size: tuple[int, int], scale: tuple[float, float]) -> np.ndarray:
    """HxW bool: pixels at least half covered by the stroke's brush at this size."""
    width, height = size
    one = 1 << _SUBPIXEL_BITS
    pts = np.array([[x * scale[0], y * scale[1]] for x, y in stroke.points]) * one
    pts = np.round(pts).astype(np.int32).reshape(-1, 1, 2)
    diameter = max(1, int(round(stroke.width * min(scale))))
    canvas: np.ndarray = np.zeros((height, width), dtype=np.uint8)
    if len(pts) == 1:
        cv2.circle(
            canvas, tuple(int(v) for v in pts[0, 0]), (diameter * one) // 2, 255, -1, cv2.LINE_AA, _SUBPIXEL_BITS
        )
    else:
        cv2.polylines(canvas, [pts], False, 255, diameter, cv2.LINE_AA, _SUBPIXEL_BITS)
    if stroke.hardness < 1.0:
        sigma = (1.0 - stroke.hardness) * diameter / 4.0
        canvas = cv2.GaussianBlur(canvas, (0, 0), sigma) if sigma > 0.3 else canvas
    return canvas >= 128
