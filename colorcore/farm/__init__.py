"""The render farm: a film, or a whole list of reels, rendered across a Ray cluster with
the one-machine render's output. See docs/farm.md.

Modules by role: :mod:`~colorcore.farm.plan` (units), :mod:`~colorcore.farm.tasks`
(worker side), :mod:`~colorcore.farm.scan_ahead` (a long run's scan in chunks on other
workers), :mod:`~colorcore.farm.job` (driver: submit, assemble, progress, cancel,
retries), :mod:`~colorcore.farm.batch` (many projects), :mod:`~colorcore.farm.cluster`
(connecting), :mod:`~colorcore.farm.reaper` (ends a killed driver's local cluster),
:mod:`~colorcore.farm.api` (the functions below).

Ray is optional (``pip install 'keyhue[cluster]'``); importing this package does not
import it.
"""

from colorcore.farm.api import (
    FarmError,
    colorize_distributed,
    colorize_units_distributed,
    farm_limit,
    render_distributed,
)
from colorcore.farm.batch import BatchResult, render_batch
from colorcore.farm.cluster import INSTALL_HINT, ray_available
from colorcore.farm.job import FarmProgress

__all__ = [
    "INSTALL_HINT",
    "BatchResult",
    "FarmError",
    "FarmProgress",
    "colorize_distributed",
    "colorize_units_distributed",
    "farm_limit",
    "ray_available",
    "render_batch",
    "render_distributed",
]
