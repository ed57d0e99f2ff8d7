"""Carry colour through a clip: optical flow, shot cuts, tracks to keyframes, exemplars.

:func:`~colorcore.video.propagate.colorize_clip` is the entry point; it streams frames in
order with memory bounded by a few frames.
"""

from colorcore.video.propagate import PropagationSettings, colorize_clip

__all__ = ["PropagationSettings", "colorize_clip"]
