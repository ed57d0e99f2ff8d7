"""Row bands on the CPU's cores: the numpy solver's parallelism.

numpy releases the GIL inside a ufunc's loop, so a few threads each running the same
sequence of ufuncs on their own band of rows keep several cores busy. Work is split only
where it is large enough to pay for the hand-over (tens of microseconds per band).
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

# Below this many array elements per band, one thread is faster than several.
_MIN_BAND_ELEMENTS = 40_000
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


@functools.cache
def cores() -> int:
    """Number of cores this process may run on (asked once: it is asked per band)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, cores() - 1), thread_name_prefix="colorcore-band")
        return _pool


def run_in_bands(work: Callable[[slice], None], rows: int, elements_per_row: int) -> None:
    """Call ``work(band)`` for row bands covering ``range(rows)``, on several cores.

    Args:
        work: does one band's share, given as a slice of rows; bands never overlap, so
            ``work`` must only write rows of its own band.
        rows: number of rows to cover.
        elements_per_row: array elements touched per row, to decide whether splitting pays.

    The calling thread runs the first band itself; the call returns when all are done.
    """
    count = min(cores(), rows, max(1, rows * elements_per_row // _MIN_BAND_ELEMENTS))
    if count <= 1:
        work(slice(0, rows))
        return
    edges = [rows * k // count for k in range(count + 1)]
    bands = [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]
    futures = [_executor().submit(work, band) for band in bands[1:]]
    work(bands[0])
    for future in futures:
        future.result()
