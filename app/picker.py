"""The luminance-aware colour picker: only colours a pixel's brightness can have.

A stroke gives chroma only; the engine keeps each pixel's luma. So the picker shows the
chroma plane (I across, Q up) *at the clicked pixel's luma*: every colour offered is
composed by :func:`colorcore.colorspace.compose` at that luma, and chroma the RGB cube
cannot hold at that luma is shown dark and cannot be picked. Beside it, suggestions for
that point: the current colour result, the aligned reference, the exemplars matched
there, the deep network's prediction and the recent colours, each shown at the same luma.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from colorcore.colorspace import RGB_TO_YIQ, chroma_of, compose, gamut_scale

I_RANGE, Q_RANGE = 0.6, 0.53
PLANE = 201  # cells across and up


def chroma_plane(luma: float, size: int = PLANE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The colours possible at ``luma``.

    Args:
        luma: 0..1 (a pixel's Y).
        size: cells across and up.

    Returns:
        (rgb, possible, chroma): size x size x 3 uint8 RGB composed at ``luma`` (row 0 is
        +Q, the top), size x size bool where the chroma fits the RGB cube at that luma,
        and the size x size x 2 (I, Q) of each cell.
    """
    i = np.linspace(-I_RANGE, I_RANGE, size)
    q = np.linspace(Q_RANGE, -Q_RANGE, size)
    chroma = np.stack(np.meshgrid(i, q), axis=-1)
    lumas = np.full((size, size), float(luma))
    possible = gamut_scale(lumas, chroma) >= 1.0
    rgb = compose(lumas, chroma, dtype=np.uint8)
    return rgb, possible, chroma


def at_luma(rgb: tuple[float, float, float], luma: float) -> tuple[float, float, float]:
    """The colour with ``rgb``'s chroma (shortened to fit) at ``luma``, RGB 0..1."""
    chroma = np.asarray(rgb, np.float64) @ RGB_TO_YIQ[1:].T
    out = compose(np.full((1, 1), float(luma)), chroma.reshape(1, 1, 2), dtype=np.uint8)[0, 0]
    return tuple(float(v) / 255 for v in out)


class _Plane(QWidget):
    picked = Signal(int, int)

    def __init__(self, image: QImage, parent=None):
        super().__init__(parent)
        self.image = image
        self.mark: tuple[int, int] | None = None
        self.setFixedSize(QSize(image.width() * 2, image.height() * 2))
        self.setCursor(Qt.CursorShape.CrossCursor)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.drawImage(self.rect(), self.image)
        painter.setPen(QPen(QColor(90, 90, 90), 1))
        painter.drawLine(self.width() // 2, 0, self.width() // 2, self.height())
        painter.drawLine(0, self.height() // 2, self.width(), self.height() // 2)
        if self.mark is not None:
            painter.setPen(QPen(QColor(255, 255, 255), 1.5))
            painter.drawEllipse(QPointF(self.mark[0] * 2 + 1, self.mark[1] * 2 + 1), 5, 5)
        painter.end()

    def mousePressEvent(self, event):
        x, y = int(event.position().x() // 2), int(event.position().y() // 2)
        if 0 <= x < self.image.width() and 0 <= y < self.image.height():
            self.picked.emit(x, y)


class LumaPicker(QDialog):
    """Pick a stroke colour at a pixel's luma.

    Args:
        luma: the pixel's Y, 0..1.
        suggestions: (label, (r, g, b) 0..1) to offer beside the plane; each is shown at
            ``luma``.
        initial: the current brush colour (its chroma at ``luma`` is preselected).
    """

    def __init__(self, luma: float, suggestions, initial=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Colour at this brightness")
        self.luma = float(luma)
        self.rgb, self.possible, self.chroma = chroma_plane(self.luma)
        shown = np.where(self.possible[..., None], self.rgb, (self.rgb * 0.25).astype(np.uint8))
        self._shown = np.ascontiguousarray(shown)
        image = QImage(self._shown.data, PLANE, PLANE, 3 * PLANE, QImage.Format.Format_RGB888).copy()
        self.plane = _Plane(image)
        self.plane.picked.connect(self.pick_cell)
        self.chosen: tuple[float, float, float] | None = None
        self.swatch = QLabel()
        self.swatch.setFixedSize(64, 40)
        self.value = QLabel()
        side = QVBoxLayout()
        side.addWidget(QLabel(f"Luma of the pixel: {self.luma:.3f}\nEvery colour here keeps it."))
        side.addWidget(self.swatch)
        side.addWidget(self.value)
        side.addWidget(QLabel("Suggestions"))
        self._suggestion_box = QVBoxLayout()
        side.addLayout(self._suggestion_box)
        self.suggestion_buttons: list[QToolButton] = []
        self.suggested: dict[str, tuple[float, float, float]] = {}  # label: the colour offered, at the luma
        for label, colour in suggestions:
            self.add_suggestion(label, colour)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.plane)
        row.addLayout(side)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        if initial is not None:
            self._choose(at_luma(initial, self.luma))

    def add_suggestion(self, label: str, colour: tuple[float, float, float] | None = None) -> QToolButton:
        """Offer ``colour`` (r, g, b 0..1; shown and chosen at the pixel's luma) as ``label``.
        None: a disabled placeholder "label…" for a suggestion still being worked out, in
        its place among the others until :meth:`fill_suggestion` or :meth:`drop_suggestion`."""
        button = QToolButton(text=label if colour is not None else f"{label}…")
        button.setObjectName(label)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._suggestion_box.addWidget(button)
        self.suggestion_buttons.append(button)
        if colour is None:
            button.setEnabled(False)
        else:
            self.fill_suggestion(label, colour)
        return button

    def fill_suggestion(self, label: str, colour: tuple[float, float, float], text: str | None = None) -> None:
        """Give suggestion ``label`` its colour (r, g, b 0..1, put at the pixel's luma) and
        optionally a new ``text``; nothing when there is no such suggestion."""
        button = self.suggestion_button(label)
        if button is None:
            return
        colour = at_luma(colour, self.luma)
        text = text or label
        button.setObjectName(text)
        button.setText(text)
        button.setEnabled(True)
        r, g, b = (round(v * 255) for v in colour)
        button.setStyleSheet(f"background: rgb({r},{g},{b}); color: {'black' if self.luma > 0.5 else 'white'};")
        button.clicked.connect(lambda _=False, c=colour: self._choose(c))
        self.suggested.pop(label, None)
        self.suggested[text] = colour

    def drop_suggestion(self, label: str) -> None:
        """Withdraw suggestion ``label`` (e.g. a placeholder whose work failed)."""
        button = self.suggestion_button(label)
        if button is not None:
            self.suggestion_buttons.remove(button)
            self.suggested.pop(label, None)
            button.hide()
            button.deleteLater()

    def suggestion_button(self, label: str) -> QToolButton | None:
        """The button of suggestion ``label`` (a placeholder's plain label), or None."""
        return next((b for b in self.suggestion_buttons if b.objectName() == label), None)

    def pick_cell(self, x: int, y: int) -> bool:
        """Choose plane cell (x, y); False (nothing chosen) where that chroma is impossible."""
        if not self.possible[y, x]:
            return False
        self.plane.mark = (x, y)
        self.plane.update()
        self._choose(tuple(float(v) / 255 for v in self.rgb[y, x]))
        return True

    def _choose(self, colour: tuple[float, float, float]) -> None:
        self.chosen = colour
        r, g, b = (round(v * 255) for v in colour)
        self.swatch.setStyleSheet(f"background: rgb({r},{g},{b}); border: 1px solid #555;")
        i, q = chroma_of(np.array([[[r, g, b]]], np.uint8))[0, 0]
        self.value.setText(f"R {r}  G {g}  B {b}\nI {i:+.3f}  Q {q:+.3f}")
