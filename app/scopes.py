"""Video scopes (pyqtgraph): vectorscope with the skin-tone line, RGB parade, luma waveform.

The numbers come from :func:`scope_data` (numpy, no Qt), computed on a reduced copy of the
frame (at most SCOPE_COLUMNS wide), so the scopes follow the current frame live.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

SCOPE_COLUMNS = 256
#: The skin-tone line ("flesh line") of a vectorscope: 123 degrees from the +U axis,
#: where the I axis of YIQ lies; skin of every complexion falls near it.
SKIN_TONE_DEGREES = 123.0
_BINS = 128
_UV_RANGE = 0.5  # |U|, |V| shown (BT.601 on 0..1 RGB: at most about 0.44 and 0.62)


@dataclass
class ScopeData:
    """What the scopes draw for one frame.

    Attributes:
        vectorscope: _BINS x _BINS float32 density of (U, V), U along x (columns), V along
            y (rows, +V up once drawn), normalised to 0..1.
        parade: 3 x 256 x columns float32, for R, G, B: per column of the frame, the
            density of each level 0..255 (row 0 = level 0).
        waveform: 256 x columns float32, the same for luma.
    """

    vectorscope: np.ndarray
    parade: np.ndarray
    waveform: np.ndarray


def _column_levels(levels: np.ndarray) -> np.ndarray:
    """256 x W density of the levels (HxW int 0..255) in each column, 0..1."""
    height, width = levels.shape
    index = levels.astype(np.int64) * width + np.arange(width)[None, :]
    counts = np.bincount(index.ravel(), minlength=256 * width).reshape(256, width).astype(np.float32)
    return np.sqrt(counts / max(height, 1))  # square root: faint traces stay visible


def scope_data(rgb: np.ndarray) -> ScopeData:
    """Scope densities of ``rgb`` (HxWx3 uint8 or uint16 RGB)."""
    top = float(np.iinfo(rgb.dtype).max)
    step = max(1, math.ceil(rgb.shape[1] / SCOPE_COLUMNS))
    small = rgb[::step, ::step].astype(np.float32) / top
    levels = np.clip(np.round(small * 255), 0, 255).astype(np.int64)
    r, g, b = small[..., 0], small[..., 1], small[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = 0.492 * (b - y)
    v = 0.877 * (r - y)
    edges = np.linspace(-_UV_RANGE, _UV_RANGE, _BINS + 1)
    density, _, _ = np.histogram2d(v.ravel(), u.ravel(), bins=[edges, edges])
    density = np.log1p(density).astype(np.float32)
    if density.max() > 0:
        density /= density.max()
    parade = np.stack([_column_levels(levels[..., c]) for c in range(3)])
    waveform = _column_levels(np.clip(np.round(y * 255), 0, 255).astype(np.int64))
    return ScopeData(density, parade, waveform)


def _plot(title: str) -> tuple[pg.PlotWidget, pg.ImageItem]:
    widget = pg.PlotWidget(background="#1e1e1e")
    widget.setTitle(title, color="#b4b4b4", size="9pt")
    widget.setMenuEnabled(False)
    widget.setMouseEnabled(False, False)
    widget.hideButtons()
    item = pg.ImageItem(axisOrder="row-major")
    widget.addItem(item)
    for name in ("left", "bottom"):
        widget.getAxis(name).setTextPen("#8c8c8c")
        widget.getAxis(name).setPen("#5a5a5a")
    return widget, item


class Scopes(QWidget):
    """Vectorscope (with graticule and skin-tone line), RGB parade and luma waveform."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.data: ScopeData | None = None
        self.vectorscope, self._vector_image = _plot("Vectorscope")
        self.vectorscope.setAspectLocked(True)
        self.vectorscope.hideAxis("left")
        self.vectorscope.hideAxis("bottom")
        self._vector_image.setLookupTable(_lut((40, 220, 120)))
        extent = _UV_RANGE
        self._vector_image.setRect(-extent, -extent, 2 * extent, 2 * extent)
        for radius in (0.15, 0.3, 0.45):
            circle = pg.QtWidgets.QGraphicsEllipseItem(-radius, -radius, 2 * radius, 2 * radius)
            circle.setPen(pg.mkPen("#4a4a4a", width=1, cosmetic=True))
            self.vectorscope.addItem(circle)
        angle = math.radians(SKIN_TONE_DEGREES)
        self.skin_line = pg.PlotDataItem(
            [0, 0.45 * math.cos(angle)], [0, 0.45 * math.sin(angle)], pen=pg.mkPen("#d9a77a", width=1.5)
        )
        self.vectorscope.addItem(self.skin_line)
        # Targets of the primaries and secondaries at 75% (R, Y, G, C, B, M).
        for rgb, name in (
            ((0.75, 0, 0), "R"),
            ((0.75, 0.75, 0), "Yl"),
            ((0, 0.75, 0), "G"),
            ((0, 0.75, 0.75), "Cy"),
            ((0, 0, 0.75), "B"),
            ((0.75, 0, 0.75), "Mg"),
        ):
            y = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
            label = pg.TextItem(name, color="#7a7a7a", anchor=(0.5, 0.5))
            label.setPos(0.492 * (rgb[2] - y), 0.877 * (rgb[0] - y))
            self.vectorscope.addItem(label)
        self.vectorscope.setRange(xRange=(-extent, extent), yRange=(-extent, extent), padding=0)

        self.parade, self._parade_image = _plot("RGB parade")
        self.parade.hideAxis("bottom")
        self.waveform, self._waveform_image = _plot("Luma waveform")
        self.waveform.hideAxis("bottom")
        for item in (self._parade_image, self._waveform_image):
            item.setRect(0, 0, 1, 255)
        self._waveform_image.setLookupTable(_lut((220, 220, 220)))
        for plot in (self.parade, self.waveform):
            plot.setRange(xRange=(0, 1), yRange=(0, 255), padding=0.02)
            plot.getAxis("left").setTicks([[(0, "0"), (64, "25"), (128, "50"), (191, "75"), (255, "100")]])

        splitter = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.vectorscope, self.parade, self.waveform):
            widget.setMinimumHeight(120)
            splitter.addWidget(widget)
        splitter.setSizes([260, 150, 150])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def set_image(self, rgb: np.ndarray | None) -> None:
        """Show the scopes of ``rgb`` (HxWx3 uint8/uint16), or clear them for None."""
        if rgb is None:
            self.data = None
            for item in (self._vector_image, self._parade_image, self._waveform_image):
                item.clear()
            return
        self.data = scope_data(rgb)
        self._vector_image.setImage(self.data.vectorscope, levels=(0, 1), autoLevels=False)
        self._vector_image.setRect(-_UV_RANGE, -_UV_RANGE, 2 * _UV_RANGE, 2 * _UV_RANGE)
        parade = self.data.parade
        gap = np.zeros((256, max(2, parade.shape[2] // 24)), np.float32)
        rgba = np.zeros((256, 3 * parade.shape[2] + 2 * gap.shape[1], 3), np.float32)
        x = 0
        for channel in range(3):
            width = parade.shape[2]
            rgba[:, x : x + width, channel] = np.clip(parade[channel] * 3, 0, 1)
            rgba[:, x : x + width] += np.clip(parade[channel] * 3, 0, 1)[..., None] * 0.25
            x += width + gap.shape[1]
        self._parade_image.setImage(np.clip(rgba, 0, 1), levels=(0, 1), autoLevels=False)
        self._parade_image.setRect(0, 0, 1, 255)
        self._waveform_image.setImage(np.clip(self.data.waveform * 3, 0, 1), levels=(0, 1), autoLevels=False)
        self._waveform_image.setRect(0, 0, 1, 255)


def _lut(colour: tuple[int, int, int]) -> np.ndarray:
    """A 256-entry lookup table from black to ``colour``."""
    ramp = np.linspace(0, 1, 256)[:, None]
    return (ramp * np.array(colour)[None, :]).astype(np.uint8)
