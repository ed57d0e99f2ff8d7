"""Keyhue's desktop application (PySide6). All Qt code lives in this package."""

from .pyside_refcount import install as _install_refcount_fix

_install_refcount_fix()
