"""Connecting to Ray: a local cluster started for one job, or an existing one.

Ray is optional (``pip install 'keyhue[cluster]'``); nothing here imports it until a
job asks for a cluster.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from colorcore.errors import InputError

#: The one line a user without Ray gets.
INSTALL_HINT = "the render farm needs Ray: install it with pip install 'keyhue[cluster]'"


def ray_available() -> bool:
    """True when Ray can be imported."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def require_ray():
    """The ``ray`` module; InputError with :data:`INSTALL_HINT` when it is not installed."""
    try:
        import ray
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return ray


@contextmanager
def connect(workers: int | None = None, address: str | None = None):
    """A Ray connection for the length of a job; yields the number of CPUs it has.

    Args:
        workers: start a local cluster of this many worker processes (CPUs), shut down
            when the block ends.
        address: join an existing cluster instead ("auto": the one this machine belongs
            to; or "HOST:PORT"). Its nodes need the same Keyhue installed; the code of
            this ``colorcore`` is shipped to them as a runtime environment.

    With neither, or when this process is already connected (the editor, tests), the
    present connection is used and left open.
    """
    ray = require_ray()
    if ray.is_initialized():
        yield int(ray.cluster_resources().get("CPU", 1))
        return
    package = str(Path(__file__).resolve().parents[1])
    if address:
        try:
            ray.init(
                address=address,
                runtime_env={"py_modules": [package]},
                log_to_driver=False,
                logging_level="ERROR",
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise InputError(f"cannot join the Ray cluster at '{address}': {str(exc).splitlines()[0]}") from None
    else:
        if workers is None or workers < 1:
            raise InputError(f"--workers wants a positive number, not {workers}")
        # Local workers are child processes: they find this colorcore through the environment.
        root = str(Path(package).parent)
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
        ray.init(
            num_cpus=workers,
            include_dashboard=False,
            log_to_driver=False,
            logging_level="ERROR",
            configure_logging=False,
            # Ray ends a worker process idle for a second once it has more than one per
            # CPU (the progress board's counts), then starts another for the next unit,
            # which imports and warms up again: 7 processes instead of 3 for a 300-frame
            # job on 2 workers. Keep them for the job (the cluster ends with it).
            _system_config={"idle_worker_killing_time_threshold_ms": 3_600_000},
        )
    try:
        yield int(ray.cluster_resources().get("CPU", 1))
    finally:
        ray.shutdown()
