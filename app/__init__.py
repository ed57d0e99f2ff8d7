"""Keyhue's desktop application (PySide6). All Qt code lives in this package."""
