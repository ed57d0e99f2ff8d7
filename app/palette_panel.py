"""The palette: named colours of the project that strokes use (``Stroke.swatch``).

Painting with a swatch chosen ties the stroke to it; changing a swatch's colour recolours
every stroke that uses it, across the film, in one undoable edit, and marks the frames
it affects stale.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


def _icon(rgb) -> QIcon:
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor.fromRgbF(*rgb))
    return QIcon(pixmap)


class PalettePanel(QWidget):
    """A list of swatches with buttons.

    Signals:
        swatchChosen(str): paint with this swatch ("" for none).
        addRequested(str): add a swatch of this name with the brush colour.
        recolourRequested(str): give this swatch the brush colour (recolours its strokes).
    """

    swatchChosen = Signal(str)
    addRequested = Signal(str)
    recolourRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._current_changed)
        add = QPushButton("Add from brush…")
        add.setToolTip("A new named colour of the project, the brush's colour")
        add.clicked.connect(self._ask_add)
        self.recolour_button = QPushButton("Set to brush colour")
        self.recolour_button.setToolTip("Recolour every stroke using this swatch, in every frame (undoable)")
        self.recolour_button.clicked.connect(self._recolour)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.recolour_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)

    def set_palette(self, palette: dict, uses: dict[str, int]) -> None:
        """Show ``palette`` (name -> rgb 0..1) with how many strokes use each swatch."""
        current = self.current()
        self.list.blockSignals(True)
        self.list.clear()
        for name, rgb in palette.items():
            item = QListWidgetItem(_icon(rgb), f"{name}   ({uses.get(name, 0)} strokes)")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
            if name == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.recolour_button.setEnabled(self.current() is not None)

    def current(self) -> str | None:
        """The chosen swatch's name, or None."""
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def choose(self, name: str | None) -> None:
        """Select swatch ``name`` (None: none)."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)
                return
        self.list.setCurrentItem(None)

    def _current_changed(self, item, _previous) -> None:
        self.recolour_button.setEnabled(item is not None)
        self.swatchChosen.emit("" if item is None else item.data(Qt.ItemDataRole.UserRole))

    def _ask_add(self) -> None:
        name, ok = QInputDialog.getText(self, "New swatch", "Name (e.g. sky, coat, skin):")
        if ok and name.strip():
            self.addRequested.emit(name.strip())

    def _recolour(self) -> None:
        name = self.current()
        if name is not None:
            self.recolourRequested.emit(name)
