"""Pen-up to updated preview in the Keyhue editor, measured on real widgets.

Opens an 854x480 grey clip (the demo photograph, resized) in the main window on Qt's
offscreen platform, paints strokes with simulated mouse events, and times from the
mouse release to the moment the window has put the new preview on the canvas: first the
quick half-size solve, then the full-size one. It also samples a 5 ms timer meanwhile,
to show that the interface thread keeps running while solves run in the worker threads.

    python benchmarks/preview_latency.py [--strokes 12]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from colorcore.colorspace import luma_of  # noqa: E402
from colorcore.media import open_writer, read_image  # noqa: E402

SIZE = (854, 480)


def make_clip(folder: Path) -> Path:
    """Three grey 854x480 frames of the demo photograph (FFV1)."""
    import cv2

    photo = cv2.resize(read_image(ROOT / "resources" / "demo" / "coffee.png"), SIZE, interpolation=cv2.INTER_AREA)
    grey = np.round(luma_of(photo) * 255).astype(np.uint8)
    path = folder / "coffee-854x480.mkv"
    with open_writer(path, fps=24, width=SIZE[0], height=SIZE[1]) as writer:
        for _ in range(3):
            writer.write(grey)
    return path


def stroke_points(n: int) -> list[tuple[float, float]]:
    """A short diagonal stroke, somewhere different for each n (frame pixels)."""
    rng = np.random.default_rng(n)
    x, y = rng.uniform(80, SIZE[0] - 160), rng.uniform(60, SIZE[1] - 100)
    return [(x + 12 * k, y + 6 * k) for k in range(8)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=12, help="strokes to paint (each waits for its full preview)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    from keyhue.window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, autosave_dir=tmp / "autosave")
        window.resize(1600, 1000)
        window.show()
        window.open_path(make_clip(tmp))
        window.actual_action.trigger()  # 100%: one frame pixel per screen pixel
        window.brush.set_size(10)
        canvas = window.canvas

        marks: dict[str, float] = {}
        window.preview.ready.connect(
            lambda _g, _f, _rgb, final: marks.setdefault("full" if final else "quick", time.perf_counter())
        )

        # The UI thread's heartbeat: the longest gap between 5 ms timer ticks.
        gaps, clock = [], QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        solving = [False]

        def beat():
            now = clock.elapsed()
            if solving[0]:
                gaps.append(now - last[0])
            last[0] = now

        heartbeat = QTimer(interval=5, timeout=beat)
        heartbeat.start()

        quick, full = [], []
        for n in range(args.strokes + 1):
            window.brush.set_colour(QColor.fromHsv((n * 47) % 360, 150, 200))
            points = [canvas.to_widget(QPointF(x, y)).toPoint() for x, y in stroke_points(n)]
            QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
            for point in points[1:]:
                QTest.mouseMove(canvas, point)
            marks.clear()
            pen_up = time.perf_counter()
            QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
            last[0], solving[0] = clock.elapsed(), True
            deadline = time.perf_counter() + 30
            while "full" not in marks and time.perf_counter() < deadline:
                app.processEvents()
                time.sleep(0.001)
            solving[0] = False
            if n == 0:
                continue  # the first solve warms caches up
            quick.append(marks["quick"] - pen_up)
            full.append(marks["full"] - pen_up)
        heartbeat.stop()
        strokes = len(window.document.project.hints.strokes)
        window.document.mark_saved()
        window.close()

    def describe(values):
        values_ms = sorted(v * 1000 for v in values)
        return f"median {statistics.median(values_ms):6.0f} ms   max {values_ms[-1]:6.0f} ms"

    print(f"854x480 frame, {strokes} strokes painted with simulated mouse events ({os.cpu_count()} CPUs)")
    print(f"  pen-up -> quick preview (half-size solve): {describe(quick)}")
    print(f"  pen-up -> full-size preview:               {describe(full)}")
    print(
        f"  UI thread while solving: 5 ms timer ticks every {statistics.median(gaps):.0f} ms (median), longest gap {max(gaps):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
