"""Brush settings: current colour, a palette of recently used colours, size and hardness."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

RECENT_COUNT = 16
_SWATCH = QSize(22, 22)


def _swatch_style(colour: QColor) -> str:
    return f"QToolButton {{ background: {colour.name()}; border: 1px solid #111; border-radius: 2px; }}"


class BrushPanel(QWidget):
    """Colour, recent colours, brush size (frame pixels) and hardness (0..1).

    Signals:
        colourChanged(QColor): the brush colour changed (chooser, palette or eyedropper).
        sizeChanged(float): brush diameter in frame pixels.
        hardnessChanged(float): 0 (soft rim) .. 1 (hard edge).
    """

    colourChanged = Signal(QColor)
    sizeChanged = Signal(float)
    hardnessChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.colour = QColor(190, 120, 70)
        self.recent: list[QColor] = []
        self.swatch = QToolButton(toolTip="Brush colour: click to choose (C)")
        self.swatch.setFixedSize(QSize(44, 44))
        self.swatch.clicked.connect(self.choose)
        self.value_label = QLabel()
        self.value_label.setObjectName("muted")
        top = QHBoxLayout()
        top.addWidget(self.swatch)
        top.addWidget(self.value_label, 1)
        self.palette_grid = QGridLayout()
        self.palette_grid.setSpacing(3)
        self.size_slider = QSlider(Qt.Orientation.Horizontal, minimum=1, maximum=120, value=8)
        self.size_slider.valueChanged.connect(self._size_moved)
        self.hardness_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=100)
        self.hardness_slider.valueChanged.connect(self._hardness_moved)
        form = QFormLayout()
        form.addRow("Size", self.size_slider)
        form.addRow("Hardness", self.hardness_slider)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        recent_label = QLabel("Recent colours")
        recent_label.setObjectName("muted")
        layout.addWidget(recent_label)
        layout.addLayout(self.palette_grid)
        layout.addLayout(form)
        layout.addStretch(1)
        self._show_colour()

    @property
    def size(self) -> float:
        """Brush diameter in frame pixels."""
        return float(self.size_slider.value())

    @property
    def hardness(self) -> float:
        """Brush hardness, 0..1."""
        return self.hardness_slider.value() / 100

    def set_size(self, size: float) -> None:
        """Set the brush diameter (frame pixels, clamped to the slider's range)."""
        self.size_slider.setValue(int(round(size)))

    def set_colour(self, colour: QColor) -> None:
        """Make ``colour`` the brush colour."""
        self.colour = QColor(colour)
        self._show_colour()
        self.colourChanged.emit(self.colour)

    def remember(self, colour: QColor) -> None:
        """Put ``colour`` first in the recent palette (called when a stroke uses it)."""
        self.recent = [QColor(colour)] + [c for c in self.recent if c.rgb() != colour.rgb()]
        del self.recent[RECENT_COUNT:]
        self._rebuild_palette()

    def choose(self) -> None:
        """Open the colour chooser: the window's luminance-aware picker when it set
        ``chooser``, else the plain RGB dialog."""
        chooser = getattr(self, "chooser", None)
        if chooser is not None:
            chooser()
        else:
            self.choose_rgb()

    def choose_rgb(self) -> None:
        """Open the plain RGB colour dialog."""
        colour = QColorDialog.getColor(self.colour, self, "Brush colour")
        if colour.isValid():
            self.set_colour(colour)

    def _size_moved(self, value: int) -> None:
        self.sizeChanged.emit(float(value))

    def _hardness_moved(self, value: int) -> None:
        self.hardnessChanged.emit(value / 100)

    def _show_colour(self) -> None:
        self.swatch.setStyleSheet(_swatch_style(self.colour))
        r, g, b = self.colour.red(), self.colour.green(), self.colour.blue()
        self.value_label.setText(f"R {r}  G {g}  B {b}\n{self.colour.name()}")

    def _rebuild_palette(self) -> None:
        while self.palette_grid.count():
            self.palette_grid.takeAt(0).widget().deleteLater()
        for n, colour in enumerate(self.recent):
            button = QToolButton(toolTip=colour.name())
            button.setFixedSize(_SWATCH)
            button.setStyleSheet(_swatch_style(colour))
            button.clicked.connect(lambda _=False, c=colour: self.set_colour(c))
            self.palette_grid.addWidget(button, n // 8, n % 8)
