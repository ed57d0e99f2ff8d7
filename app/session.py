"""The editing session as a Qt-free model: what is open and what is known about each frame.

:class:`Session` holds the open clip, the :class:`keyhue.document.Document` (project and
undo stack), the current frame, the frames' colour results (keyframe previews and
propagated frames) and their states, and the shot cuts. Widgets listen to its events and
draw; the window turns user input into calls here. No widget code: it is tested without
a window.

Staleness: an edit can change only the frames between the keyframes around it in its
shot (colour never crosses a cut, and a keyframe is solved from its own hints), so only
those are marked stale (:meth:`Session.affected_frames`) and Propagate recomputes only
frames that are not propagated (:meth:`Session.runs_to_propagate`).
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np

import colorcore
from keyhue.events import Event
from keyhue.result_cache import ResultCache
from keyhue.timeline_model import FrameState


def fingerprint(project) -> str:
    """A hash of everything that decides a project's frames' colours (its guidance,
    settings and media identity, and the engine's version: frames kept by another Keyhue
    may differ from what this one renders); equal fingerprints give equal propagations."""
    text = f"colorcore {colorcore.__version__}\n{project.to_json(None)}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Session:
    """The open clip and project, and the state of each frame.

    Events:
        opened(): a clip and project were installed.
        frame_changed(int): the current frame changed.
        states_changed(list | None): these frames' states changed (None: all).
        colour_changed(int): a frame's colour result (preview or propagated) changed.
        cuts_changed(list): the shot cuts are known.
    """

    def __init__(self, results: ResultCache | None = None):
        self.clip = None
        self.document = None
        self.frame = -1
        self.results = results or ResultCache()
        self.previews: dict[int, np.ndarray] = {}  # keyframes solved alone
        self.states = np.zeros(0, np.int8)  # FrameState values
        self.cuts: list[int] = []
        self.opened = Event()
        self.frame_changed = Event()
        self.states_changed = Event()
        self.colour_changed = Event()
        self.cuts_changed = Event()

    # -- opening ----------------------------------------------------------------------

    def open(self, document, clip, results: ResultCache) -> None:
        """Install ``document`` on ``clip``; ``results`` holds its cached frames, whose
        saved index is reloaded when the project's fingerprint still matches."""
        self.results.close()
        self.document, self.clip, self.results = document, clip, results
        self.previews = {}
        self.cuts = []
        self.frame = -1
        self.states = np.zeros(len(clip), np.int8)
        propagated, stale = results.load_index(fingerprint(document.project))
        for frame in propagated:
            if 0 <= frame < len(clip):
                self.states[frame] = FrameState.PROPAGATED.value
        for frame in stale:
            if 0 <= frame < len(clip):
                self.states[frame] = FrameState.STALE.value
        keep = set(propagated) | set(stale)
        self.results.discard([f for f in results.frames() if f not in keep])
        self.opened.emit()

    def save_index(self) -> None:
        """Record the propagated frames beside their files, for the next session."""
        if self.document is None:
            return
        self.results.save_index(
            fingerprint(self.document.project), self.frames_in(FrameState.PROPAGATED), self.frames_in(FrameState.STALE)
        )

    def close(self) -> None:
        """Record the index and release the results (their files stay)."""
        self.save_index()
        self.results.close()

    # -- frames -----------------------------------------------------------------------

    def set_frame(self, frame: int) -> None:
        """Make ``frame`` current (no check; the window clamps)."""
        if frame != self.frame:
            self.frame = frame
            self.frame_changed.emit(frame)

    def keyframes(self) -> list[int]:
        """Frames with strokes or an aligned reference, sorted."""
        return self.document.project.keyframes() if self.document is not None else []

    def colour(self, frame: int) -> np.ndarray | None:
        """``frame``'s colour: its keyframe preview, else its propagated result, else None."""
        rgb = self.previews.get(frame)
        return rgb if rgb is not None else self.results.get(frame)

    def set_preview(self, frame: int, rgb: np.ndarray | None) -> None:
        """A keyframe's solved preview (None: it has none)."""
        if rgb is None:
            self.previews.pop(frame, None)
        else:
            self.previews[frame] = rgb
        self.colour_changed.emit(frame)

    def frame_propagated(self, frame: int, current: bool) -> None:
        """``frame``'s result is in the cache; ``current`` is False when the guidance was
        edited while it was being computed (it is then stale at once)."""
        if 0 <= frame < len(self.states):
            self.states[frame] = (FrameState.PROPAGATED if current else FrameState.STALE).value
            self.states_changed.emit([frame])
            self.colour_changed.emit(frame)

    def state(self, frame: int) -> FrameState:
        """The state of ``frame``."""
        return FrameState(int(self.states[frame]))

    def frames_in(self, state: FrameState) -> list[int]:
        """Frames in ``state``, increasing."""
        return [int(f) for f in np.flatnonzero(self.states == state.value)]

    # -- shots and staleness ----------------------------------------------------------

    def set_cuts(self, cuts: list[int]) -> None:
        """The frames that start a shot (from the cut detector)."""
        self.cuts = sorted(int(c) for c in cuts if 0 < c < len(self.states))
        self.cuts_changed.emit(list(self.cuts))

    def shots(self) -> list[tuple[int, int]]:
        """Every shot as (start, stop), stop exclusive."""
        bounds = [0, *self.cuts, len(self.states)]
        return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]

    def shot_range(self, frame: int) -> tuple[int, int]:
        """(start, stop) of the shot holding ``frame``."""
        for start, stop in self.shots():
            if start <= frame < stop:
                return start, stop
        return 0, len(self.states)

    def affected_frames(self, frames: list[int]) -> list[int]:
        """The frames whose colour an edit of ``frames``' guidance can change (empty
        ``frames``: an edit concerning every frame, such as an exemplar or a setting).

        Within the edited frame's shot, the run from just after the keyframe before it to
        just before the keyframe after it (the shot's ends when there is none)."""
        if not frames:
            return list(range(len(self.states)))
        keys = set(self.keyframes())
        affected: set[int] = set()
        for f in frames:
            start, stop = self.shot_range(f)
            before = [k for k in keys if start <= k < f]
            after = [k for k in keys if f < k < stop]
            low = max(before) + 1 if before else start
            high = min(after) if after else stop
            affected.update(range(low, high))
        return sorted(affected)

    def guidance_edited(self, frames: list[int]) -> list[int]:
        """After an edit of ``frames`` (see :meth:`affected_frames`): drop their previews,
        mark the propagated frames it affects stale; returns those frames."""
        for frame in frames:
            self.previews.pop(frame, None)
        affected = [f for f in self.affected_frames(frames) if self.states[f] == FrameState.PROPAGATED.value]
        if affected:
            self.states[affected] = FrameState.STALE.value
            self.states_changed.emit(affected)
        return affected

    def runs_to_propagate(self) -> list[range]:
        """The runs of consecutive frames that are not propagated (pending or stale)."""
        todo = np.flatnonzero(self.states != FrameState.PROPAGATED.value)
        if len(todo) == 0:
            return []
        breaks = np.flatnonzero(np.diff(todo) > 1)
        starts = [todo[0], *todo[breaks + 1]]
        stops = [*todo[breaks], todo[-1]]
        return [range(int(a), int(b) + 1) for a, b in zip(starts, stops)]
