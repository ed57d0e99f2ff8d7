"""The editor's error log: every unexpected error, with its traceback, in one file a person
can send (``keyhue.log`` in the application's data folder).

Problems the user can fix (``colorcore.errors.InputError``) are shown in dialogs and not
logged as errors; anything else is a bug and lands here, and the dialog names the file.
"""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "keyhue.log"
_logger = logging.getLogger("keyhue")
_handler: logging.Handler | None = None
_path: Path | None = None


def install(folder: Path) -> Path:
    """Log to ``folder``/keyhue.log (at most about 2 MB, one old copy kept); returns the file."""
    global _handler, _path
    folder = Path(folder)
    path = folder / LOG_NAME
    if _path == path:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    if _handler is not None:
        _logger.removeHandler(_handler)
        _handler.close()
    _handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=1, encoding="utf-8")
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _logger.addHandler(_handler)
    _logger.setLevel(logging.INFO)
    _path = path
    return path


def log_path() -> Path | None:
    """The log file, or None before :func:`install`."""
    return _path


def log_error(context: str, details: str) -> None:
    """Record an unexpected error: ``context`` (what was being done) and its traceback text."""
    _logger.error("%s\n%s", context, details.rstrip())
    if _handler is not None:
        _handler.flush()


def log_warning(message: str) -> None:
    """Record an engine warning shown to the person."""
    _logger.warning("%s", message)


def install_excepthook(report) -> None:
    """Route exceptions that escape Qt slots to the log and to ``report(message)``, instead
    of ending the editor (PySide6 would only print them)."""

    def hook(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        log_error("uncaught exception", text)
        try:
            report(f"{kind.__name__}: {value}")
        except Exception:  # the report itself must never take the editor down
            sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook
