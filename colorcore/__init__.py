"""colorcore: the Keyhue colourisation engine (no Qt; usable headless).

Public API::

    from colorcore import Hints, colorize_frame
    hints = Hints.from_marked(gray, marked)
    rgb = colorize_frame(gray, hints, solver="fast")

The package reads in the order data flows: :mod:`colorcore.media` (clips in),
:mod:`colorcore.guidance` (what the archivist said), :mod:`colorcore.solvers` (one
frame), :mod:`colorcore.video` (flow, shots, propagation, exemplars),
:mod:`colorcore.render` and :mod:`colorcore.media` (frames out); :mod:`colorcore.cli`
and :mod:`colorcore.bench` sit beside it. See docs/architecture.md.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version

from colorcore.errors import CancelledError, InputError

# The rest of the public API is imported on first use (PEP 562), so that ``colorcore``
# commands start in a fraction of a second and a Ctrl-C during start-up reaches the
# command's own handler (one line, no traceback) instead of an import of scipy.
_LAZY = {
    "HintRaster": "colorcore.guidance.hints",
    "Hints": "colorcore.guidance.hints",
    "RasterHint": "colorcore.guidance.hints",
    "Stroke": "colorcore.guidance.hints",
    "colorize_frame": "colorcore.solvers.colorize",
    "solve_chroma": "colorcore.solvers.colorize",
    "colorize_clip": "colorcore.video.propagate",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'colorcore' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


try:
    __version__ = version("keyhue")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "CancelledError",
    "HintRaster",
    "Hints",
    "InputError",
    "RasterHint",
    "Stroke",
    "colorize_clip",
    "colorize_frame",
    "solve_chroma",
]
