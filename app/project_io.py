"""Loading a project file so that a damaged one is refused, never crashed on.

``colorcore`` validates projects and raises InputError naming the field; anything else a
damaged file provokes (a wrong type deep inside, a number too large) is turned into an
InputError here too, so the editor shows a dialog and keeps running, and the case is
written to the error log for the engine to learn from.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from colorcore.errors import InputError
from colorcore.guidance.project import Project
from keyhue import errorlog


def load_project(path: str | Path) -> Project:
    """``Project.load(path)``.

    Raises:
        InputError: the file cannot be read or is not a valid project (one line).
    """
    try:
        return Project.load(path)
    except InputError:
        raise
    except RecursionError:
        raise InputError(f"'{Path(path).name}' is not a valid Keyhue project (nested too deeply)") from None
    except Exception as exc:
        errorlog.log_error(f"loading the project {path} failed", traceback.format_exc())
        raise InputError(f"'{Path(path).name}' is damaged and cannot be opened ({type(exc).__name__}: {exc})") from None
