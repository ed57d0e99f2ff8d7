"""``keyhue [PROJECT_OR_MEDIA]`` / ``keyhue --demo``: start the desktop editor."""

from __future__ import annotations

import argparse
import sys

from colorcore.resources import resource_path

DEMO_PROJECT = resource_path("demo", "demo.keyhue")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``keyhue`` console script; returns the exit status."""
    parser = argparse.ArgumentParser(prog="keyhue", description="Keyhue: colour black-and-white film.")
    parser.add_argument("path", nargs="?", help="a .keyhue project, a video file or a folder of frames")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    args = parser.parse_args(argv)
    if args.demo and args.path:
        parser.error("give a path or --demo, not both")

    from PySide6.QtWidgets import QApplication

    from keyhue.theme import apply_theme, icon
    from keyhue.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Keyhue")
    app.setOrganizationName("Keyhue")
    app.setWindowIcon(icon("keyhue"))
    apply_theme(app)
    window = MainWindow()
    window.show()
    if args.demo:
        window.open_path(DEMO_PROJECT)
    elif args.path:
        window.open_path(args.path)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
