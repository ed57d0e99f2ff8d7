"""A workaround for PySide6 6.12.0, whose ``SignalInstance.emit`` returns ``True`` without
taking a reference to it.

Every ``signal.emit(...)`` made from Python then lowers the reference count of ``True``
by one; after some thousands of emits (a few minutes of scrubbing, or a test run) the
interpreter aborts with "Fatal Python error: bool_dealloc". Releases before 6.12 are not
affected. :func:`install` measures whether the running PySide6 has the fault and, only
then, wraps ``emit`` so that the missing reference is added back.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    fired = Signal()


def emit_leaks_true() -> bool:
    """True when ``SignalInstance.emit`` drops a reference to ``True`` on each call."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.fired.emit()
    leaked = sys.getrefcount(True) < before
    if leaked:  # give back what the probe took
        for _ in range(before - sys.getrefcount(True)):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return leaked


def install() -> bool:
    """Patch ``SignalInstance.emit`` if this PySide6 needs it; True if it was patched."""
    if getattr(SignalInstance.emit, "_keeps_result", False) or not emit_leaks_true():
        return False
    original = SignalInstance.emit

    def emit(self, *args):
        result = original(self, *args)
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
        return result

    emit._keeps_result = True
    SignalInstance.emit = emit
    return True
