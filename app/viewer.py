"""The main window: a frame viewer over a clip, the seed of the Keyhue editor.

It opens a video file or a folder of frames through ``colorcore.media``, shows one frame
at a time scaled to the window, and scrubs with a slider or the arrow, Home and End keys.
Media that cannot be opened is reported in a dialog; the window stays usable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QSlider, QVBoxLayout, QWidget

from colorcore.errors import InputError
from colorcore.media import open_clip


def to_qimage(rgb: np.ndarray) -> QImage:
    """An 8-bit QImage copy of an HxWx3 uint8 or uint16 RGB array."""
    if rgb.dtype == np.uint16:
        rgb = (rgb >> 8).astype(np.uint8)
    rgb = np.ascontiguousarray(rgb)
    height, width, _ = rgb.shape
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class ViewerWindow(QMainWindow):
    """Shows the frames of one clip; ``open_media`` loads another."""

    def __init__(self):
        super().__init__()
        self.setWindowTitle("Keyhue")
        self.clip = None
        self.picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(320, 180)
        self.slider = QSlider(Qt.Orientation.Horizontal, enabled=False)
        self.slider.valueChanged.connect(self.show_frame)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.slider)
        self.setCentralWidget(central)
        open_action = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open, triggered=self._ask_open)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.close)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(open_action)
        file_menu.addAction(quit_action)
        self.statusBar().showMessage("Open a video file or a folder of frames")
        self.resize(1100, 700)

    def open_media(self, path: str | Path) -> bool:
        """Open a clip; on bad media show a dialog and keep the current one. True if opened."""
        try:
            clip = open_clip(path)
        except InputError as exc:
            QMessageBox.warning(self, "Cannot open media", f"{exc}\n\nChoose a video file or a folder of frames.")
            return False
        if self.clip is not None:
            self.clip.close()
        self.clip = clip
        self.slider.setRange(0, len(clip) - 1)
        self.slider.setEnabled(True)
        self.setWindowTitle(f"Keyhue — {Path(path).name}")
        self.slider.setValue(0)
        self.show_frame(0)
        return True

    def show_frame(self, index: int) -> None:
        """Display frame ``index`` of the open clip."""
        if self.clip is None:
            return
        try:
            rgb = self.clip.rgb(index)
        except InputError as exc:
            self.statusBar().showMessage(str(exc))
            return
        self.current_rgb = rgb
        self._draw()
        clip = self.clip
        self.statusBar().showMessage(
            f"frame {index + 1} of {len(clip)}  ·  {clip.width}x{clip.height}  ·  {clip.fps:.3f} fps  ·  {clip.bit_depth}-bit"
        )

    def keyPressEvent(self, event):  # noqa: N802 - Qt's name
        keys = {Qt.Key.Key_Right: 1, Qt.Key.Key_Left: -1}
        if event.key() in keys:
            self.slider.setValue(self.slider.value() + keys[event.key()])
        elif event.key() == Qt.Key.Key_Home:
            self.slider.setValue(self.slider.minimum())
        elif event.key() == Qt.Key.Key_End:
            self.slider.setValue(self.slider.maximum())
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event):  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._draw()

    def _draw(self) -> None:
        if getattr(self, "current_rgb", None) is None:
            return
        pixmap = QPixmap.fromImage(to_qimage(self.current_rgb))
        self.picture.setPixmap(pixmap.scaled(self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    def _ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open video", "", "Video (*.mp4 *.mov *.mkv *.avi);;All files (*)")
        if path:
            self.open_media(path)

    def closeEvent(self, event):  # noqa: N802 - Qt's name
        if self.clip is not None:
            self.clip.close()
        super().closeEvent(event)
