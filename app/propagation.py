"""Worker threads over the clip: propagation (``colorcore.render.project_frames``) and
shot-cut detection.

The worker reports each finished frame with its quality values, so the timeline, the
quality plot and the picture update while the rest of the clip is still being coloured.
Cancelling stops it between frames; frames already delivered stay valid.
"""

from __future__ import annotations

import copy
import threading

from PySide6.QtCore import QThread, Signal

from colorcore.errors import CancelledError, InputError
from colorcore.render import project_frames
from colorcore.video.shots import find_cuts
from keyhue.quality_plot import frame_metrics


class PropagationWorker(QThread):
    """Colours ``frames`` of ``clip`` from a snapshot of ``project``.

    Signals:
        frameDone(int, object, float, float): frame index, HxWx3 RGB (clip dtype),
            colourfulness and change from the previous frame (NaN for the first).
        progress(float): fraction done, 0..1.
        done(str, str): outcome ("finished", "cancelled" or "failed") and, for a failure,
            a one-line reason.
    """

    frameDone = Signal(int, object, float, float)
    progress = Signal(float)
    done = Signal(str, str)

    def __init__(self, project, clip, frames: range | None = None, parent=None):
        super().__init__(parent)
        # A deep copy: the archivist keeps editing while this runs.
        self.project = copy.deepcopy(project)
        self.clip = clip
        self.frames = frames
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the worker to stop after the frame in hand."""
        self._cancel.set()

    def run(self):
        previous = None
        try:
            for index, rgb in project_frames(
                self.project, self.clip, self.frames, self.progress.emit, self._cancel.is_set
            ):
                colourfulness, change, previous = frame_metrics(rgb, previous)
                self.frameDone.emit(index, rgb, colourfulness, change)
        except CancelledError:
            self.done.emit("cancelled", "")
            return
        except InputError as exc:
            self.done.emit("failed", str(exc))
            return
        except Exception as exc:
            self.done.emit("failed", f"{type(exc).__name__}: {exc}")
            return
        self.done.emit("finished", "")


class CutFinder(QThread):
    """Finds the shot cuts of a clip in the background (``colorcore.shots.find_cuts``).

    Signals:
        found(list): the frames that start a new shot, once the whole clip is scanned.
    """

    found = Signal(list)

    def __init__(self, clip, parent=None):
        super().__init__(parent)
        self.clip = clip
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop scanning soon; nothing is reported."""
        self._cancel.set()

    def run(self):
        try:
            cuts = find_cuts(self.clip, cancel=self._cancel.is_set)
        except (CancelledError, InputError):
            return  # cancelled, or a damaged frame: the timeline simply shows no cuts
        self.found.emit(cuts)
