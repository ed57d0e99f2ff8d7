"""``colorcore bench [solver|quality|deep|speed|farm]``: the benchmarks.

- ``solver`` (also plain ``colorcore bench``): exact vs fast Levin solves on one image.
- ``quality``: the four protocols of docs/architecture.md on clips with true colour, beside
  baselines computed in the same run.
- ``deep``: the deep solver, base and adapted, beside the Levin path (four protocols).
- ``speed``: frames per second of the whole ``colorcore video`` pipeline at 854x480, and
  (``--memory``) peak memory on a short and a long clip.
- ``farm``: ``--workers N`` on a local Ray cluster against the serial render, same run.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path


def _fraction(text: str) -> float:
    """A number in (0, 1), for --scribbled."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a number between 0 and 1, not {text!r}") from None
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        raise argparse.ArgumentTypeError(f"wants a fraction of pixels between 0 and 1 (e.g. 0.05), not {text!r}")
    return value


def _positive(text: str) -> int:
    """An integer >= 1, for frame counts and clip lengths."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a whole number >= 1, not {text!r}") from None
    if not 1 <= value <= 10**7:
        raise argparse.ArgumentTypeError(f"wants a whole number between 1 and 10000000, not {text!r}")
    return value


def _add_solver_options(parser, suppress_defaults: bool) -> None:
    """The solver benchmark's options, on ``colorcore bench`` and on ``colorcore bench
    solver``. The latter suppresses defaults, so that options given before the word
    ``solver`` are not reset to their defaults after it."""

    def pick(value):
        return argparse.SUPPRESS if suppress_defaults else value

    parser.add_argument(
        "--image", type=Path, default=pick(None), help="colour image to benchmark on (default: the bundled demo photo)"
    )
    parser.add_argument(
        "--scribbled", type=_fraction, default=pick(0.05), help="fraction of pixels under simulated strokes"
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=pick("cpu"))
    parser.add_argument("--skip-1080p", action="store_true", default=pick(False), help="only the 854x480 case")


def register(sub) -> None:
    bench = sub.add_parser("bench", help="benchmarks: solver (the default), quality, speed")
    _add_solver_options(bench, suppress_defaults=False)
    bench.set_defaults(run=run_solver)
    kinds = bench.add_subparsers(dest="benchmark", metavar="{solver,quality,speed,farm,deep}")

    solver = kinds.add_parser("solver", help="exact vs fast solver: times, agreement, memory (the default)")
    _add_solver_options(solver, suppress_defaults=True)
    solver.set_defaults(run=run_solver)

    quality = kinds.add_parser("quality", help="the four quality protocols on clips with true colour, beside baselines")
    quality.add_argument(
        "--protocol", type=int, choices=(1, 2, 3, 4), action="append", help="protocol to run (repeatable; default all)"
    )
    quality.add_argument("--data", type=Path, help="folder of clips (default: ../shared/testdata/davis480p/JPEGImages)")
    quality.add_argument("--clips", nargs="+", metavar="NAME", help="clips inside --data (default: all)")
    quality.add_argument("--frames", type=_positive, metavar="N", help="only the first N frames of each clip")
    quality.add_argument("--solver", choices=("exact", "fast"), default="fast")
    quality.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    quality.add_argument("--seed", type=int, default=0, help="stroke simulator seed (protocol 2)")
    quality.add_argument(
        "--json", type=Path, metavar="PATH", help="also save the figures, with per-frame values, as JSON"
    )
    quality.set_defaults(run=run_quality)

    speed = kinds.add_parser(
        "speed", help="frames per second of `colorcore video` at 854x480; --memory: peak RSS vs clip length"
    )
    speed.add_argument(
        "--source",
        type=Path,
        help="colour clip to build the test video from (default: the DAVIS goat clip, or a synthetic one)",
    )
    speed.add_argument("--frames", type=_positive, default=90, metavar="N", help="frames in the test video")
    speed.add_argument(
        "--device",
        choices=("cpu", "cuda", "both"),
        default="both",
        help="'both': the CPU, and the GPU when one is present",
    )
    speed.add_argument(
        "--memory",
        nargs="*",
        type=_positive,
        metavar="FRAMES",
        help="instead: peak RSS of the pipeline on synthetic clips of these lengths (default 300 3000)",
    )
    speed.add_argument("--json", type=Path, metavar="PATH", help="also save the figures as JSON")
    speed.set_defaults(run=run_speed)

    farm = kinds.add_parser("farm", help="--workers N on a local Ray cluster against the serial render, same clip")
    farm.add_argument("--workers", type=int, default=2, metavar="N", help="local Ray workers (default 2)")
    farm.add_argument("--frames", type=int, default=300, metavar="N", help="clip length (default 300)")
    farm.add_argument("--repeat", type=int, default=1, metavar="N", help="serial/farm pairs, alternating order")
    farm.add_argument(
        "--keyframe-step",
        type=int,
        default=25,
        metavar="N",
        help="keyframes every N frames (default 25); 0: one keyframe, at the start (one long run)",
    )
    farm.add_argument("--source", type=Path, help="colour clip to loop (default: DAVIS goat, or synthetic)")
    farm.add_argument("--json", type=Path, metavar="PATH", help="also save the figures as JSON")
    farm.set_defaults(run=run_farm)

    deep = kinds.add_parser(
        "deep", help="the deep solver (base and adapted) beside the Levin path under the four protocols"
    )
    deep.add_argument(
        "--protocol",
        type=int,
        choices=(1, 2, 3, 4),
        action="append",
        help="protocol to run (repeatable; default all four)",
    )
    deep.add_argument("--data", type=Path, help="folder of clips (default: ../shared/testdata/davis480p/JPEGImages)")
    deep.add_argument("--clips", nargs="+", metavar="NAME", help="clips inside --data (default: all)")
    deep.add_argument("--frames", type=int, metavar="N", help="only the first N frames of each clip")
    deep.add_argument(
        "--adapt",
        type=int,
        metavar="STEPS",
        help="adaptation steps (default: the product's default; 0: no adapted row)",
    )
    deep.add_argument("--weights", type=Path, help="network weights (default: the shipped base weights)")
    deep.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    deep.add_argument("--seed", type=int, default=0, help="stroke simulator seed (protocol 2)")
    deep.add_argument("--json", type=Path, metavar="PATH", help="also save the figures as JSON")
    deep.set_defaults(run=run_deep)


def run_solver(args) -> int:
    from colorcore.bench.solver import run_solver_benchmark

    run_solver_benchmark(image=args.image, scribbled=args.scribbled, device=args.device, full_hd=not args.skip_1080p)
    return 0


def run_quality(args) -> int:
    from colorcore.bench.quality import run_quality_benchmark

    run_quality_benchmark(
        protocols=sorted(set(args.protocol or (1, 2, 3, 4))),
        data=args.data,
        clips=args.clips,
        frames=args.frames,
        solver=args.solver,
        device=args.device,
        seed=args.seed,
        json_path=args.json,
    )
    return 0


def run_deep(args) -> int:
    from colorcore.bench.deep import run_deep_benchmark

    run_deep_benchmark(
        protocols=sorted(set(args.protocol or (1, 2, 3, 4))),
        data=args.data,
        clips=args.clips,
        frames=args.frames,
        adapt_steps=args.adapt,
        device=args.device,
        weights=args.weights,
        seed=args.seed,
        json_path=args.json,
    )
    return 0


def run_speed(args) -> int:
    from colorcore.bench.speed import run_memory_benchmark, run_speed_benchmark

    if args.memory is not None:
        run_memory_benchmark(lengths=args.memory or (300, 3000), json_path=args.json)
    else:
        run_speed_benchmark(source=args.source, frames=args.frames, device=args.device, json_path=args.json)
    return 0


def run_farm(args) -> int:
    from colorcore.bench.farm import run_farm_benchmark
    from colorcore.farm import INSTALL_HINT, ray_available

    if not ray_available():
        from colorcore.errors import InputError

        raise InputError(INSTALL_HINT)
    run_farm_benchmark(
        workers=args.workers,
        frames=args.frames,
        repeat=args.repeat,
        source=args.source,
        json_path=args.json,
        keyframe_step=args.keyframe_step,
    )
    return 0
