"""``keyhue [PROJECT_OR_MEDIA]`` / ``keyhue --demo``: start the desktop editor."""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import sys

from colorcore.resources import resource_path

DEMO_PROJECT = resource_path("demo", "demo.keyhue")

# Libraries Qt's xcb platform (X11) loads that a fresh Linux desktop may lack, with the
# Debian/Ubuntu package of each. Qt's own message names only libxcb-cursor0, whatever is
# missing, so the editor checks them itself and names the real ones.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def missing_gui_packages() -> list[str]:
    """Python packages of the 'gui' extra that are not installed."""
    return [name for name in ("PySide6", "pyqtgraph") if importlib.util.find_spec(name) is None]


def missing_xcb_packages() -> list[str]:
    """Debian/Ubuntu packages missing for Qt's xcb platform; empty where xcb is not used."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    uses_xcb = platform.startswith("xcb") or (not platform and not os.environ.get("WAYLAND_DISPLAY"))
    if not sys.platform.startswith("linux") or not uses_xcb or not os.environ.get("DISPLAY"):
        return []
    missing = []
    for library, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(library)
        except OSError:
            missing.append(package)
    return missing


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``keyhue`` console script; returns the exit status."""
    parser = argparse.ArgumentParser(prog="keyhue", description="Keyhue: colour black-and-white film.")
    parser.add_argument("path", nargs="?", help="a .keyhue project, a video file or a folder of frames")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    args = parser.parse_args(argv)
    if args.demo and args.path:
        parser.error("give a path or --demo, not both")
    if missing := missing_gui_packages():
        print(f"keyhue: the editor needs {' and '.join(missing)}: pip install 'keyhue[gui]'", file=sys.stderr)
        return 2
    if missing := missing_xcb_packages():
        print(f"keyhue: Qt needs system libraries that are missing: apt install {' '.join(missing)}", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication

    from colorcore.media.leftovers import sweep_leftovers
    from keyhue import errorlog
    from keyhue.theme import apply_theme, icon
    from keyhue.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Keyhue")
    app.setOrganizationName("Keyhue")
    app.setWindowIcon(icon("keyhue"))
    apply_theme(app)
    window = MainWindow()
    # An error that escapes a slot is a bug: logged with its traceback and shown, and the
    # editor keeps running (PySide6 would only print it).
    errorlog.install_excepthook(window.report_unexpected)
    # What Keyhue processes that are gone left in the temporary folder (scratch frames,
    # partial outputs): only Keyhue's own, of dead processes, owned by this user.
    sweep_leftovers(temp=True)
    window.show()
    if args.demo:
        window.open_path(DEMO_PROJECT)
    elif args.path:
        window.open_path(args.path)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
