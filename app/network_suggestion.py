"""The deep network's colour suggestion for the picker, worked out off the UI thread.

The picker offers the chroma the network predicts at the clicked point
(:func:`colorcore.video.propagate.network_chroma`: the current frame with its strokes,
reference and exemplars), from the network adapted to this film when the project has one
(:func:`colorcore.solvers.deep.adapt.network_at_hand`, which never trains), else from the
project's or the shipped base weights. The prediction for a frame is made once on a
:class:`keyhue.workers.Worker` and kept, keyed by everything it depends on (the frame's
pixels, its guidance, the network), so later clicks on that frame are instant and any
edit makes a new one. Without torch or without the weights file there is no network
suggestion, and no error.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from colorcore.colorspace import compose
from keyhue.workers import Task, Worker

#: Placeholder label of the network's suggestion in the picker while it is predicted.
LABEL = "Network"
#: Label once it is known that the network was adapted to this film.
ADAPTED_LABEL = "Network (this film)"
#: What the suggestion is, for its button's tooltip.
TIP = (
    "What the deep network predicts here for this frame with its strokes, reference and "
    "exemplars (the median of 5x5 pixels), at this pixel's brightness"
)
#: Half size of the window whose median chroma is the suggestion (5x5 pixels): one odd
#: pixel on an edge does not decide it.
RADIUS = 2
#: Frames whose prediction is kept (HxWx2 float32 each).
KEEP = 4


def network_usable(project) -> bool:
    """True when the picker can ask the network: torch is installed and the weights file
    the project names (the shipped base weights when it names none) exists."""
    from colorcore.solvers.deep import torch_installed
    from colorcore.solvers.deep.weights import BASE_WEIGHTS

    weights = project.settings.get("weights")
    return torch_installed() and Path(weights or BASE_WEIGHTS).is_file()


def suggestion_at(chroma: np.ndarray, luma: float, x: int, y: int) -> tuple[float, float, float]:
    """The colour suggested at pixel (x, y): the median chroma of the RADIUS window of
    ``chroma`` (HxWx2 float YIQ) around it, composed at ``luma`` (0..1). Returns r, g, b 0..1."""
    window = chroma[max(y - RADIUS, 0) : y + RADIUS + 1, max(x - RADIUS, 0) : x + RADIUS + 1]
    median = np.median(window.reshape(-1, 2), axis=0)
    rgb = compose(np.full((1, 1), float(luma)), median.reshape(1, 1, 2), dtype=np.uint8)[0, 0]
    return tuple(float(v) / 255 for v in rgb)


def _key(grey: np.ndarray, project, frame: int) -> str:
    """A digest of what the frame's prediction depends on."""
    guidance = project.guidance()
    digest = hashlib.sha256(np.ascontiguousarray(grey).tobytes())
    hints = guidance.hints.for_frame(frame).to_dict() if guidance.hints is not None else None
    settings = {k: project.settings.get(k) for k in ("weights", "adapt", "device")}
    digest.update(json.dumps([frame, hints, settings], sort_keys=True, default=str).encode())
    reference = guidance.reference_at(frame)
    if reference is not None:
        digest.update(np.ascontiguousarray(reference.rgb).tobytes())
    for exemplar in guidance.exemplars:
        if exemplar.applies_to(frame):
            digest.update(str(exemplar.frames).encode() + np.ascontiguousarray(exemplar.rgb).tobytes())
    if project.path is not None:  # adapted weights kept beside the project, as they are now
        from colorcore.solvers.deep.adapt import adapted_path

        kept = adapted_path(project.path)
        digest.update(str(kept.stat().st_mtime_ns if kept.is_file() else None).encode())
    return digest.hexdigest()


def network_snapshot(project):
    """A copy of ``project`` for a background worker that picks and runs the network: its
    own settings, strokes and lists (the UI edits them while the worker reads), sharing
    the pixels of references and exemplars (frozen, never changed in place) rather than
    copying megabytes on every preview request."""
    return dataclasses.replace(
        project,
        hints=copy.deepcopy(project.hints),
        references=list(project.references),
        exemplars=list(project.exemplars),
        settings=copy.deepcopy(project.settings),
        grades=list(project.grades),
        palette=dict(project.palette),
    )


def network_now(project) -> tuple[object, bool]:
    """The network a quick look (the picker, the keyframe preview) uses now, never training:
    (a :class:`colorcore.solvers.deep.infer.DeepSolver`, True when it is adapted to this
    film). Loaded once and kept (:func:`colorcore.solvers.deep.adapt.solver_at_hand`):
    repeated previews reuse it, new adapted weights are picked up. Run it off the UI
    thread: the first call imports torch and reads weights."""
    from colorcore.solvers.deep.adapt import solver_at_hand

    return solver_at_hand(project)


def _predict(task: Task, grey: np.ndarray, project, frame: int) -> tuple[np.ndarray, bool]:
    """(HxWx2 float32 chroma the network predicts for ``frame``, True when the network is
    adapted to this film); run by a :class:`Worker`."""
    from colorcore.video.propagate import network_chroma

    network, adapted = network_now(project)
    task.check_cancel()
    device = project.settings.get("device", "auto")
    return network_chroma(grey, project.guidance(), frame, network=network, device=device), adapted


class NetworkSuggestions(QObject):
    """The network's predictions per frame for the picker: kept, or worked out in the background.

    Signals:
        ready(str, object, bool): key, HxWx2 float32 chroma (None when the network could
            not run; a bug is in the error log), and True when adapted to this film.
    """

    ready = Signal(str, object, bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._kept: OrderedDict[str, tuple[np.ndarray, bool]] = OrderedDict()
        self._workers: dict[str, Worker] = {}

    def key(self, grey: np.ndarray, project, frame: int) -> str:
        """The key of frame ``frame``'s prediction (``grey``: its HxW uint8/uint16 luma)."""
        return _key(grey, project, frame)

    def kept(self, key: str) -> tuple[np.ndarray, bool] | None:
        """(chroma, adapted) already predicted for ``key``, or None."""
        return self._kept.get(key)

    def request(self, key: str, grey: np.ndarray, project, frame: int) -> None:
        """Predict frame ``frame`` from a snapshot of ``project`` in the background (once per
        key); ``ready`` follows."""
        if key in self._kept or key in self._workers:
            return
        worker = Worker(_predict, grey.copy(), network_snapshot(project), frame, name="network suggestion", parent=self)
        worker.finished.connect(lambda value: self._done(key, *value))
        worker.failed.connect(lambda message, details: self.ready.emit(key, None, False))
        worker.ended.connect(lambda: self._workers.pop(key, None))
        self._workers[key] = worker
        worker.start()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every prediction under way ended (for tests and closing)."""
        return all(worker.wait(msecs) for worker in list(self._workers.values()))

    def _done(self, key: str, chroma: np.ndarray, adapted: bool) -> None:
        self._kept[key] = (chroma, adapted)
        while len(self._kept) > KEEP:
            self._kept.popitem(last=False)
        self.ready.emit(key, chroma, adapted)


class Delivery(QObject):
    """Fills one picker's network placeholder when its prediction is ready (a child of the
    picker, so a closed picker gets nothing)."""

    def __init__(self, picker, key: str, x: int, y: int):
        super().__init__(picker)
        self.picker, self.key, self.x, self.y = picker, key, x, y

    def deliver(self, key: str, chroma, adapted: bool) -> None:
        """Slot of :attr:`NetworkSuggestions.ready`."""
        if key != self.key:
            return
        if chroma is None:
            self.picker.drop_suggestion(LABEL)
        else:
            colour = suggestion_at(chroma, self.picker.luma, self.x, self.y)
            self.picker.fill_suggestion(LABEL, colour, ADAPTED_LABEL if adapted else LABEL)
