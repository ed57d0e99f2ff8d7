"""Work over the whole clip for :class:`keyhue.workers.Worker`: propagation and shot cuts.

Propagated frames are cached ungraded; the window grades them for display and export
with :func:`colorcore.grade.apply_grade`, so a grade never needs a new propagation.

:func:`propagate_runs` colours the runs of frames that need it (``colorcore.render.
project_frames``, the export's code path) and hands each finished frame over with its
quality values, so the timeline, the quality plot and the picture update while the rest
is still being coloured; progress counts frames finished. Cancelling stops it between
frames; frames already delivered stay valid. :func:`propagate_runs_on_workers` is the same
on local worker processes (the render farm), for long propagations.
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


#: Frames to colour from which Propagate uses local workers (when the Workers setting is
#: above 1): a local cluster takes 6-15 s to start, in which this process colours about
#: a hundred 854x480 frames itself, so a shorter propagation (re-colouring after an edit)
#: is quicker here.
FARM_MIN_FRAMES = 150


def propagate_runs_on_workers(
    task: Task, project, clip, runs: list[range], results: ResultCache, version: int, workers: int
) -> int:
    """:func:`propagate_runs` on a local Ray cluster of ``workers`` processes, started for
    this propagation and shut down after it (:func:`colorcore.farm.colorize_units_distributed`).

    The same frames (the farm equals the serial pass; its lossless PNGs at the clip's depth
    are read back exactly), handed over unit by unit (the runs between keyframes) in frame
    order instead of frame by frame: each goes into ``results`` and is emitted as a
    :class:`FrameDone` with its quality values. Progress follows the frames the workers
    finished; Cancel stops the cluster's tasks and keeps the frames handed over.
    Returns the number of frames coloured.
    """
    from colorcore.farm import colorize_units_distributed
    from colorcore.farm.cluster import connect
    from colorcore.media.images import read_image

    project = copy.deepcopy(project)
    total = sum(len(r) for r in runs)
    done = 0
    task.progress(0, total)
    results.folder.mkdir(parents=True, exist_ok=True)  # the staging goes there
    with connect(workers):  # one cluster for all runs
        for run in runs:
            previous = None

            def hand_over(frames: range, paths) -> None:
                nonlocal previous, done
                for index, path in zip(frames, paths):
                    rgb = read_image(path)
                    colourfulness, change, previous = frame_metrics(rgb, previous)
                    results.put(index, rgb)
                    done += 1
                    task.emit(FrameDone(index, colourfulness, change, version))

            offset = done
            colorize_units_distributed(
                clip.path,
                project.guidance(),
                run,
                hand_over,
                results.folder / "farm",
                solver=project.settings.get("solver", "fast"),
                device=project.settings.get("device", "auto"),
                progress=lambda figures, offset=offset: task.progress(offset + figures.done, total),
                cancel=task.cancelled,
            )
    return done


def shot_cuts(task: Task, clip) -> list[int]:
    """The frames of ``clip`` that start a new shot (``colorcore.video.shots.find_cuts``);
    a damaged frame gives no cuts rather than an error."""
    try:
        return find_cuts(clip, cancel=task.cancelled)
    except InputError:
        return []
