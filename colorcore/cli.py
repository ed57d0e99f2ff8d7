"""The ``colorcore`` command.

Exit status 0 on success, 2 on bad input with one line on stderr and no traceback.
Subcommands import what they need when they run, so ``colorcore image`` starts quickly
and never loads torch unless a GPU solve asks for it.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .errors import InputError

PROG = "colorcore"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus the exit status 2)."""

    def error(self, message):  # noqa: D401 - argparse's name
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _one_line_warnings(message, category, filename, lineno, file=None, line=None):
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Keyhue's colourisation engine.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    image = sub.add_parser("image", help="colourise one grey image from a marked (scribbled) copy")
    image.add_argument("gray", type=Path, help="grey image (PNG, TIFF, BMP, JPEG; 8- or 16-bit)")
    image.add_argument("marked", type=Path, help="the same image with colour scribbles (Levin's convention)")
    image.add_argument("-o", "--output", type=Path, required=True, help="output image; its extension picks the format")
    image.add_argument("--solver", choices=("exact", "fast"), default="fast")
    image.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    image.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    image.set_defaults(run=_run_image)

    bench = sub.add_parser("bench", help="solver benchmark: exact vs fast, times, agreement, memory")
    bench.add_argument("--image", type=Path, help="colour image to benchmark on (default: the bundled demo photo)")
    bench.add_argument("--scribbled", type=float, default=0.05, help="fraction of pixels under simulated strokes")
    bench.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    bench.add_argument("--skip-1080p", action="store_true", help="only the 854x480 case")
    bench.set_defaults(run=_run_bench)
    return parser


def _run_image(args) -> int:
    from . import Hints, colorize_frame
    from .media import read_image, write_image

    _check_image_output(args.output, [args.gray, args.marked], overwrite=args.overwrite)
    gray = read_image(args.gray)
    marked = read_image(args.marked)
    if gray.ndim == 3 and not ((gray[..., 0] == gray[..., 1]).all() and (gray[..., 0] == gray[..., 2]).all()):
        warnings.warn(f"'{args.gray}' has colour; its luma is used as the grey image")
    if marked.ndim == 2:
        raise InputError(f"'{args.marked}' is a grey image; the marked image must carry colour scribbles")
    if marked.dtype != gray.dtype:
        raise InputError(f"'{args.gray}' is {gray.dtype.itemsize * 8}-bit but '{args.marked}' is {marked.dtype.itemsize * 8}-bit")
    hints = Hints.from_marked(gray, marked)
    rgb = colorize_frame(gray, hints, solver=args.solver, device=args.device)
    write_image(args.output, rgb)
    print(f"wrote {args.output}")
    return 0


def _check_image_output(output: Path, inputs: list[Path], overwrite: bool) -> None:
    """Refuse an image output that cannot be written or would harm an input."""
    from .media import IMAGE_EXTENSIONS

    if output.suffix.lower() not in IMAGE_EXTENSIONS:
        raise InputError(f"'{output}' has no image extension ({', '.join(sorted(IMAGE_EXTENSIONS))})")
    if not output.parent.resolve().is_dir():
        raise InputError(f"cannot write '{output}': folder '{output.parent}' does not exist")
    for source in inputs:
        same_file = source.exists() and output.exists() and output.samefile(source)
        if same_file or output.resolve() == source.resolve():
            raise InputError(f"the output '{output}' is also an input; choose another name")
    if output.exists() and not overwrite:
        raise InputError(f"'{output}' exists; pass --overwrite to replace it")


def _run_bench(args) -> int:
    from .bench import run_solver_benchmark

    run_solver_benchmark(image=args.image, scribbled=args.scribbled, device=args.device, full_hd=not args.skip_1080p)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``colorcore`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = _one_line_warnings
    try:
        return args.run(args)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no output was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
