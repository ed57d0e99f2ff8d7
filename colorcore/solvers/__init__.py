"""Solve one frame: Levin's equation (the definition), its exact and fast solvers.

Read in this order: :mod:`~colorcore.solvers.levin` (the equation),
:mod:`~colorcore.solvers.exact` (the reference solver),
:mod:`~colorcore.solvers.multigrid` (the fast solver of the same system, on
:mod:`~colorcore.solvers.backend`'s numpy or torch arrays),
:mod:`~colorcore.solvers.colorize` (the entry point that picks one).
The deep scribble network, the learned engine beside Levin's, is :mod:`~colorcore.solvers.deep`.
"""

from colorcore.solvers.colorize import colorize_frame, solve_chroma

__all__ = ["colorize_frame", "solve_chroma"]
