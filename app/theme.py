"""A dark, colour-neutral look for judging colour: greys only, no tinted chrome.

Every UI colour here has R = G = B, so nothing around the picture biases the eye; the
selection highlight is a lighter grey rather than the platform's blue. Icons are
monochrome SVGs from resources/icons, drawn for Keyhue.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from colorcore.resources import resource_path

ICONS = resource_path("icons")

_PALETTE = {
    QPalette.ColorRole.Window: 45,
    QPalette.ColorRole.WindowText: 215,
    QPalette.ColorRole.Base: 32,
    QPalette.ColorRole.AlternateBase: 40,
    QPalette.ColorRole.ToolTipBase: 28,
    QPalette.ColorRole.ToolTipText: 220,
    QPalette.ColorRole.PlaceholderText: 120,
    QPalette.ColorRole.Text: 215,
    QPalette.ColorRole.Button: 52,
    QPalette.ColorRole.ButtonText: 215,
    QPalette.ColorRole.BrightText: 255,
    QPalette.ColorRole.Highlight: 110,
    QPalette.ColorRole.HighlightedText: 250,
    QPalette.ColorRole.Link: 200,
    QPalette.ColorRole.Light: 70,
    QPalette.ColorRole.Midlight: 60,
    QPalette.ColorRole.Mid: 40,
    QPalette.ColorRole.Dark: 25,
    QPalette.ColorRole.Shadow: 10,
}

STYLE = """
QMainWindow, QDialog { background: #2d2d2d; }
QToolBar { background: #262626; border: none; border-bottom: 1px solid #1a1a1a; spacing: 2px; padding: 3px; }
QToolBar::separator { background: #3c3c3c; width: 1px; margin: 4px 6px; }
QToolButton { border: 1px solid transparent; border-radius: 3px; padding: 3px; color: #d7d7d7; }
QToolButton:hover { background: #3a3a3a; border-color: #4a4a4a; }
QToolButton:checked { background: #555555; border-color: #6a6a6a; }
QToolButton:disabled { color: #6e6e6e; }
QDockWidget { color: #bdbdbd; titlebar-close-icon: none; }
QDockWidget::title { background: #262626; padding: 5px 8px; border-bottom: 1px solid #1a1a1a; }
QLabel#muted { color: #9a9a9a; }
QPushButton { background: #3a3a3a; border: 1px solid #4d4d4d; border-radius: 3px; padding: 4px 10px; color: #dcdcdc; }
QPushButton:hover { background: #444444; }
QPushButton:pressed { background: #2e2e2e; }
QPushButton:disabled { color: #6e6e6e; background: #333333; border-color: #3d3d3d; }
QListWidget { background: #242424; border: 1px solid #1a1a1a; }
QListWidget::item:selected { background: #4f4f4f; color: #f0f0f0; }
QSlider::groove:horizontal { height: 4px; background: #1e1e1e; border-radius: 2px; }
QSlider::handle:horizontal { background: #b4b4b4; width: 12px; margin: -5px 0; border-radius: 6px; }
QSlider::sub-page:horizontal { background: #7a7a7a; border-radius: 2px; }
QProgressBar { background: #1f1f1f; border: 1px solid #3a3a3a; border-radius: 3px; text-align: center; color: #dcdcdc; height: 14px; }
QProgressBar::chunk { background: #8a8a8a; }
QStatusBar { background: #262626; color: #bdbdbd; border-top: 1px solid #1a1a1a; }
QMenuBar { background: #262626; color: #d2d2d2; }
QMenuBar::item:selected, QMenu::item:selected { background: #4a4a4a; }
QMenu { background: #2a2a2a; color: #d7d7d7; border: 1px solid #1a1a1a; }
QMenu::separator { height: 1px; background: #3c3c3c; margin: 4px 8px; }
QSplitter::handle { background: #1e1e1e; }
QToolTip { background: #1c1c1c; color: #e0e0e0; border: 1px solid #444444; }
"""


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the neutral dark palette and style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, level in _PALETTE.items():
        palette.setColor(role, QColor(level, level, level))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(110, 110, 110))
    app.setPalette(palette)
    app.setStyleSheet(STYLE)


def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon if it is missing)."""
    return QIcon(str(ICONS / f"{name}.svg"))
