"""Work over the whole clip for :class:`keyhue.workers.Worker`: propagation and shot cuts.

Propagated frames are cached ungraded; the window grades them for display and export
with :func:`colorcore.grade.apply_grade`, so a grade never needs a new propagation.

:func:`propagate_runs` colours the runs of frames that need it (``colorcore.render.
project_frames``, the export's code path) and hands each finished frame over with its
quality values, so the timeline, the quality plot and the picture update while the rest
is still being coloured; progress counts frames finished. Cancelling stops it between
frames; frames already delivered stay valid.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from colorcore.errors import InputError
from colorcore.render import project_frames
from colorcore.video.shots import find_cuts
from keyhue.quality_plot import frame_metrics
from keyhue.result_cache import ResultCache
from keyhue.workers import Task


@dataclass(frozen=True)
class FrameDone:
    """One propagated frame (its pixels are in the result cache already)."""

    frame: int
    colourfulness: float
    change: float  # colour change from the previous frame (NaN at a run's start)
    version: int  # the guidance version it was computed for


def propagate_runs(task: Task, project, clip, runs: list[range], results: ResultCache, version: int) -> int:
    """Colour ``runs`` of ``clip`` from a snapshot of ``project`` into ``results``.

    Emits a :class:`FrameDone` per frame (written to ``results`` first, on this worker
    thread, so the GUI thread never encodes) and reports progress as frames finished of
    all frames asked. Returns the number of frames coloured.
    """
    project = copy.deepcopy(project)  # the archivist keeps editing while this runs
    total = sum(len(r) for r in runs)
    done = 0
    task.progress(0, total)
    for run in runs:
        previous = None
        for index, rgb in project_frames(project, clip, run, None, task.cancelled, graded=False):
            colourfulness, change, previous = frame_metrics(rgb, previous)
            results.put(index, rgb)
            done += 1
            task.emit(FrameDone(index, colourfulness, change, version))
            task.progress(done, total)
            task.check_cancel()
    return done


def shot_cuts(task: Task, clip) -> list[int]:
    """The frames of ``clip`` that start a new shot (``colorcore.video.shots.find_cuts``);
    a damaged frame gives no cuts rather than an error."""
    try:
        return find_cuts(clip, cancel=task.cancelled)
    except InputError:
        return []
