"""colorcore: the Keyhue colourisation engine (no Qt; usable headless).

Public API::

    from colorcore import Hints, colorize_frame
    hints = Hints.from_marked(gray, marked)
    rgb = colorize_frame(gray, hints, solver="fast")
"""

from .colorize import colorize_frame, solve_chroma
from .errors import CancelledError, InputError
from .hints import HintRaster, Hints, RasterHint, Stroke

__all__ = [
    "CancelledError",
    "HintRaster",
    "Hints",
    "InputError",
    "RasterHint",
    "Stroke",
    "colorize_frame",
    "solve_chroma",
]
__version__ = "0.1.0"
