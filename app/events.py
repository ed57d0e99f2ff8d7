"""A Qt-free signal: the editor's models (session, timeline model) announce changes with it.

Models stay importable and testable without Qt, as napari's ``components`` are; widgets
connect to these events and redraw. Callbacks run synchronously on the emitting thread
(models are only touched on the GUI thread; workers hand results over through Qt).
"""

from __future__ import annotations

from collections.abc import Callable


class Event:
    """A list of callbacks called in order by :meth:`emit` with the emitted arguments."""

    def __init__(self) -> None:
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable:
        """Call ``callback(*args)`` on every emit; returns it (usable as a decorator)."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable | None = None) -> None:
        """Forget ``callback`` (every callback when None)."""
        if callback is None:
            self._callbacks.clear()
        else:
            self._callbacks = [c for c in self._callbacks if c != callback]

    def emit(self, *args) -> None:
        """Call every connected callback with ``args``."""
        for callback in list(self._callbacks):
            callback(*args)
