"""``colorcore image GRAY MARKED -o OUT``: colourise one grey image from a marked copy."""

from __future__ import annotations

import warnings
from pathlib import Path

from colorcore.errors import InputError


def register(sub) -> None:
    image = sub.add_parser("image", help="colourise one grey image from a marked (scribbled) copy")
    image.add_argument("gray", type=Path, help="grey image (PNG, TIFF, BMP, JPEG; 8- or 16-bit)")
    image.add_argument("marked", type=Path, help="the same image with colour scribbles (Levin's convention)")
    image.add_argument("-o", "--output", type=Path, required=True, help="output image; its extension picks the format")
    image.add_argument("--solver", choices=("exact", "fast", "deep"), default="fast")
    image.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    image.add_argument(
        "--weights", type=Path, help="network weights for --solver deep (the shipped base weights by default)"
    )
    image.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    image.set_defaults(run=run)


def run(args) -> int:
    from colorcore import Hints, colorize_frame
    from colorcore.media import read_image, write_image

    check_image_output(args.output, [args.gray, args.marked], overwrite=args.overwrite)
    gray = read_image(args.gray)
    marked = read_image(args.marked)
    if gray.ndim == 3 and not ((gray[..., 0] == gray[..., 1]).all() and (gray[..., 0] == gray[..., 2]).all()):
        warnings.warn(f"'{args.gray}' has colour; its luma is used as the grey image", stacklevel=2)
    if marked.ndim == 2:
        raise InputError(f"'{args.marked}' is a grey image; the marked image must carry colour scribbles")
    if marked.dtype != gray.dtype:
        raise InputError(
            f"'{args.gray}' is {gray.dtype.itemsize * 8}-bit but '{args.marked}' is {marked.dtype.itemsize * 8}-bit"
        )
    hints = Hints.from_marked(gray, marked)
    if args.weights is not None and args.solver != "deep":
        raise InputError("--weights goes with --solver deep")
    rgb = colorize_frame(gray, hints, solver=args.solver, device=args.device, network=args.weights)
    write_image(args.output, rgb)
    print(f"wrote {args.output}")
    return 0


def check_image_output(output: Path, inputs: list[Path], overwrite: bool) -> None:
    """Refuse an image output that cannot be written or would harm an input."""
    from colorcore.media import IMAGE_EXTENSIONS

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
