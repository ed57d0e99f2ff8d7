"""The editor's one background-worker pattern.

Every long job (propagation, export, preview solves, cut detection, thumbnails) is a
plain function ``fn(task, *args)`` run by a :class:`Worker` on its own thread. The
function talks back through its :class:`Task`:

- ``task.progress(done, total)``: frames finished so far (the bar follows frames, not
  guesses);
- ``task.emit(value)``: a partial result (e.g. one finished frame), delivered in order;
- ``task.cancelled()`` / ``task.check_cancel()``: cooperative cancellation;
- Python warnings raised on the worker thread (the engine's "frames 40..55 stay grey",
  "the fast solver did not converge") are caught and delivered as ``warning`` signals,
  and written to the error log.

The worker ends with exactly one of ``finished(return value)``, ``cancelled()`` or
``failed(message, traceback)``. ``colorcore.errors.InputError`` is the user's problem:
its one-line message and an empty traceback. Anything else is a bug: the message, the
traceback, and an entry in :mod:`keyhue.errorlog`. Signals are delivered on the thread
that created the worker (the GUI thread), so receivers may touch widgets.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import traceback
import warnings
from collections.abc import Callable

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QObject, Signal

from colorcore.errors import CancelledError, InputError
from keyhue import errorlog

_collector: GarbageCollector | None = None


def _collect_cycles_on_gui_thread() -> None:
    """From the first worker on, collect reference cycles only on the GUI thread.

    Python's cycle collector runs on whichever thread allocates past its threshold. When
    that is a worker and a cycle holds a widget (a closed dialog or window whose slots
    refer back to it), Qt destroys the widget off the GUI thread and crashes (seen as a
    segfault in QMenu's destructor). pyqtgraph's collector turns automatic collection off
    and collects on a GUI-thread timer instead (each second, by the same thresholds).
    """
    global _collector
    if _collector is None and threading.current_thread() is threading.main_thread():
        _collector = GarbageCollector(interval=1.0)
    elif _collector is not None and gc.isenabled():
        gc.disable()  # someone turned it back on (a test suite between its packages)


class Task:
    """What a worker function sees of its worker (thread-safe)."""

    def __init__(self, worker: Worker):
        self._worker = worker
        self._cancel = threading.Event()

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` units (frames) finished."""
        self._worker._signal("progressed", int(done), int(total))

    def emit(self, value) -> None:
        """Deliver a partial result to the ``result`` signal."""
        self._worker._signal("result", value)

    def cancel(self) -> None:
        """Ask the function to stop (it polls :meth:`cancelled`)."""
        self._cancel.set()

    def cancelled(self) -> bool:
        """True once cancel was asked."""
        return self._cancel.is_set()

    def check_cancel(self) -> None:
        """Raise CancelledError when cancel was asked."""
        if self._cancel.is_set():
            raise CancelledError("cancelled")


class _WarningRouter:
    """Sends warnings raised on a worker thread to that thread's worker; others go on as before.

    ``warnings.catch_warnings`` is process-wide and not thread-safe, so the router wraps
    ``warnings._showwarnmsg`` (what ``warnings.warn`` calls to show a warning that passed
    the filters) once, and looks up the current thread's worker.
    """

    def __init__(self) -> None:
        self.local = threading.local()
        self.original = warnings._showwarnmsg
        warnings._showwarnmsg = self._show

    def _show(self, message) -> None:
        worker = getattr(self.local, "worker", None)
        if worker is None:
            self.original(message)
            return
        text = str(message.message)
        errorlog.log_warning(f"{worker.name}: {text}")
        worker._signal("warning", text)


_router: _WarningRouter | None = None


def _warning_router() -> _WarningRouter:
    global _router
    if _router is None:
        _router = _WarningRouter()
        # Each engine warning names its frames: show every occurrence, not the first per line.
        warnings.filterwarnings("always", category=UserWarning, module=r"colorcore(\..*)?")
        warnings.filterwarnings("always", category=RuntimeWarning, module=r"colorcore(\..*)?")
    return _router


class Worker(QObject):
    """Runs ``fn(task, *args, **kwargs)`` on a thread of its own; see the module docstring.

    Args:
        fn: the work; its return value is delivered by ``finished``.
        name: what the work is, for warnings and the error log ("propagation").

    Signals:
        progressed(int, int): done, total.
        result(object): a partial result from ``task.emit``.
        warning(str): a warning raised during the work.
        finished(object): the function returned this.
        cancelled(): the function raised CancelledError.
        failed(str, str): a one-line message and, for a bug, the traceback ("" for InputError).
        ended(): after any of the three outcomes.
    """

    progressed = Signal(int, int)
    result = Signal(object)
    warning = Signal(str)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(str, str)
    ended = Signal()

    def __init__(self, fn: Callable, *args, name: str = "work", parent: QObject | None = None, **kwargs):
        super().__init__(parent)
        self.name = name
        self.task = Task(self)
        self._call = (fn, args, kwargs)
        self._thread: threading.Thread | None = None
        self.outcome: str | None = None  # "finished" | "cancelled" | "failed" once ended
        self.failure: tuple[str, str] = ("", "")  # (message, traceback) of a failure

    def start(self) -> None:
        """Start the work on a new thread (a daemon: a thumbnail being decoded or a solve
        nobody waits for never holds up quitting; the window cancels and joins the rest)."""
        _warning_router()
        _collect_cycles_on_gui_thread()
        self._thread = threading.Thread(target=self._run, name=f"keyhue-{self.name}", daemon=True)
        self._thread.start()

    def run_here(self) -> None:
        """Do the work on the calling thread (signals are emitted directly)."""
        _warning_router()
        self._run()

    def cancel(self) -> None:
        """Ask the work to stop soon; ``cancelled`` follows (or another outcome if it was ending)."""
        self.task.cancel()

    def is_running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the thread ends; False on timeout."""
        if self._thread is None or self._thread is threading.current_thread():
            return True
        self._thread.join(None if msecs < 0 else msecs / 1000)
        return not self._thread.is_alive()

    def _signal(self, name: str, *args) -> None:
        # RuntimeError: the receiver's side was deleted (the window closed).
        with contextlib.suppress(RuntimeError):
            getattr(self, name).emit(*args)

    def _run(self) -> None:
        router = _warning_router()
        router.local.worker = self
        fn, args, kwargs = self._call
        try:
            value = fn(self.task, *args, **kwargs)
        except CancelledError:
            self.outcome = "cancelled"
            self._signal("cancelled")
        except InputError as exc:
            self.outcome, self.failure = "failed", (str(exc), "")
            self._signal("failed", str(exc), "")
        except Exception as exc:
            details = traceback.format_exc()
            errorlog.log_error(f"{self.name} failed", details)
            self.outcome, self.failure = "failed", (f"{type(exc).__name__}: {exc}", details)
            self._signal("failed", *self.failure)
        else:
            self.outcome = "finished"
            self._signal("finished", value)
        finally:
            router.local.worker = None
            self._signal("ended")
