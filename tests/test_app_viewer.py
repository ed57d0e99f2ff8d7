"""The keyhue window on real media, driven by pytest-qt (offscreen)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from app.viewer import ViewerWindow  # noqa: E402
from colorcore.media import open_writer  # noqa: E402


def make_clip(path, frames=12, size=(64, 48)):
    with open_writer(path, fps=24, width=size[0], height=size[1]) as writer:
        for i in range(frames):
            writer.write(np.full((size[1], size[0], 3), i * 20, np.uint8))


def test_open_and_scrub_with_keys(qtbot, tmp_path):
    make_clip(tmp_path / "c.mkv")
    window = ViewerWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open_media(tmp_path / "c.mkv")
    assert window.slider.maximum() == 11
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.slider.value() == 11 and window.current_rgb[0, 0, 0] == 220
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.current_rgb[0, 0, 0] == 200
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.current_rgb[0, 0, 0] == 0
    assert "frame 1 of 12" in window.statusBar().currentMessage()


def test_bad_media_shows_a_dialog_and_keeps_running(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    (tmp_path / "junk.mp4").write_text("not a video")
    window = ViewerWindow()
    qtbot.addWidget(window)
    assert not window.open_media(tmp_path / "junk.mp4")
    assert shown and "junk.mp4" in shown[0]
    assert window.clip is None and window.isEnabled()
