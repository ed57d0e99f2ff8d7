"""SIGTERM and SIGHUP end a command like Ctrl-C: every partial output and scratch folder is
removed on the way out (the ``with`` blocks and ``finally`` clauses run)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM or SIGHUP; a KeyboardInterrupt, so that every
    clean-up written for Ctrl-C runs for it too.

    Attributes:
        signum: the signal's number.
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _names() -> list[str]:
    return [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


@contextlib.contextmanager
def terminate_like_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    After the first such signal, further SIGTERM/SIGHUP are ignored so that the clean-up
    they started is not cut short (SIGKILL still ends the process; the next start's sweep
    removes what it leaves). The previous handlers are restored on exit. Must be entered
    from the main thread.
    """
    previous = {}

    def handler(signum, frame):
        for name in _names():
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        raise Terminated(signum)

    for name in _names():
        number = getattr(signal, name)
        previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
