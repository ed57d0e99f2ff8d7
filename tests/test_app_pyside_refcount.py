"""Qt calling Python must not wear out None or True (PySide6 6.12.0's refcount fault)."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal  # noqa: E402

import app  # noqa: E402, F401 - installs the workaround where it is needed
from app.pyside_refcount import install  # noqa: E402

MANY = 5000


class Emitter(QObject):
    value = Signal(float)


class Nothing(QRunnable):
    def run(self):
        pass


def test_many_emits_and_overrides_leave_the_singletons_alive():
    emitter = Emitter()
    received = []
    emitter.value.connect(received.append)
    for i in range(MANY):
        emitter.value.emit(float(i))
    pool = QThreadPool()
    for _ in range(MANY):
        pool.start(Nothing())
    pool.waitForDone()
    assert len(received) == MANY
    # With the fault and without the workaround these counts would be near or below zero.
    assert sys.getrefcount(True) > MANY and sys.getrefcount(None) > MANY
    assert not install()  # idempotent: already done (or not needed)
