"""Colour references: load images, assign them to frames, pick colours from them.

The panel lists images loaded this session and the project's references (aligned with
one frame) and exemplars (colour photographs of the scene that guide the whole clip).
Clicking the large view picks the colour under the pointer for the brush. The window
does the assigning (it knows the clip), the panel only says what was asked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from colorcore.errors import InputError
from colorcore.guidance.references import Exemplar, Reference
from colorcore.media import IMAGE_EXTENSIONS, read_image
from keyhue.dialogs import show_problem
from keyhue.imaging import to_qimage

_ROLE = Qt.ItemDataRole.UserRole


class PickableImage(QWidget):
    """Shows one image scaled to fit; a click emits the colour under the pointer.

    Signals:
        colourPicked(tuple): (r, g, b) in 0..1.
    """

    colourPicked = Signal(tuple)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rgb: np.ndarray | None = None
        self.image = None
        self.setMinimumHeight(140)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to take a colour for the brush")

    def set_image(self, rgb: np.ndarray | None) -> None:
        """Show ``rgb`` (HxWx3 uint8/uint16), or nothing."""
        self.rgb = rgb
        self.image = None if rgb is None else to_qimage(rgb)
        self.update()

    def _target(self):
        if self.image is None:
            return None, 0.0
        scale = min(self.width() / self.image.width(), self.height() / self.image.height())
        w, h = self.image.width() * scale, self.image.height() * scale
        return QPointF((self.width() - w) / 2, (self.height() - h) / 2), scale

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 30))
        origin, scale = self._target()
        if origin is None:
            painter.setPen(QColor(130, 130, 130))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "Load or drop colour\nreference images here",
            )
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.translate(origin)
            painter.scale(scale, scale)
            painter.drawImage(0, 0, self.image)

    def mousePressEvent(self, event):
        origin, scale = self._target()
        if origin is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = (event.position() - origin) / scale
        x, y = int(point.x()), int(point.y())
        height, width = self.rgb.shape[:2]
        if 0 <= x < width and 0 <= y < height:
            top = float(np.iinfo(self.rgb.dtype).max)
            self.colourPicked.emit(tuple(float(v) / top for v in self.rgb[y, x]))


class ReferencePanel(QWidget):
    """Loaded images, the project's references and exemplars, and what to do with them.

    Signals:
        referenceRequested(object, str): use this HxWx3 image as the current frame's
            aligned reference (source name).
        exemplarRequested(object, str, bool): add this image as an exemplar, for the
            current shot only when the bool is True (else for the whole clip).
        promoteRequested(): make the current frame's colour result its reference.
        removeRequested(object): remove this Reference or Exemplar from the project.
        colourPicked(tuple): (r, g, b) in 0..1 from the shown image.
    """

    referenceRequested = Signal(object, str)
    exemplarRequested = Signal(object, str, bool)
    promoteRequested = Signal()
    removeRequested = Signal(object)
    colourPicked = Signal(tuple)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.loaded: list[tuple[np.ndarray, str]] = []
        self.project_items: list[Reference | Exemplar] = []
        self.list = QListWidget()
        self.list.setIconSize(QSize(72, 48))
        self.list.currentItemChanged.connect(self._selected)
        self.view = PickableImage()
        self.view.colourPicked.connect(self.colourPicked)
        self.load_button = QPushButton("Load…", toolTip="Load colour reference images (or drop them here)")
        self.load_button.clicked.connect(self._ask_load)
        self.reference_button = QPushButton(
            "Reference for frame", toolTip="Use the selected image as this frame's aligned colour reference"
        )
        self.reference_button.clicked.connect(self._as_reference)
        self.exemplar_button = QPushButton(
            "Exemplar", toolTip="Use the selected image as an exemplar: colours of the same scene, not aligned"
        )
        self.exemplar_button.clicked.connect(self._as_exemplar)
        self.promote_button = QPushButton(
            "Promote frame", toolTip="Make the current frame's colour result its reference"
        )
        self.promote_button.clicked.connect(self.promoteRequested)
        self.shot_only = QCheckBox("Exemplar for this shot only")
        self.shot_only.setToolTip("An exemplar guides the whole clip unless this is ticked")
        self.remove_button = QPushButton("Remove", toolTip="Remove the selected reference or exemplar from the project")
        self.remove_button.clicked.connect(self._remove)
        buttons = QGridLayout()
        buttons.addWidget(self.load_button, 0, 0)
        buttons.addWidget(self.promote_button, 0, 1)
        buttons.addWidget(self.reference_button, 1, 0)
        buttons.addWidget(self.exemplar_button, 1, 1)
        buttons.addWidget(self.shot_only, 2, 0, 1, 2)
        buttons.addWidget(self.remove_button, 3, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 3)
        layout.addWidget(self.list, 2)
        layout.addLayout(buttons)
        self._selected(None, None)

    # -- content ----------------------------------------------------------------------

    def load_file(self, path: str | Path) -> bool:
        """Load a colour image into the panel; a dialog explains a file that cannot be used."""
        path = Path(path)
        try:
            rgb = read_image(path)
        except InputError as exc:
            show_problem(self, "Cannot load reference", str(exc), "Choose a colour image (PNG, TIFF, JPEG or BMP).")
            return False
        if rgb.ndim == 2 or (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])):
            show_problem(
                self,
                "Not a colour reference",
                f"'{path.name}' is a grey image: it has no colour to give.",
                "Choose a colour photograph or a hand-coloured frame.",
            )
            return False
        self.loaded.append((rgb, str(path)))
        self._rebuild(select=("loaded", len(self.loaded) - 1))
        return True

    def set_project_items(self, references: list[Reference], exemplars: list[Exemplar]) -> None:
        """Show the project's current references and exemplars."""
        self.project_items = sorted(references, key=lambda r: r.frame) + list(exemplars)
        self._rebuild()

    def selected(self) -> tuple[np.ndarray, str, object] | None:
        """(rgb, source, Reference/Exemplar or None for a loaded image) of the selection."""
        item = self.list.currentItem()
        if item is None:
            return None
        kind, index = item.data(_ROLE)
        if kind == "loaded":
            rgb, source = self.loaded[index]
            return rgb, source, None
        entry = self.project_items[index]
        return entry.rgb, entry.source, entry

    def _rebuild(self, select: tuple[str, int] | None = None) -> None:
        current = self.list.currentItem()
        keep = select or (current.data(_ROLE) if current is not None else None)
        self.list.blockSignals(True)
        self.list.clear()
        for index, entry in enumerate(self.project_items):
            name = Path(entry.source).name or "frame"
            role = f"reference · frame {entry.frame}" if isinstance(entry, Reference) else "exemplar · whole clip"
            if isinstance(entry, Exemplar) and entry.frames:
                role = f"exemplar · frames {entry.frames[0]}–{entry.frames[1] - 1}"
            self._add_item(entry.rgb, f"{name}\n{role}", ("project", index))
        for index, (rgb, source) in enumerate(self.loaded):
            self._add_item(rgb, f"{Path(source).name}\nloaded", ("loaded", index))
        self.list.blockSignals(False)
        self.list.setVisible(self.list.count() > 0)  # an empty list is only a second blank box
        for row in range(self.list.count()):
            if self.list.item(row).data(_ROLE) == keep:
                self.list.setCurrentRow(row)
                break
        self._selected(self.list.currentItem(), None)

    def _add_item(self, rgb: np.ndarray, text: str, key: tuple[str, int]) -> None:
        icon = QIcon(QPixmap.fromImage(to_qimage(rgb[:: max(1, rgb.shape[0] // 96), :: max(1, rgb.shape[0] // 96)])))
        item = QListWidgetItem(icon, text)
        item.setData(_ROLE, key)
        self.list.addItem(item)

    def _selected(self, item, _previous) -> None:
        chosen = self.selected()
        self.view.set_image(None if chosen is None else chosen[0])
        in_project = chosen is not None and chosen[2] is not None
        self.reference_button.setEnabled(chosen is not None and not in_project)
        self.exemplar_button.setEnabled(chosen is not None and not in_project)
        self.remove_button.setEnabled(in_project)

    # -- actions ----------------------------------------------------------------------

    def _ask_load(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        paths, _ = QFileDialog.getOpenFileNames(self, "Load colour references", "", f"Images ({patterns})")
        for path in paths:
            self.load_file(path)

    def _as_reference(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.referenceRequested.emit(chosen[0], chosen[1])

    def _as_exemplar(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.exemplarRequested.emit(chosen[0], chosen[1], self.shot_only.isChecked())

    def _remove(self) -> None:
        chosen = self.selected()
        if chosen is not None and chosen[2] is not None:
            self.removeRequested.emit(chosen[2])

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.load_file(url.toLocalFile())
        event.acceptProposedAction()
