"""Connecting to Ray: a local cluster started for one job, or an existing one.

Ray is optional (``pip install 'keyhue[cluster]'``); nothing here imports it until a
job asks for a cluster.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
    present connection is used and left open. A local cluster is watched by a reaper
    (:mod:`colorcore.farm.reaper`) that ends its processes if this process dies without
    shutting it down.
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
    reaper = _start_reaper() if not address else None
    try:
        yield int(ray.cluster_resources().get("CPU", 1))
    finally:
        ray.shutdown()
        if reaper is not None:
            _stop_reaper(reaper)


def _start_reaper() -> subprocess.Popen | None:
    """A :mod:`colorcore.farm.reaper` watching the local cluster this process just started
    (the children of this process that run Ray's programs: GCS, raylet, log monitor, ...),
    or None when there are none to watch."""
    import ray

    from colorcore.farm import reaper

    package = os.path.dirname(ray.__file__)
    roots = [pid for pid, command in _children() if package in command]
    if not roots:
        return None
    # A session of its own: a Ctrl-C on the terminal is for the driver, not for it.
    return subprocess.Popen(
        [sys.executable, reaper.__file__, *map(str, roots)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop_reaper(reaper: subprocess.Popen) -> None:
    """Tell the reaper the cluster was shut down (it exits without ending anything)."""
    try:
        assert reaper.stdin is not None
        reaper.stdin.write(b"done")
        reaper.stdin.close()
        reaper.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        reaper.kill()
        reaper.wait()


def _children() -> list[tuple[int, str]]:
    """(pid, command line) of this process's children, from /proc (none elsewhere)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if int((entry / "stat").read_text(errors="replace").rsplit(")", 1)[1].split()[1]) == me:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append((int(entry.name), command.decode(errors="replace")))
        except OSError:
            continue
    return found
