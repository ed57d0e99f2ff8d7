"""``colorcore render PROJECT.keyhue... -o OUTPUT``: render Keyhue projects without the GUI.

The frames are the ones the editor's export writes (same function,
``colorcore.render.render_project``). On a terminal a progress line is shown; Ctrl-C
stops the render and leaves no partial output. ``--workers N`` / ``--ray ADDRESS``
render on a Ray cluster (:mod:`colorcore.farm`), with the same output. Several projects
are a batch: each renders to its own output in the folder OUTPUT, a failed one does not
stop the others, a summary ends the run and the exit status is 2 if any failed.
"""

from __future__ import annotations

from pathlib import Path

from colorcore.cli.video import add_farm_options, farm_wanted
from colorcore.errors import InputError


def register(sub) -> None:
    render = sub.add_parser("render", help="render a Keyhue project (.keyhue) to a video file or frame folder")
    render.add_argument("project", type=Path, nargs="+", help=".keyhue project file(s) saved by the editor")
    render.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help=".mp4, .mov, .mkv, or a folder for frames; with several projects, the folder receiving their outputs",
    )
    render.add_argument("--frames", metavar="START:STOP", help="render frames START..STOP-1 only (0-based)")
    render.add_argument("--no-audio", action="store_true", help="do not copy the source's audio")
    render.add_argument("--image-format", choices=("png", "tiff"), help="image format for a frame folder")
    render.add_argument("--solver", choices=("exact", "fast", "deep"), help="override the project's solver")
    render.add_argument("--device", choices=("auto", "cpu", "cuda"), help="override the project's device")
    render.add_argument("--weights", help="network weights for --solver deep (overrides the project's)")
    render.add_argument(
        "--adapt",
        type=int,
        nargs="?",
        const=-1,
        metavar="STEPS",
        help="with the deep solver: learn this film first (kept beside the project, reused while its guidance is unchanged)",
    )
    render.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    render.add_argument(
        "--batch-format",
        choices=("mkv", "mov", "mp4", "frames"),
        default="mkv",
        help="with several projects: each one's output in the folder (default mkv, lossless)",
    )
    add_farm_options(render)
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

    farm = farm_wanted(args)
    overrides = {
        key: getattr(args, key) for key in ("solver", "device", "image_format", "weights") if getattr(args, key)
    }
    if args.adapt is not None:
        from colorcore.solvers.deep.adapt import DEFAULT_STEPS

        overrides["adapt"] = DEFAULT_STEPS if args.adapt == -1 else args.adapt
    if overrides.get("solver", "deep") != "deep" and (args.adapt is not None or args.weights is not None):
        raise InputError("--adapt and --weights go with the deep solver (--solver deep)")
    if len(args.project) > 1:
        return _run_batch(args, farm, overrides)
    project = Project.load(args.project[0])
    project.settings.update(overrides)
    frames = parse_frames(args.frames)
    if frames is not None:
        check_frames(frames, project.media.frames)
    with ProgressBar(f"rendering {args.project[0].name}") as progress:
        if farm:
            from colorcore.farm import render_distributed

            out = render_distributed(
                project,
                args.output,
                frames=frames,
                workers=args.workers,
                address=args.ray,
                audio=not args.no_audio,
                overwrite=args.overwrite,
                progress=progress.frames,
            )
        else:
            out = render_project(
                project,
                args.output,
                frames=frames,
                audio=not args.no_audio,
                overwrite=args.overwrite,
                progress=progress,
            )
    print(f"wrote {out}")
    return 0


def _run_batch(args, farm: bool, overrides: dict) -> int:
    import sys

    from colorcore.cli.progress import ProgressBar
    from colorcore.farm.batch import render_batch

    if args.frames is not None:
        raise InputError("--frames applies to one project, not to a batch")
    with ProgressBar(f"rendering {len(args.project)} projects") as progress:
        results = render_batch(
            args.project,
            args.output,
            container=args.batch_format,
            workers=args.workers if farm else None,
            address=args.ray if farm else None,
            audio=not args.no_audio,
            overwrite=args.overwrite,
            overrides=overrides,
            progress=progress.frames,
        )
    failed = [r for r in results if r.error is not None]
    for r in results:
        if r.error is None:
            print(f"ok      {r.project.name} -> {r.output} ({r.frames} frames, {r.seconds:.1f} s)")
        else:
            print(f"FAILED  {r.project.name}: {r.error}")
    print(f"{len(results) - len(failed)} of {len(results)} projects rendered")
    if failed:
        print(f"colorcore: error: {len(failed)} of {len(results)} projects failed", file=sys.stderr)
        return 2
    return 0
