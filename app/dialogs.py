"""Every message box the editor shows goes through here, so tests can intercept them.

Each function calls one static ``QMessageBox`` method (``warning`` or ``question``);
tests monkeypatch those two methods and read what would have been shown.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


def show_problem(parent: QWidget | None, title: str, what: str, todo: str) -> None:
    """A warning that says what happened (``what``, one line) and what to do (``todo``)."""
    QMessageBox.warning(parent, title, f"{what}\n\n{todo}")


def ask(parent: QWidget | None, title: str, text: str, buttons: Button, default: Button) -> Button:
    """A question with ``buttons``; returns the button pressed (Cancel/Escape as Cancel)."""
    return QMessageBox.question(parent, title, text, buttons, default)
