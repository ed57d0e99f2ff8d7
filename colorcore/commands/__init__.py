"""Subcommands of the ``colorcore`` command, one module each.

Each module defines ``register(sub)``, which adds its argparse sub-parser and sets
``run`` to a function ``run(args) -> int``. Modules import heavy dependencies inside
``run`` so that start-up stays quick.
"""

import pkgutil

# Order in ``colorcore --help``; any other module here is listed after these.
_ORDER = ("image", "video", "render", "eval", "train", "bench")


def command_names() -> list[str]:
    """Names of the subcommand modules in this package, in help order."""
    found = {m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}
    return [n for n in _ORDER if n in found] + sorted(found - set(_ORDER))
