"""A workaround for PySide6 6.12.0's reference-count faults on Python before 3.12.

That release drops a reference to ``True`` on every ``signal.emit(...)`` made from
Python, and one to ``None`` every time Qt calls a Python override that returns nothing
(each ``paintEvent``, ``mouseMoveEvent``, ``QRunnable.run`` ...). On Python 3.12 and later
these objects are immortal and nothing happens; on 3.10 and 3.11 their counts fall to
zero after some thousands of events (a minute of painting) and the interpreter aborts
("Fatal Python error: none_dealloc" / "bool_dealloc").

:func:`install` detects the fault (an emit that loses a reference to ``True``) and then
raises the reference counts of ``None``, ``True`` and ``False`` by 2**40, which is what
Python 3.12 does for them anyway; they are never freed, so the lost references no longer
matter. Releases without the fault (6.11, and 6.12 on Python 3.12+) are left alone. The
real fix is a PySide6 release without the fault (6.11.0 is known good).
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_HEADROOM = 1 << 40


class _Probe(QObject):
    fired = Signal()


def emit_loses_references() -> bool:
    """True when ``SignalInstance.emit`` drops a reference to ``True`` on each call."""
    if sys.version_info >= (3, 12):
        return False  # True is immortal: its count does not move
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.fired.emit()
    return sys.getrefcount(True) < before


def install() -> bool:
    """Make None, True and False effectively immortal if this PySide6 needs it.

    Returns True if the counts were raised (once per process)."""
    if sys.getrefcount(None) > _HEADROOM // 2 or not emit_loses_references():
        return False
    for singleton in (None, True, False):
        # CPython keeps ob_refcnt, a Py_ssize_t, first in every object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    return True
