"""``colorcore video SOURCE -o OUTPUT``: colourise a clip from keyframes, references, exemplars.

See docs/architecture.md for the contract. The output is written to a temporary name and renamed
into place when complete; Ctrl-C or an error leaves nothing behind.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from colorcore.errors import InputError


def register(sub) -> None:
    video = sub.add_parser("video", help="colourise a clip (video file or frame folder) from keyframes and references")
    video.add_argument("source", type=Path, help="video file (.mp4 .mov .mkv .avi) or a folder of frames")
    video.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help=".mp4 (H.264), .mov (ProRes), .mkv (FFV1) or a folder for PNG frames",
    )
    video.add_argument(
        "--keyframe",
        action="append",
        default=[],
        metavar="N:MARKED",
        help="frame N (0-based) has scribbles given as a marked image (Levin's convention)",
    )
    video.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="N:IMAGE",
        help="IMAGE is a colour version of frame N (same framing)",
    )
    video.add_argument(
        "--exemplar",
        action="append",
        default=[],
        type=Path,
        metavar="IMAGE",
        help="a colour photograph of the scene, not aligned with any frame",
    )
    video.add_argument("--solver", choices=("exact", "fast", "deep"), default="fast")
    video.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    video.add_argument(
        "--weights", type=Path, help="network weights for --solver deep (the shipped base weights by default)"
    )
    video.add_argument(
        "--adapt",
        type=int,
        nargs="?",
        const=-1,
        metavar="STEPS",
        help="with --solver deep: first learn this film from its keyframes, references and exemplars (default steps if none given)",
    )
    video.add_argument("--frames", metavar="START:STOP", help="write frames START..STOP-1 only (0-based)")
    video.add_argument(
        "--resize",
        action="store_true",
        help="resize marked and reference images whose size differs from the clip's frames (refused otherwise)",
    )
    video.add_argument(
        "--on-damaged",
        choices=("warn", "stop"),
        default="warn",
        help="a frame that cannot be decoded: repeat the previous frame with a warning, or stop",
    )
    video.add_argument("--no-audio", action="store_true", help="do not copy the source's audio")
    video.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    add_farm_options(video)
    video.set_defaults(run=run)


def add_farm_options(parser) -> None:
    """``--workers N | --ray ADDRESS``: render on a Ray cluster (the extra keyhue[cluster])."""
    farm = parser.add_mutually_exclusive_group()
    farm.add_argument(
        "--workers", type=int, metavar="N", help="render on a local Ray cluster of N workers started for the job"
    )
    farm.add_argument(
        "--ray", metavar="ADDRESS", help="render on an existing Ray cluster ('auto': the one this machine is in)"
    )


def farm_wanted(args) -> bool:
    """True when ``--workers`` or ``--ray`` was given; checks that Ray is installed and N > 0."""
    if args.workers is None and args.ray is None:
        return False
    from colorcore.farm import INSTALL_HINT, ray_available

    if not ray_available():
        raise InputError(INSTALL_HINT)
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers wants a positive number of workers, not {args.workers}")
    return True


def run(args) -> int:
    from colorcore.cli.progress import ProgressBar
    from colorcore.cli.render import check_frames, parse_frames
    from colorcore.guidance.hints import Hints
    from colorcore.guidance.references import Exemplar, Guidance, Reference
    from colorcore.media import check_output_path, open_clip, read_image
    from colorcore.render import write_frames
    from colorcore.video.propagate import PropagationSettings, colorize_clip

    farm = farm_wanted(args)  # before any work: without Ray, say so at once
    requested = parse_frames(args.frames)  # refused before any work
    inputs = [args.source] + [_split(k, "--keyframe")[1] for k in args.keyframe]
    inputs += [_split(r, "--reference")[1] for r in args.reference] + list(args.exemplar)
    if args.output.exists() and not args.overwrite and not (args.output.is_dir() and not any(args.output.iterdir())):
        raise InputError(f"'{args.output}' exists; pass --overwrite to replace it")
    check_output_path(args.output, inputs, overwrite=args.overwrite)
    with open_clip(args.source) as clip:
        size = (clip.width, clip.height)
        if len(clip) == 1:
            warnings.warn(f"'{args.source}' has a single frame; it is coloured like an image", stacklevel=2)
        hints = Hints(canvas_size=size)
        for text in args.keyframe:
            frame, path = _split(text, "--keyframe")
            _check_frame(frame, len(clip), "--keyframe", text)
            marked = _sized(read_image(path), size, path, args.resize)
            gray = clip.luma(frame)
            if marked.ndim == 2:
                raise InputError(f"'{path}' is a grey image; a marked keyframe must carry colour scribbles")
            marked = _same_depth(marked, gray.dtype)
            found = Hints.from_marked(gray, marked, frame=frame)
            if found.rasters[0].count == 0:
                warnings.warn(f"'{path}' has no scribbles (it matches frame {frame}'s grey)", stacklevel=2)
            hints.rasters.extend(found.rasters)
        references = []
        for text in args.reference:
            frame, path = _split(text, "--reference")
            _check_frame(frame, len(clip), "--reference", text)
            rgb = _sized(read_image(path), size, path, args.resize)
            if rgb.ndim == 2:
                raise InputError(f"'{path}' is a grey image; a reference must be in colour")
            references.append(Reference(frame=frame, rgb=rgb, source=str(path)))
        exemplars = []
        for path in args.exemplar:
            rgb = read_image(path)
            if rgb.ndim == 2:
                raise InputError(f"'{path}' is a grey image; an exemplar must be in colour")
            exemplars.append(Exemplar(rgb=rgb, source=str(path)))
        guidance = Guidance(hints=hints, references=references, exemplars=exemplars)
        wanted = requested or range(len(clip))
        check_frames(wanted, len(clip))
        settings = PropagationSettings(on_damaged=args.on_damaged)
        if farm:
            from colorcore.farm import colorize_distributed

            with ProgressBar(f"colouring {len(wanted)} frames") as bar:
                out = colorize_distributed(
                    args.source,
                    guidance,
                    args.output,
                    solver=args.solver,
                    device=args.device,
                    settings=settings,
                    frames=wanted,
                    workers=args.workers,
                    address=args.ray,
                    audio=not args.no_audio,
                    overwrite=args.overwrite,
                    progress=bar.frames,
                )
            print(f"wrote {out}")
            return 0
        network = _network(args, clip, guidance)
        with ProgressBar(f"colouring {len(wanted)} frames") as bar:
            frames = colorize_clip(
                clip,
                guidance,
                solver=args.solver,
                device=args.device,
                frames=wanted,
                progress=bar,
                settings=settings,
                network=network,
            )
            out = write_frames(
                frames,
                args.output,
                clip,
                span=wanted,
                audio=not args.no_audio,
                overwrite=args.overwrite,
            )
    print(f"wrote {out}")
    return 0


def _network(args, clip, guidance):
    """The deep solver for ``--solver deep`` (adapted with ``--adapt``), or None for Levin's."""
    if args.solver != "deep":
        if args.adapt is not None or args.weights is not None:
            raise InputError("--adapt and --weights go with --solver deep")
        return None
    from colorcore.cli.progress import ProgressBar
    from colorcore.solvers.deep.adapt import DEFAULT_STEPS, adapt_network
    from colorcore.solvers.deep.infer import DeepSolver
    from colorcore.solvers.deep.weights import load_network

    if args.adapt is None:
        return DeepSolver(load_network(args.weights), device=args.device)
    steps = DEFAULT_STEPS if args.adapt == -1 else args.adapt
    if steps < 1:
        raise InputError(f"--adapt wants a number of steps of at least 1, not {steps}")
    with ProgressBar(f"learning this film ({steps} steps)") as bar:
        model = adapt_network(clip, guidance, steps, base=args.weights, device=args.device, progress=bar)
    return DeepSolver(model, device=args.device)


def _split(text: str, option: str) -> tuple[int, Path]:
    """'N:PATH' -> (N, PATH)."""
    number, sep, path = text.partition(":")
    if not sep or not path or not number.strip().isdigit():
        raise InputError(f"{option} wants N:IMAGE (a frame number, a colon, an image path), not '{text}'")
    return int(number), Path(path)


def _check_frame(frame: int, count: int, option: str, text: str) -> None:
    if frame >= count:
        raise InputError(f"{option} {text}: frame {frame} is outside the clip (frames 0..{count - 1})")


def _sized(image, size: tuple[int, int], path: Path, resize: bool):
    """``image`` at the clip's frame size: resized only when the user asked for it."""
    import cv2

    height, width = image.shape[:2]
    if (width, height) == size:
        return image
    if not resize:
        raise InputError(
            f"'{path}' is {width}x{height} but the clip's frames are {size[0]}x{size[1]}; "
            "pass --resize to scale it to the frame size"
        )
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _same_depth(image, dtype):
    """An 8-bit marked image for a 16-bit clip (or the reverse) scaled to the clip's depth."""
    import numpy as np

    if image.dtype == dtype:
        return image
    if dtype == np.uint16:
        return image.astype(np.uint16) * 257
    return ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
