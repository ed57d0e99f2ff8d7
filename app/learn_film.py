""" "Learn this film": the deep network adapted to the project's keyframes, in a worker thread.

The adapted weights are kept beside the saved project
(:func:`colorcore.solvers.deep.adapt.project_network`), so the next propagation or
export reuses them instead of training again.
"""

from __future__ import annotations

import copy
import threading

from PySide6.QtCore import QThread, Signal

from colorcore.errors import CancelledError, InputError


class LearnFilmWorker(QThread):
    """Adapts the network to a snapshot of ``project`` for ``steps`` steps.

    Signals:
        progress(float): fraction done, 0..1.
        done(str, str): outcome ("finished", "cancelled" or "failed") and a one-line
            message (the summary, or the reason of a failure).
    """

    progress = Signal(float)
    done = Signal(str, str)

    def __init__(self, project, clip, steps: int, parent=None):
        super().__init__(parent)
        self.project = copy.deepcopy(project)
        self.project.settings["adapt"] = steps
        self.clip = clip
        self.steps = steps
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop at the next training step; nothing is kept."""
        self._cancel.set()

    def run(self):
        from colorcore.solvers.deep.adapt import project_network

        lines = []
        try:
            project_network(
                self.project,
                self.clip,
                self.steps,
                device=self.project.settings.get("device", "auto"),
                progress=self.progress.emit,
                cancel=self._cancel.is_set,
                log=lines.append,
            )
        except CancelledError:
            self.done.emit("cancelled", "")
            return
        except InputError as exc:
            self.done.emit("failed", str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown in a dialog; the editor keeps running
            self.done.emit("failed", f"{type(exc).__name__}: {exc}")
            return
        self.done.emit("finished", lines[-1] if lines else "")
