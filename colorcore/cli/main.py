"""The ``colorcore`` command.

Exit status 0 on success, 2 on bad input with one line on stderr and no traceback.
Subcommands import what they need when they run, so ``colorcore image`` starts quickly
and never loads torch unless a GPU solve asks for it.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``colorcore`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = _one_line_warnings
    try:
        return args.run(args)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no output was written", file=sys.stderr)
        return 130
