"""Keyhue's desktop application (PySide6). All Qt code lives in this package."""

from .signal_refcount import install as _install_signal_fix

_install_signal_fix()
