"""``colorcore bench [solver|quality|speed]``: the benchmarks.

- ``solver`` (also plain ``colorcore bench``): exact vs fast Levin solves on one image.
- ``quality``: DESIGN.md's four protocols on clips with true colour, beside baselines.
- ``speed``: frames per second of the whole ``colorcore video`` pipeline at 854x480, and
  (``--memory``) peak memory on a short and a long clip.
"""

from __future__ import annotations

import argparse
from pathlib import Path


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
        "--scribbled", type=float, default=pick(0.05), help="fraction of pixels under simulated strokes"
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=pick("cpu"))
    parser.add_argument("--skip-1080p", action="store_true", default=pick(False), help="only the 854x480 case")


def register(sub) -> None:
    bench = sub.add_parser("bench", help="benchmarks: solver (the default), quality, speed")
    _add_solver_options(bench, suppress_defaults=False)
    bench.set_defaults(run=run_solver)
    kinds = bench.add_subparsers(dest="benchmark", metavar="{solver,quality,speed}")

    solver = kinds.add_parser("solver", help="exact vs fast solver: times, agreement, memory (the default)")
    _add_solver_options(solver, suppress_defaults=True)
    solver.set_defaults(run=run_solver)

    quality = kinds.add_parser("quality", help="the four quality protocols on clips with true colour, beside baselines")
    quality.add_argument(
        "--protocol", type=int, choices=(1, 2, 3, 4), action="append", help="protocol to run (repeatable; default all)"
    )
    quality.add_argument("--data", type=Path, help="folder of clips (default: ../shared/testdata/davis480p/JPEGImages)")
    quality.add_argument("--clips", nargs="+", metavar="NAME", help="clips inside --data (default: all)")
    quality.add_argument("--frames", type=int, metavar="N", help="only the first N frames of each clip")
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
    speed.add_argument("--frames", type=int, default=90, metavar="N", help="frames in the test video")
    speed.add_argument(
        "--device",
        choices=("cpu", "cuda", "both"),
        default="both",
        help="'both': the CPU, and the GPU when one is present",
    )
    speed.add_argument(
        "--memory",
        nargs="*",
        type=int,
        metavar="FRAMES",
        help="instead: peak RSS of the pipeline on synthetic clips of these lengths (default 300 3000)",
    )
    speed.add_argument("--json", type=Path, metavar="PATH", help="also save the figures as JSON")
    speed.set_defaults(run=run_speed)


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


def run_speed(args) -> int:
    from colorcore.bench.speed import run_memory_benchmark, run_speed_benchmark

    if args.memory is not None:
        run_memory_benchmark(lengths=args.memory or (300, 3000), json_path=args.json)
    else:
        run_speed_benchmark(source=args.source, frames=args.frames, device=args.device, json_path=args.json)
    return 0
