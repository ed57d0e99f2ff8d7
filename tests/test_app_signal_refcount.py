"""Emitting signals from Python must not eat references to True (PySide6 6.12.0's fault)."""

import sys

from PySide6.QtCore import QObject, Signal

import app  # noqa: F401 - installs the workaround where it is needed
from app.signal_refcount import emit_leaks_true


class Emitter(QObject):
    value = Signal(float)


def test_emit_keeps_the_refcount_of_true():
    emitter = Emitter()
    received = []
    emitter.value.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(2000):
        emitter.value.emit(float(i))
    assert len(received) == 2000
    assert sys.getrefcount(True) >= before
    assert not emit_leaks_true()
