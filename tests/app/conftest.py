"""Fixtures of the editor's tests: recorded dialogs and main windows with private settings."""

import gc

import pytest
from PySide6.QtCore import QSettings

from tests.support.qt import Dialogs


@pytest.fixture(autouse=True, scope="package")
def _automatic_cycle_collection_back_after_the_editor_tests():
    """The editor's first worker turns automatic cycle collection off for good (cycles are
    collected on the GUI thread: keyhue.workers); the tests after these get it back."""
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch)


@pytest.fixture
def make_window(qtbot, tmp_path, dialogs):
    """A factory of main windows sharing one settings file, autosave, cache and log folder."""
    from keyhue.window import MainWindow

    def make():
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            settings=settings,
            autosave_dir=tmp_path / "autosave",
            cache_dir=tmp_path / "cache",
            log_dir=tmp_path / "logs",
        )
        qtbot.addWidget(window)
        window.resize(1000, 700)
        window.show()
        window.activateWindow()
        window.canvas.setFocus()
        qtbot.waitUntil(window.isActiveWindow)  # shortcuts need the window active
        return window

    return make
