"""Shared pieces of the editor's tests: tiny real clips, mouse drags on the canvas, and a
recorder for the dialogs the editor shows (QMessageBox.warning / question)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from colorcore.colorspace import luma_of
from colorcore.media import open_writer
from tests.support.images import synthetic_photo

SIZE = (64, 48)


def make_grey_clip(path, frames: int = 6):
    """A small grey FFV1 clip: the synthetic photo's luma, drifting right 1 px a frame."""
    grey = np.round(luma_of(synthetic_photo(SIZE[1], SIZE[0])) * 255).astype(np.uint8)
    with open_writer(path, fps=24, width=SIZE[0], height=SIZE[1]) as writer:
        for i in range(frames):
            writer.write(np.roll(grey, i, axis=1))
    return path


class Dialogs:
    """Records warnings and answers questions with scripted buttons; unscripted questions
    get Discard (so closing a window with unsaved edits never blocks a test)."""

    def __init__(self, monkeypatch):
        self.warnings: list[tuple[str, str]] = []
        self.questions: list[tuple[str, str]] = []
        self.answers: list = []
        monkeypatch.setattr(QMessageBox, "warning", self._warning)
        monkeypatch.setattr(QMessageBox, "question", self._question)

    def _warning(self, parent, title, text, *args):
        self.warnings.append((title, text))
        return QMessageBox.StandardButton.Ok

    def _question(self, parent, title, text, *args):
        self.questions.append((title, text))
        return self.answers.pop(0) if self.answers else QMessageBox.StandardButton.Discard


def drag(qtbot, canvas, points):
    """Press, move through and release the left button at frame pixels ``points``."""
    where = [canvas.to_widget(QPointF(x, y)).toPoint() for x, y in points]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=where[0])
    for point in where[1:]:
        qtbot.mouseMove(canvas, point)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=where[-1])


def widget_point(canvas, x, y) -> QPoint:
    """The widget point over frame pixel (x, y)."""
    return canvas.to_widget(QPointF(x, y)).toPoint()
