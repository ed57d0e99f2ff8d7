"""``colorcore render PROJECT.keyhue -o OUTPUT``: render a Keyhue project without the GUI.

The frames are the ones the editor's export writes (same function,
``colorcore.render.render_project``). On a terminal a progress line is shown; Ctrl-C
stops the render and leaves no partial output.
"""

from __future__ import annotations

from pathlib import Path

from colorcore.errors import InputError


def register(sub) -> None:
    render = sub.add_parser("render", help="render a Keyhue project (.keyhue) to a video file or frame folder")
    render.add_argument("project", type=Path, help="a .keyhue project file saved by the editor")
    render.add_argument("-o", "--output", type=Path, required=True, help=".mp4, .mov, .mkv, or a folder for frames")
    render.add_argument("--frames", metavar="START:STOP", help="render frames START..STOP-1 only (0-based)")
    render.add_argument("--no-audio", action="store_true", help="do not copy the source's audio")
    render.add_argument("--image-format", choices=("png", "tiff"), help="image format for a frame folder")
    render.add_argument("--solver", choices=("exact", "fast"), help="override the project's solver")
    render.add_argument("--device", choices=("auto", "cpu", "cuda"), help="override the project's device")
    render.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    render.set_defaults(run=run)


def parse_frames(text: str | None) -> range | None:
    """The range START..STOP-1 from "START:STOP" (START may be left out for 0); None for None.

    Raises:
        InputError: not START:STOP with integers 0 <= START < STOP (the clip's length is
            checked by the caller, see :func:`check_frames`).
    """
    if text is None:
        return None
    start, sep, stop = text.partition(":")
    try:
        if not sep:
            raise ValueError
        span = range(int(start or 0), int(stop))
    except ValueError:
        raise InputError(f"--frames wants START:STOP (e.g. 0:100), not '{text}'") from None
    if span.start < 0 or span.stop <= span.start:
        raise InputError(f"--frames {text}: need 0 <= START < STOP (e.g. 0:100); it selects frames START..STOP-1")
    return span


def check_frames(span: range, count: int) -> None:
    """Refuse a --frames range that reaches past a clip of ``count`` frames."""
    if span.stop > count:
        raise InputError(f"--frames {span.start}:{span.stop} reaches past the clip's {count} frames (0:{count})")


def run(args) -> int:
    from colorcore.cli.progress import ProgressBar
    from colorcore.guidance.project import Project
    from colorcore.render import render_project

    project = Project.load(args.project)
    for key in ("solver", "device", "image_format"):
        if getattr(args, key) is not None:
            project.settings[key] = getattr(args, key)
    frames = parse_frames(args.frames)
    if frames is not None:
        check_frames(frames, project.media.frames)
    with ProgressBar(f"rendering {args.project.name}") as progress:
        out = render_project(
            project, args.output, frames=frames, audio=not args.no_audio, overwrite=args.overwrite, progress=progress
        )
    print(f"wrote {out}")
    return 0
