"""Regenerate the bundled demo from coffee.png (CC0, see SOURCE.md).

Writes coffee-gray.png (its BT.601 luma), coffee.hints.json (hand-placed vector strokes
whose colours are taken from the photograph, as an archivist who knows the scene would
pick them) and coffee-marked.png (the same strokes burnt into the grey image, Levin's
marked-image convention). It also renders coffee-pan.mp4, a two-second grey clip (a
slow pan and zoom over the photograph, 640x360, H.264) and demo.keyhue, the editor's demo
project: the same strokes, moved with the camera, on the clip's first and last frames.
Run from anywhere: python resources/demo/make_demo.py
"""

from pathlib import Path

import cv2
import numpy as np

from colorcore import Hints, Stroke
from colorcore.colorspace import compose, luma_of
from colorcore.media import open_clip, open_writer
from colorcore.guidance.project import Project

HERE = Path(__file__).resolve().parent

# (points, width, kind); colour strokes take the photograph's median colour under them.
STROKES = [
    ([(30, 330), (60, 250), (40, 150)], 9, "colour"),  # table, left
    ([(520, 340), (560, 250), (585, 180)], 9, "colour"),  # table, right
    ([(470, 60), (560, 120)], 9, "colour"),  # table, top right
    ([(70, 95), (150, 40)], 9, "colour"),  # table, top left
    ([(300, 390), (420, 385), (540, 370)], 7, "colour"),  # table, bottom
    ([(10, 20), (60, 8)], 7, "colour"),  # dark background
    ([(110, 280), (150, 330), (230, 360)], 7, "colour"),  # saucer
    ([(425, 200), (455, 260)], 7, "colour"),  # saucer, right
    ([(195, 165), (205, 215)], 5, "colour"),  # cup
    ([(390, 170), (380, 215)], 5, "colour"),  # cup, right
    ([(220, 262), (232, 290)], 4, "colour"),  # handle
    ([(240, 140), (300, 128), (340, 150)], 7, "colour"),  # crema
    ([(205, 80), (260, 42), (330, 38)], 5, "colour"),  # inside of the cup (cream, not white)
    ([(396, 112), (400, 150)], 4, "neutral"),  # rim, right
    ([(350, 272), (378, 300)], 5, "neutral"),  # spoon bowl
    ([(409, 82), (406, 118)], 3, "neutral"),  # spoon handle
]


def median_colour(rgb: np.ndarray, points, width: int) -> tuple[float, float, float]:
    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.polylines(mask, [np.array(points, np.int32).reshape(-1, 1, 2)], False, 1, width)
    return tuple(float(c) / 255 for c in np.median(rgb[mask > 0], axis=0))


def main() -> None:
    rgb = cv2.cvtColor(cv2.imread(str(HERE / "coffee.png")), cv2.COLOR_BGR2RGB)
    height, width = rgb.shape[:2]
    gray = np.round(luma_of(rgb) * 255).astype(np.uint8)
    strokes = [
        Stroke(points=pts, color=median_colour(rgb, pts, w), width=w, kind=kind)
        for pts, w, kind in STROKES
    ]
    hints = Hints(canvas_size=(width, height), strokes=strokes)
    hints.save(HERE / "coffee.hints.json")
    cv2.imwrite(str(HERE / "coffee-gray.png"), gray)
    # The marked image: the strokes' colours composed at the grey's luma, so that the
    # marked convention reads back exactly these hints (neutral strokes cannot be
    # expressed in it and are left out).
    raster = Hints(canvas_size=(width, height), strokes=[s for s in strokes if s.kind == "colour"]).rasterize()
    marked = compose(gray / 255.0, raster.chroma)
    marked[~raster.mask] = gray[~raster.mask, None]
    cv2.imwrite(str(HERE / "coffee-marked.png"), cv2.cvtColor(marked, cv2.COLOR_RGB2BGR))
    make_clip(gray)
    make_project(strokes)


CLIP_SIZE = (640, 360)
CLIP_FRAMES = 48  # two seconds at 24 fps


def camera(i: int) -> np.ndarray:
    """2x3 affine from photograph to frame i: a slow pan left to right with a gentle zoom in."""
    t = i / (CLIP_FRAMES - 1)
    crop_w = 560 - 80 * t  # zoom in from 560 to 480 photo pixels across
    crop_h = crop_w * CLIP_SIZE[1] / CLIP_SIZE[0]
    x0 = 10 + (600 - crop_w - 20) * t
    y0 = 40 + 20 * t
    scale = CLIP_SIZE[0] / crop_w
    return np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])


def make_clip(gray: np.ndarray) -> None:
    out = HERE / "coffee-pan.mp4"
    with open_writer(out, fps=24, width=CLIP_SIZE[0], height=CLIP_SIZE[1], overwrite=True) as writer:
        for i in range(CLIP_FRAMES):
            frame = cv2.warpAffine(gray, camera(i), CLIP_SIZE, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
            writer.write(frame)


def make_project(strokes: list[Stroke]) -> None:
    """The demo project: the strokes, as far as each keyframe shows them, on the first and
    last frames (an archivist strokes what the frame shows: the table's wood on the last
    frame too, though the camera has moved past most of the strokes' photograph ends)."""
    with open_clip(HERE / "coffee-pan.mp4") as clip:
        project = Project.for_clip(clip)
    for key in (0, CLIP_FRAMES - 1):
        matrix = camera(key)
        for stroke in strokes:
            points = visible_part([tuple(matrix @ (x, y, 1)) for x, y in stroke.points])
            if points:
                project.hints.strokes.append(
                    Stroke(points, color=stroke.color, width=stroke.width * matrix[0, 0], frame=key, kind=stroke.kind)
                )
    project.save(HERE / "demo.keyhue")


def visible_part(points: list[tuple[float, float]], margin: float = 4, least: float = 20) -> list[tuple[float, float]]:
    """The longest stretch of a polyline inside the frame (``margin`` pixels in), sampled
    every pixel or so; [] when no stretch is ``least`` pixels long."""
    dense = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        steps = max(1, int(np.hypot(x1 - x0, y1 - y0)))
        dense += [(x0 + (x1 - x0) * t / steps, y0 + (y1 - y0) * t / steps) for t in range(steps)]
    dense.append(points[-1])
    best: list[tuple[float, float]] = []
    run: list[tuple[float, float]] = []
    for x, y in dense:
        if margin <= x < CLIP_SIZE[0] - margin and margin <= y < CLIP_SIZE[1] - margin:
            run.append((x, y))
            best = max(best, run, key=len)
        else:
            run = []
    if len(best) < least:
        return []
    # A dense run back to its corners: its ends and the original bends between them.
    kept = [best[0], *[p for p in dense[1:-1] if p in best and p in points], best[-1]]
    return [(round(x, 1), round(y, 1)) for x, y in kept]


if __name__ == "__main__":
    main()
