"""Export in the background: frames from a factory, written by colorcore's atomic writers.

``ExportJob`` runs on the editor's worker pattern and reports through signals; the window stays
responsive and Cancel is honoured between frames. The output appears only when complete:
on failure or cancel the writer is aborted and nothing is left at the target (an output
that was there before is kept).

``FarmExportJob`` is the same job rendered by the farm (:func:`colorcore.farm.render_distributed`)
on a local Ray cluster of several worker processes started for the export and shut down
after it (a few seconds of start-up each time): the same frames, the same signals, and
Cancel stops the cluster's tasks (the farm's cooperative stop). Units (runs between
keyframes) whose frames are all propagated are not rendered again: the farm takes them
from the editor's result cache, in frame order.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from colorcore.errors import InputError
from colorcore.farm.job import FarmProgress
from colorcore.media import Clip, FrameWriter, open_clip, output_kind
from colorcore.render import open_output
from keyhue.export_dialog import FORMATS_BY_KEY, ExportSettings
from keyhue.workers import Task, Worker

log = logging.getLogger(__name__)

#: frames_factory(frames, progress, cancel) -> iterator of (frame index, HxWx3 RGB).
FramesFactory = Callable[[range, Callable[[float], None], Callable[[], bool]], Iterator[tuple[int, np.ndarray]]]


def _disk_full(folder: Path) -> str:
    return f"The disk holding '{folder}' is full. Free some space or export to another drive."


def _read_only(folder: Path) -> str:
    return f"Cannot write in '{folder}': the folder is read-only. Choose a folder you can write to."


def describe_os_error(exc: OSError, target: Path) -> str:
    """A one-line message for a failed write to ``target``, saying what to do."""
    folder = target.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _disk_full(folder)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _read_only(folder)
    reason = exc.strerror or str(exc)
    return f"Cannot write '{target}': {reason}. Check the drive and try again."


def describe_input_error(exc: InputError, target: Path) -> str:
    """The engine's one-line message, replaced by one that says what to do when the
    folder of ``target`` turns out to be read-only or its disk full."""
    folder = target.parent
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return _read_only(folder)
    try:
        if shutil.disk_usage(folder).free < _NEARLY_FULL:
            return _disk_full(folder)
    except OSError:
        pass
    return str(exc)


# Free bytes under which a failed write is put down to a full disk.
_NEARLY_FULL = 1 << 20


def _convert(rgb: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``rgb`` in ``dtype`` (uint8 <-> uint16 by exact level scaling)."""
    if rgb.dtype == dtype:
        return rgb
    if dtype == np.uint16:
        return rgb.astype(np.uint16) * 257
    return ((rgb.astype(np.uint32) + 128) // 257).astype(np.uint8)


class ExportJob(QObject):
    """Writes ``settings.frames`` of a clip to ``settings.path``, on the editor's worker
    pattern (:class:`keyhue.workers.Worker`).

    Args:
        settings: what to export (ExportSettings from the export dialog).
        clip: the source Clip, or its path (opened, and closed again, by the job). It gives
            the frame rate, size and bit depth, and the audio when ``settings.audio``.
        frames_factory: ``frames_factory(frames, progress, cancel)`` yields
            ``(i, rgb)`` for every i of ``frames`` in increasing order, rgb HxWx3 uint8 or
            uint16 of the clip's size; it may call ``progress(fraction 0..1)`` and should
            raise colorcore.errors.CancelledError soon after ``cancel()`` returns True
            (as colorcore.propagate.colorize_clip does). It runs on the worker thread.

    Bit depth: 16-bit TIFF sequences are 16 bits; other formats keep the clip's depth
    (ProRes stores 10 of 16, H.264 8).

    Signals (delivered on the thread that created the job, the GUI thread):
        progress(done, total): frames written so far, of total.
        figures(FarmProgress): frames done, total, frames/s and seconds left (as the farm
            reports them), with each progress step.
        finished(path): the output is complete at ``path``.
        failed(message): a one-line message that says what happened and what to do.
        cancelled(): cancel() was honoured; nothing was written.
        warning(message): an engine warning raised while the frames were made.
    Exactly one of finished, failed, cancelled is emitted per run.

    Use ``start()`` to run on a worker thread (``wait()`` joins it), or ``run()`` to
    export on the calling thread.
    """

    progress = Signal(int, int)
    figures = Signal(object)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    warning = Signal(str)

    #: Worker processes rendering the frames (1: this process).
    workers = 1

    def __init__(self, settings: ExportSettings, clip: Clip | str | os.PathLike, frames_factory: FramesFactory | None):
        super().__init__()
        self.settings = settings
        self._clip_or_path = clip
        self._factory = frames_factory
        self._done = 0
        self._began = 0.0
        self.worker = Worker(self._export, name="export", parent=self)
        self.worker.progressed.connect(self.progress)
        self.worker.result.connect(self.figures)
        self.worker.warning.connect(self.warning)
        self.worker.finished.connect(lambda path: self.finished.emit(path))
        self.worker.cancelled.connect(lambda: self.cancelled.emit())
        self.worker.failed.connect(self._failed)

    def cancel(self) -> None:
        """Ask the job to stop; it emits ``cancelled`` once it has cleaned up. Thread-safe."""
        self.worker.cancel()

    def is_cancelled(self) -> bool:
        """True once cancel() was called."""
        return self.worker.task.cancelled()

    def start(self) -> None:
        """Run on a worker thread; the signals arrive on the calling (GUI) thread."""
        self.worker.start()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker thread started by ``start()`` ends; False on timeout."""
        return self.worker.wait(msecs)

    @Slot()
    def run(self) -> None:
        """Export now, on the calling thread; ends with one of the three result signals."""
        self.worker.run_here()

    def _failed(self, message: str, details: str) -> None:
        self.failed.emit(f"Export failed: {message}. Nothing was written." if details else message)

    def _export(self, task: Task) -> str:
        """The export (on the worker thread); returns the output's path."""
        settings = self.settings
        owned = not isinstance(self._clip_or_path, Clip)
        writer: FrameWriter | None = None
        try:
            clip = open_clip(self._clip_or_path) if owned else self._clip_or_path
            try:
                writer = self._open_writer(clip)
                self._write_all(writer, task)
                writer.close()
                writer = None
            finally:
                if owned:
                    clip.close()
        except InputError as exc:
            raise InputError(describe_input_error(exc, settings.path)) from exc
        except OSError as exc:
            raise InputError(describe_os_error(exc, settings.path)) from exc
        finally:
            self._abort(writer)
        return str(settings.path)

    def _abort(self, writer: FrameWriter | None) -> None:
        if writer is not None:
            try:
                writer.abort()
            except OSError:
                log.exception("could not remove the partial output of %s", self.settings.path)

    def _open_writer(self, clip: Clip) -> FrameWriter:
        settings = self.settings
        fmt = FORMATS_BY_KEY[settings.format]
        if not 0 <= settings.start < settings.stop <= len(clip):
            raise InputError(f"frames {settings.start}..{settings.stop - 1} are outside the clip's 0..{len(clip) - 1}")
        if output_kind(settings.path) != fmt.kind:
            raise InputError(f"'{settings.path.name}' does not suit the format '{fmt.label}'")
        return open_output(
            settings.path,
            clip,
            span=settings.frames,
            audio=settings.audio and not fmt.is_sequence,
            overwrite=settings.overwrite,
            image_format="tiff" if settings.format == "tiff" else "png",
        )

    def _report(self, task: Task, done: float) -> None:
        # Monotonic, and only on whole-frame steps: the factory's fraction and the
        # written count both feed it.
        total = len(self.settings.frames)
        done = min(int(done), total)
        if done > self._done:
            self._done = done
            task.progress(done, total)
            rate = done / max(time.monotonic() - self._began, 1e-9)
            task.emit(FarmProgress(done, total, rate, (total - done) / rate))

    def _write_all(self, writer: FrameWriter, task: Task) -> None:
        frames = self.settings.frames
        total = len(frames)
        self._done = 0
        self._began = time.monotonic()
        task.progress(0, total)
        expected = iter(frames)
        written = 0
        assert self._factory is not None
        for i, rgb in self._factory(frames, lambda f: self._report(task, f * total), task.cancelled):
            task.check_cancel()
            if i != next(expected, None):
                raise RuntimeError(f"frames came out of order: got frame {i}")
            writer.write(_convert(np.asarray(rgb), writer.dtype))
            written += 1
            self._report(task, written)
        task.check_cancel()
        if written != total:
            raise RuntimeError(f"only {written} of {total} frames were produced")


class FarmExportJob(ExportJob):
    """An :class:`ExportJob` whose frames the farm renders on ``workers`` local worker
    processes (:func:`colorcore.farm.render_distributed`: a local Ray cluster started for
    this export and shut down after it; its start-up takes seconds, during which Cancel
    waits). The frames are the serial export's (the farm's output equals the serial render).
    A unit whose frames are all in ``cached`` is not rendered: the farm's driver reads
    them from there (one at a time, in frame order) and grades them as its tasks do.

    Args:
        settings: what to export.
        project: a snapshot of the project (not edited while the job runs).
        workers: worker processes, > 1.
        cached: propagated frames for the snapshot's guidance: their indices, and a
            ``read(frame)`` giving the ungraded frame (HxWx3 of the clip's dtype) or None.

    Attributes:
        farm_job: the farm's :class:`colorcore.farm.job.OutputJob` once the export ran
            (``units_rendered`` of ``len(units)`` were rendered by the workers).
    """

    def __init__(self, settings: ExportSettings, project, workers: int, cached=None):
        super().__init__(settings, project.media.path, None)
        self.project = project
        self.workers = int(workers)
        self.cached = cached
        self.farm_job = None

    def _export(self, task: Task) -> str:
        from colorcore.farm.api import project_job, run_job

        settings = self.settings
        fmt = FORMATS_BY_KEY[settings.format]
        if output_kind(settings.path) != fmt.kind:
            raise InputError(f"'{settings.path.name}' does not suit the format '{fmt.label}'")
        self.project.settings["image_format"] = "tiff" if settings.format == "tiff" else "png"
        task.progress(0, len(settings.frames))

        def progress(figures: FarmProgress) -> None:
            task.progress(figures.done, figures.total)
            task.emit(figures)

        try:
            self.farm_job = job = project_job(
                self.project,
                settings.path,
                frames=settings.frames,
                audio=settings.audio and not fmt.is_sequence,
                overwrite=settings.overwrite,
            )
            job.cached = self.cached
            path = run_job(job, workers=self.workers, progress=progress, cancel=task.cancelled)
        except InputError as exc:
            raise InputError(describe_input_error(exc, settings.path)) from exc
        except OSError as exc:
            raise InputError(describe_os_error(exc, settings.path)) from exc
        return str(path)


def describe_figures(figures: FarmProgress) -> str:
    """``12 of 20 frames, 6.5 frames/s, 0:02 left`` (the time once a rate is known)."""
    text = f"{figures.done} of {figures.total} frames"
    if figures.frames_per_second > 0:
        text += f", {figures.frames_per_second:.1f} frames/s"
    if figures.seconds_left is not None:
        seconds = round(figures.seconds_left)
        text += f", {seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d} left"
    return text


class ExportProgressDialog(QProgressDialog):
    """A modal progress dialog for an ExportJob: Cancel cancels it; a failure is shown in a
    message box; it closes when the job ends."""

    def __init__(self, job: ExportJob, parent: QWidget | None = None):
        total = len(job.settings.frames)
        super().__init__(f"Exporting to {job.settings.path.name}…", "Cancel", 0, total, parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(420)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.job = job
        self.message: str | None = None
        if job.workers > 1:
            self.setLabelText(f"Starting {job.workers} local workers to export {job.settings.path.name}…")
        self.canceled.connect(self._cancel)
        job.progress.connect(self._progress)
        job.figures.connect(self._figures)
        job.finished.connect(self._finished)
        job.failed.connect(self._failed)
        job.cancelled.connect(self.close)

    def _cancel(self) -> None:
        self.setLabelText("Cancelling…")
        self.job.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.setMaximum(total)
        self.setValue(done)

    def _figures(self, figures: FarmProgress) -> None:
        if not self.job.is_cancelled():
            on = f" on {self.job.workers} workers" if self.job.workers > 1 else ""
            self.setLabelText(f"Exporting to {self.job.settings.path.name}{on}: {describe_figures(figures)}")

    def _finished(self, path: str) -> None:
        self.message = f"Exported to {path}"
        self.close()

    def _failed(self, message: str) -> None:
        self.message = message
        self.close()
        QMessageBox.warning(self.parentWidget(), "Export failed", message)
