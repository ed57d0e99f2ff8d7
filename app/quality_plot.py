"""Per-frame quality curves under the timeline: colourfulness and frame-to-frame colour change.

Colourfulness (Hasler and Suesstrunk) shows where colour fades or swells along the clip;
the change term (the Jensen-Shannon divergence of a frame's RGB histograms with those of
the previous frame, CDC's d = 1 term, see docs/architecture.md) spikes where colour flickers. Each
curve has its own scale, stated in the legend. The plot has no side axes, so its x axis
spans the same width as the timeline above it: frame i lies under frame i.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

_BACKGROUND = "#1e1e1e"
_AXIS = "#8c8c8c"
_COLOURFULNESS = "#d2d2d2"
_CHANGE = "#b0965e"  # muted ochre: tells the curves apart without loud chrome
_CURRENT = "#e6e6e6"
#: Longest wait, in milliseconds, between a set_values call and the curves showing it.
REDRAW_INTERVAL_MS = 100


def frame_metrics(rgb: np.ndarray, previous: np.ndarray | None) -> tuple[float, float, np.ndarray]:
    """(colourfulness, change, histograms) of one frame, as QualityPlot.set_values takes them.

    Args:
        rgb: HxWx3 RGB frame, uint8 or uint16.
        previous: the histograms this function returned for the previous frame of the
            clip, or None for the first frame (each frame's histograms are made once).

    Returns:
        colourfulness: Hasler-Suesstrunk colourfulness on colorcore.metrics' scale (>= 0).
        change: Jensen-Shannon divergence (natural log, 0 .. ln 2) between the per-channel
            256-bin histograms of ``rgb`` and of the previous frame, averaged over R, G,
            B; NaN for the first frame.
        histograms: (3, 256) float histograms of ``rgb``, to pass with the next frame.
    """
    from colorcore import metrics

    colourfulness = float(metrics.colourfulness(rgb))
    histograms = metrics.channel_histograms(rgb)
    change = float("nan") if previous is None else float(metrics.js_divergence(histograms, previous))
    return colourfulness, change, histograms


class QualityPlot(QWidget):
    """Two curves over frame numbers: colourfulness (left axis) and colour change (right).

    Values arrive one frame at a time (``set_values``), e.g. as propagation finishes
    frames; the curves are redrawn at most every REDRAW_INTERVAL_MS, so calling it for every
    frame costs almost nothing. Frames without values leave gaps. A vertical line marks
    the current frame.

    Signals:
        frameClicked(int): the user clicked the plot at that frame (0-based, clamped).
    """

    frameClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._count = 0
        self._colourfulness = np.zeros(0)
        self._change = np.zeros(0)
        self.plot_widget = pg.PlotWidget(background=_BACKGROUND)
        self.plot_widget.setMenuEnabled(False)
        self.plot_widget.setMinimumHeight(90)
        self.plot_widget.setToolTip(
            "Light curve: colourfulness of each frame.\n"
            "Ochre curve: colour change from the previous frame (Jensen-Shannon divergence of the RGB histograms); "
            "spikes are flicker.\nClick to go to a frame."
        )
        item = self.plot_widget.getPlotItem()
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.showGrid(x=False, y=True, alpha=0.12)
        # No axes beside the view: it spans the widget's width exactly as the timeline's
        # strip does, so the shared frame axis lines up. The legend names each curve and its
        # scale (the top of the plot).
        for name in ("left", "bottom", "right"):
            item.hideAxis(name)
        item.setContentsMargins(0, 0, 0, 0)
        self.plot_widget.setContentsMargins(0, 0, 0, 0)
        # Not anchored (offset None): an anchor follows the view's geometry through a
        # signal that can fire while a closing window's view is already deleted. The
        # view's top-left corner is its own origin, so a fixed position is enough.
        self.legend = pg.LegendItem(offset=None, labelTextColor=_AXIS, brush=pg.mkBrush(30, 30, 30, 200))
        self.legend.setParentItem(item.vb)
        self.legend.setPos(6, 4)
        self.colourfulness_curve = item.plot(pen=pg.mkPen(_COLOURFULNESS, width=1.5), connect="finite")
        # The change curve lives in a second view box sharing the x axis, so each curve
        # keeps its own scale on its own axis.
        self._change_view = pg.ViewBox(enableMouse=False)
        item.scene().addItem(self._change_view)
        self._change_view.setXLink(item)
        self.change_curve = pg.PlotDataItem(pen=pg.mkPen(_CHANGE, width=1.5), connect="finite")
        self._change_view.addItem(self.change_curve)
        self.legend.addItem(self.colourfulness_curve, "colourfulness")
        self.legend.addItem(self.change_curve, "colour change from the previous frame")
        item.vb.sigResized.connect(self._align_views)
        self.current_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(_CURRENT, width=1))
        item.addItem(self.current_line, ignoreBounds=True)
        item.scene().sigMouseClicked.connect(self._clicked)

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self._redraw)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.set_frame_count(0)

    def set_frame_count(self, n: int) -> None:
        """Plot frames 0 .. n-1; forgets all values."""
        self._count = max(0, int(n))
        self._colourfulness = np.full(self._count, np.nan)
        self._change = np.full(self._count, np.nan)
        self.set_x_range(0, max(self._count - 1, 1))
        self._redraw()

    def set_values(self, i: int, colourfulness: float, change: float) -> None:
        """Record frame ``i``'s colourfulness (>= 0) and change (JS divergence, 0 .. ln 2;
        NaN where there is no previous frame). Out-of-range frames are ignored."""
        if not 0 <= i < self._count:
            return
        self._colourfulness[i] = colourfulness
        self._change[i] = change
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def values(self, i: int) -> tuple[float, float]:
        """Frame ``i``'s (colourfulness, change), NaN where not set."""
        return float(self._colourfulness[i]), float(self._change[i])

    def clear(self) -> None:
        """Forget all values (the frame count stays)."""
        self._colourfulness[:] = np.nan
        self._change[:] = np.nan
        self._redraw()

    def set_current(self, i: int) -> None:
        """Draw the current-frame line at frame ``i``."""
        self.current_line.setValue(int(i))

    def set_x_range(self, first: float, last: float) -> None:
        """Show frames ``first`` .. ``last`` (fractional), e.g. the timeline's visible range."""
        self.plot_widget.getPlotItem().setXRange(first, last, padding=0)

    def _redraw(self) -> None:
        self._redraw_timer.stop()
        x = np.arange(self._count, dtype=np.float64)
        for curve, y, view, name, digits in (
            (self.colourfulness_curve, self._colourfulness, self.plot_widget.getPlotItem().vb, "colourfulness", 1),
            (self.change_curve, self._change, self._change_view, "colour change from the previous frame", 4),
        ):
            finite = np.isfinite(y)
            top = float(np.max(y[finite])) if finite.any() else 0.0
            if finite.any():
                curve.setData(x, y, connect="finite")
                view.setYRange(0, top * 1.1 if top > 0 else 1, padding=0)
            else:
                curve.setData([], [])
                view.setYRange(0, 1, padding=0)
            self.legend.getLabel(curve).setText(f"{name} (top {top * 1.1:.{digits}f})" if top > 0 else name)

    def _align_views(self) -> None:
        # The change view belongs to the scene, which deletes it before the plot item when
        # the widget goes away; a resize signal may still arrive then.
        try:
            view = self.plot_widget.getPlotItem().vb
            self._change_view.setGeometry(view.sceneBoundingRect())
            self._change_view.linkedViewChanged(view, self._change_view.XAxis)
        except RuntimeError:
            pass

    def _clicked(self, event) -> None:
        if self._count == 0 or event.button() != Qt.MouseButton.LeftButton:
            return
        view = self.plot_widget.getPlotItem().vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return  # on an axis
        x = view.mapSceneToView(event.scenePos()).x()
        frame = int(round(min(max(x, 0), self._count - 1)))
        event.accept()
        self.frameClicked.emit(frame)
