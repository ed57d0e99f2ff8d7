"""The ``colorcore`` command: one module per subcommand, beside the engine, not inside it."""

from colorcore.cli.main import main

__all__ = ["main"]
