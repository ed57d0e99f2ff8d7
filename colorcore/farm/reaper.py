"""Ends a local cluster's processes when the driver that started it dies without shutting
it down (SIGKILL, a crash, power cut short of the machine).

Ray's GCS, raylet and workers exit by themselves when their driver is killed, but the
raylet's two helper agents (``ray::DashboardAgent``, ``ray::RuntimeEnvAgent``) can stay,
orphaned: their check that the raylet is alive ends by reporting to the GCS, which is gone
too. The reaper is a small process (this file run as a script: no engine, no Ray imported)
started by :func:`colorcore.farm.cluster.connect` right after it starts a local cluster:

- every ``_LOOK_S`` seconds it records the cluster's processes: the GCS's and the raylet's
  process ids, given on its command line, and every process descending from them, each
  with its start time (so that a process id reused later is never taken for one of them);
- its standard input is a pipe only the driver holds: end of file without the word
  ``done`` means the driver died. It then sends SIGTERM to every recorded process still
  alive, waits up to ``_GRACE_S`` seconds, and SIGKILLs what is left; then it exits.

A driver that shuts its cluster down writes ``done`` first, and the reaper just exits.
It touches only processes that were, while the driver lived, the cluster's own.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

_LOOK_S = 2.0
_GRACE_S = 5.0


def _table() -> dict[int, tuple[int, int]]:
    """Every live process: pid -> (parent pid, start time in clock ticks since boot)."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(name)] = (int(fields[1]), int(fields[19]))
    return table


def cluster_processes(roots: list[int]) -> dict[int, int]:
    """The processes ``roots`` (pids) and all their descendants now: pid -> start time."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, [pid for pid in roots if pid in table]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found[pid] = table[pid][1]
            todo.extend(children.get(pid, []))
    return found


def _alive(processes: dict[int, int]) -> dict[int, int]:
    """Those of ``processes`` (pid -> start time) still running as the same process."""
    table = _table()
    return {pid: start for pid, start in processes.items() if table.get(pid, (0, None))[1] == start}


def _end(processes: dict[int, int]) -> None:
    """SIGTERM ``processes``, then SIGKILL those still alive after the grace period."""
    for sig, wait in ((signal.SIGTERM, _GRACE_S), (signal.SIGKILL, 0.0)):
        for pid in _alive(processes):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while _alive(processes) and time.monotonic() < deadline:
            time.sleep(0.1)


def main(argv: list[str]) -> int:
    """``reaper.py ROOT_PID ...``: watch standard input (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is for the driver, which shuts down
    roots = [int(pid) for pid in argv]
    seen: dict[int, int] = {}
    received = b""
    while True:
        seen.update(cluster_processes(roots))
        ready, _, _ = select.select([sys.stdin.buffer], [], [], _LOOK_S)
        if not ready:
            continue
        data = os.read(sys.stdin.fileno(), 64)
        received += data
        if b"done" in received:
            return 0
        if not data:  # the driver is gone, and its cluster was not shut down
            _end(seen)
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
