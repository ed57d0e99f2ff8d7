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

from importlib.metadata import PackageNotFoundError, version

from colorcore.errors import CancelledError, InputError
from colorcore.guidance.hints import HintRaster, Hints, RasterHint, Stroke
from colorcore.solvers.colorize import colorize_frame, solve_chroma
from colorcore.video.propagate import colorize_clip

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
