"""Errors that reach the user as one line.

Everything the engine raises because of what the user gave it (a missing file, an image of
the wrong size, a corrupt video) is an :class:`InputError`; the command line prints its
message alone and exits with status 2, and the GUI shows it in a dialog. Any other
exception is a bug and keeps its traceback.
"""


class InputError(Exception):
    """Bad input from the user: the message is one line that says what is wrong."""


class CancelledError(Exception):
    """A long operation was cancelled by its caller (Ctrl-C, a Cancel button)."""
