"""Export in the background: frames from a factory, written by colorcore's atomic writers.

``ExportJob`` runs on the editor's worker pattern and reports through signals; the window stays
responsive and Cancel is honoured between frames. The output appears only when complete:
on failure or cancel the writer is aborted and nothing is left at the target (an output
that was there before is kept).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from colorcore.errors import InputError
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
        finished(path): the output is complete at ``path``.
        failed(message): a one-line message that says what happened and what to do.
        cancelled(): cancel() was honoured; nothing was written.
        warning(message): an engine warning raised while the frames were made.
    Exactly one of finished, failed, cancelled is emitted per run.

    Use ``start()`` to run on a worker thread (``wait()`` joins it), or ``run()`` to
    export on the calling thread.
    """

    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    warning = Signal(str)

    def __init__(self, settings: ExportSettings, clip: Clip | str | os.PathLike, frames_factory: FramesFactory):
        super().__init__()
        self.settings = settings
        self._clip_or_path = clip
        self._factory = frames_factory
        self._done = 0
        self.worker = Worker(self._export, name="export", parent=self)
        self.worker.progressed.connect(self.progress)
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

    def _write_all(self, writer: FrameWriter, task: Task) -> None:
        frames = self.settings.frames
        total = len(frames)
        self._done = 0
        task.progress(0, total)
        expected = iter(frames)
        written = 0
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
        self.canceled.connect(self._cancel)
        job.progress.connect(self._progress)
        job.finished.connect(self._finished)
        job.failed.connect(self._failed)
        job.cancelled.connect(self.close)

    def _cancel(self) -> None:
        self.setLabelText("Cancelling…")
        self.job.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.setMaximum(total)
        self.setValue(done)
        self.setLabelText(f"Exporting frame {done} of {total} to {self.job.settings.path.name}…")

    def _finished(self, path: str) -> None:
        self.message = f"Exported to {path}"
        self.close()

    def _failed(self, message: str) -> None:
        self.message = message
        self.close()
        QMessageBox.warning(self.parentWidget(), "Export failed", message)
