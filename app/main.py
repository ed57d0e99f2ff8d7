"""``keyhue [MEDIA]``: start the desktop application."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``keyhue`` console script; returns the exit status."""
    parser = argparse.ArgumentParser(prog="keyhue", description="Keyhue: colour black-and-white film.")
    parser.add_argument("media", nargs="?", help="a video file or a folder of frames to open")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from .viewer import ViewerWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Keyhue")
    window = ViewerWindow()
    window.show()
    if args.media:
        window.open_media(args.media)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
