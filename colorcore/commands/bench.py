"""``colorcore bench``: the solver benchmark (exact vs fast: times, agreement, memory)."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    bench = sub.add_parser("bench", help="solver benchmark: exact vs fast, times, agreement, memory")
    bench.add_argument("--image", type=Path, help="colour image to benchmark on (default: the bundled demo photo)")
    bench.add_argument("--scribbled", type=float, default=0.05, help="fraction of pixels under simulated strokes")
    bench.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    bench.add_argument("--skip-1080p", action="store_true", help="only the 854x480 case")
    bench.set_defaults(run=run)


def run(args) -> int:
    from ..bench import run_solver_benchmark

    run_solver_benchmark(image=args.image, scribbled=args.scribbled, device=args.device, full_hd=not args.skip_1080p)
    return 0
