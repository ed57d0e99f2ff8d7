"""The quality plot: values, throttled redraws, clicks that pick a frame (pytest-qt, offscreen)."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from colorcore.colorspace import compose, luma_of
from keyhue.quality_plot import QualityPlot, frame_metrics
from tests.support.images import synthetic_photo


@pytest.fixture
def plot(qtbot):
    widget = QualityPlot()
    qtbot.addWidget(widget)
    widget.resize(900, 160)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def finite_points(curve) -> int:
    y = curve.getData()[1]
    return 0 if y is None else int(np.isfinite(y).sum())


def test_click_in_the_plot_emits_the_frame_under_the_pointer(qtbot, plot):
    plot.set_frame_count(100)
    for i in range(100):
        plot.set_values(i, 20 + i * 0.1, 0.01)
    qtbot.waitUntil(lambda: finite_points(plot.colourfulness_curve) == 100, timeout=2000)
    view = plot.plot_widget.getPlotItem().vb
    for frame in (40, 87):
        scene_pos = view.mapViewToScene(QPointF(frame, 5))
        pos = plot.plot_widget.mapFromScene(scene_pos)
        with qtbot.waitSignal(plot.frameClicked, timeout=1000) as blocker:
            qtbot.mouseClick(plot.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        assert blocker.args == [frame]


def test_values_are_drawn_in_batches_with_gaps_where_missing(qtbot, plot):
    plot.set_frame_count(50)
    for i in range(0, 50, 2):  # every other frame, as propagation might deliver them
        plot.set_values(i, 30.0 + i, 0.002 * i)
    plot.set_values(80, 1.0, 1.0)  # outside the clip: ignored
    assert finite_points(plot.colourfulness_curve) == 0  # not redrawn per call
    qtbot.waitUntil(lambda: finite_points(plot.change_curve) == 25, timeout=2000)
    assert finite_points(plot.colourfulness_curve) == 25
    assert plot.values(10) == (40.0, pytest.approx(0.02)) and math.isnan(plot.values(11)[0])
    # Each curve has its own scale: the change axis spans the change values, not 0..80.
    assert plot._change_view.viewRange()[1][1] < 1
    assert plot.plot_widget.getPlotItem().vb.viewRange()[1][1] > 78
    plot.set_current(12)
    assert plot.current_line.value() == 12
    plot.clear()
    assert finite_points(plot.colourfulness_curve) == 0


def test_frame_metrics_of_real_frames():
    photo = synthetic_photo()
    grey = np.repeat(np.round(luma_of(photo) * 255).astype(np.uint8)[..., None], 3, axis=2)
    colour_grey, change_first, _ = frame_metrics(grey, None)
    assert colour_grey == pytest.approx(0, abs=1e-9) and math.isnan(change_first)
    colour, _, histograms = frame_metrics(photo, None)
    _, change_same, _ = frame_metrics(photo, histograms)
    assert colour > 10 and change_same == 0
    tinted = compose(luma_of(photo), np.full(photo.shape[:2] + (2,), 0.08), np.uint8)
    _, change, _ = frame_metrics(tinted, histograms)
    assert 0 < change <= math.log(2)
