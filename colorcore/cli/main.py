"""The ``colorcore`` command.

Exit status 0 on success, 2 on bad input with one line on stderr and no traceback.
Subcommands import what they need when they run, so ``colorcore image`` starts quickly
and never loads torch unless a GPU solve asks for it.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
import warnings

from colorcore.errors import InputError

PROG = "colorcore"

# Subcommand modules of this package, in ``colorcore --help`` order. Each defines
# ``register(sub)``, which adds its sub-parser and sets ``run(args) -> int``, and imports
# its heavy dependencies inside ``run`` so that start-up stays quick.
COMMANDS = ("image", "video", "render", "eval", "train", "bench")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus the exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _one_line_warnings(message, category, filename, lineno, file=None, line=None):
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Keyhue's colourisation engine.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"colorcore.cli.{name}")
        module.register(sub)
    return parser


# OSErrors that come from the user's machine (a full disk, a folder that went away),
# not from a bug: reported in one line like an InputError if they reach main.
_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EIO,
    errno.ENODEV,
    errno.ENXIO,
    errno.ENAMETOOLONG,
    errno.EDQUOT,
    errno.ENOENT,
    errno.ESTALE,
    errno.EFBIG,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``colorcore`` console script; returns the exit status.

    0: done; 2: bad input or an output that cannot be written (one line on stderr);
    130: Ctrl-C; 128 + N: ended by signal N (SIGTERM, SIGHUP). Whatever way it ends, no
    partial output and no scratch folder is left behind; leftovers of earlier Keyhue
    processes that were killed are swept at start (colorcore.media.leftovers).
    """
    from colorcore.cli.signals import Terminated, terminate_like_interrupt

    try:
        with terminate_like_interrupt():
            # Inside: Ctrl-C while the subcommands are imported (slow on a loaded machine)
            # is one line too, not a traceback.
            args = build_parser().parse_args(argv)
            warnings.showwarning = _one_line_warnings
            _sweep(args)
            return args.run(args)
    except InputError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Terminated as exc:
        print(f"{PROG}: stopped by {exc}; no output was written", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no output was written", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in _ENVIRONMENT_ERRNOS:
            raise
        where = f"'{exc.filename}': " if exc.filename else ""
        print(f"{PROG}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"{PROG}: error: not enough memory for this job (try --solver fast or a smaller frame)", file=sys.stderr)
        return 2


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _sweep(args) -> None:
    """Remove what killed Keyhue processes left in the temporary folder and beside the
    paths this command writes (see colorcore.media.leftovers.sweep_leftovers)."""
    from pathlib import Path

    from colorcore.media.leftovers import sweep_leftovers

    output = getattr(args, "output", None)
    folders = [Path(output).parent] if isinstance(output, (str, Path)) else []
    sweep_leftovers(folders)
