"""Kept so that ``from colorcore.propagate import colorize_clip`` (documented since 0.1)
still works; the code lives in :mod:`colorcore.video.propagate`."""

from colorcore.video.propagate import PropagationSettings, colorize_clip

__all__ = ["PropagationSettings", "colorize_clip"]
