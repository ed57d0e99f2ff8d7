"""The shot list: the shots the cut detector found, with a thumbnail, frame range,
keyframe count and state; click to go there, propagate or export one shot."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class ShotList(QWidget):
    """A docked list of shots.

    Signals:
        shotActivated(int): the user chose the shot starting at this frame.
        propagateRequested(int): propagate the shot starting at this frame.
        exportRequested(int): export the shot starting at this frame.
    """

    shotActivated = Signal(int)
    propagateRequested = Signal(int)
    exportRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setIconSize(QSize(80, 45))
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemClicked.connect(lambda item: self.shotActivated.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.list.itemActivated.connect(lambda item: self.shotActivated.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.propagate_button = QPushButton("Propagate shot")
        self.export_button = QPushButton("Export shot…")
        self.propagate_button.clicked.connect(lambda: self._request(self.propagateRequested))
        self.export_button.clicked.connect(lambda: self._request(self.exportRequested))
        buttons = QHBoxLayout()
        buttons.addWidget(self.propagate_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.shots: list[tuple[int, int]] = []
        self._icons: dict[int, QIcon] = {}
        self._update_buttons()

    def set_shots(
        self,
        shots: list[tuple[int, int]],
        keyframes: dict[int, int],
        states: dict[int, str],
        thumbnail: Callable[[int], QImage | None] | None = None,
    ) -> None:
        """Show ``shots`` [(start, stop)] with their keyframe counts and states (by start).
        ``thumbnail(frame)`` gives a shot's picture; fetched once per shot."""
        if shots != self.shots:
            self._icons = {}
            self.shots = list(shots)
            self.list.clear()
            for start, _stop in shots:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, start)
                self.list.addItem(item)
        for row, (start, stop) in enumerate(shots):
            item = self.list.item(row)
            if start not in self._icons and thumbnail is not None:
                image = thumbnail(start)
                self._icons[start] = QIcon(QPixmap.fromImage(image)) if image is not None else QIcon()
                item.setIcon(self._icons[start])
            count = keyframes.get(start, 0)
            item.setText(
                f"Shot {row + 1}: {start}–{stop - 1}\n"
                f"{count} key{'s' if count != 1 else ''} · {states.get(start, 'pending')}"
            )
        self._update_buttons()

    def set_current(self, frame: int) -> None:
        """Highlight the shot holding ``frame``."""
        for row, (start, stop) in enumerate(self.shots):
            if start <= frame < stop:
                if self.list.currentRow() != row:
                    self.list.blockSignals(True)
                    self.list.setCurrentRow(row)
                    self.list.blockSignals(False)
                break
        self._update_buttons()

    def _request(self, signal) -> None:
        item = self.list.currentItem()
        if item is not None:
            signal.emit(item.data(Qt.ItemDataRole.UserRole))

    def _update_buttons(self) -> None:
        has = self.list.currentItem() is not None
        self.propagate_button.setEnabled(has)
        self.export_button.setEnabled(has)
