""" "Learn this film": the deep network adapted to the project's keyframes, as a worker function.

The adapted weights are kept beside the saved project
(:func:`colorcore.solvers.deep.adapt.project_network`; in memory for an unsaved one), so
the next propagation or export reuses them instead of training again.
"""

from __future__ import annotations

import copy

from keyhue.workers import Task

#: Progress units of the bar while learning (the adaptation reports fractions).
UNITS = 1000


def learn_film(task: Task, project, clip, steps: int) -> str:
    """Adapt the network to a snapshot of ``project`` for ``steps`` steps (run by a
    :class:`keyhue.workers.Worker`); returns the one-line summary."""
    from colorcore.solvers.deep.adapt import project_network

    project = copy.deepcopy(project)
    project.settings["adapt"] = steps
    lines: list[str] = []
    project_network(
        project,
        clip,
        steps,
        device=project.settings.get("device", "auto"),
        progress=lambda fraction: task.progress(int(fraction * UNITS), UNITS),
        cancel=task.cancelled,
        log=lines.append,
    )
    return lines[-1] if lines else f"learned in {steps} steps"
