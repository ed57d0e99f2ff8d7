"""``colorcore eval OUTPUT GROUND_TRUTH``: score a colourised clip against its true colour."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from colorcore.errors import InputError


def register(sub) -> None:
    evaluate = sub.add_parser(
        "eval",
        help="score a colourised clip against its true colour (PSNR, SSIM, CDC, warp error, colourfulness)",
    )
    evaluate.add_argument("output", type=Path, help="the colourised clip: video file, folder of frames or one image")
    evaluate.add_argument("ground_truth", type=Path, help="the true-colour clip, with the same frames and size")
    evaluate.add_argument(
        "--json", action="store_true", help="print clip and per-frame values as JSON (null for nan/inf)"
    )
    evaluate.add_argument(
        "--frames",
        type=frame_range,
        default=(0, None),
        metavar="START:STOP",
        help="evaluate frames START..STOP-1 only (0-based; either may be left out)",
    )
    evaluate.set_defaults(run=run)


def frame_range(text: str) -> tuple[int, int | None]:
    """Parse 'START:STOP' (either part may be empty) into (start, stop or None)."""
    start_text, colon, stop_text = text.partition(":")
    try:
        if not colon:
            raise ValueError
        start = int(start_text) if start_text.strip() else 0
        stop = int(stop_text) if stop_text.strip() else None
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants START:STOP, e.g. 10:50, not {text!r}") from None
    if start < 0 or (stop is not None and stop <= start):
        raise argparse.ArgumentTypeError(f"need 0 <= START < STOP, not {text!r}")
    return start, stop


def run(args) -> int:
    from colorcore.media import open_clip
    from colorcore.metrics import SSIM_WINDOW, ClipEvaluator

    with open_clip(args.output) as output, open_clip(args.ground_truth) as truth:
        if output.frame_count != truth.frame_count:
            raise InputError(
                f"'{args.output}' has {output.frame_count} frames but '{args.ground_truth}' has {truth.frame_count}"
            )
        if (output.width, output.height) != (truth.width, truth.height):
            raise InputError(
                f"'{args.output}' is {output.width}x{output.height} but '{args.ground_truth}' is "
                f"{truth.width}x{truth.height}"
            )
        if min(output.width, output.height) < SSIM_WINDOW:
            raise InputError(f"frames of {output.width}x{output.height} are too small to score (at least 11x11)")
        start, stop = args.frames
        stop = output.frame_count if stop is None else stop
        if stop > output.frame_count or start >= stop:
            raise InputError(f"--frames {start}:{stop} reaches past the clip's {output.frame_count} frames")
        evaluator = ClipEvaluator(first_index=start)
        for out_rgb, true_rgb in zip(output.frames("rgb", start, stop), truth.frames("rgb", start, stop)):
            evaluator.add(out_rgb, true_rgb)
        result = evaluator.result()

    if args.json:
        document = {
            "output": str(args.output),
            "ground_truth": str(args.ground_truth),
            "start": start,
            "stop": stop,
            "width": output.width,
            "height": output.height,
            **result.to_dict(),
        }
        print(json.dumps(document, indent=1, allow_nan=False))
    else:
        print(summary(result, start, stop))
    return 0


def summary(result, start: int, stop: int) -> str:
    """A short table of the clip means, output beside true colour where both apply."""

    def cell(value, form):
        return "n/a" if math.isnan(value) else format(value, form)

    rows = [
        ("PSNR (dB)", cell(result.psnr, ".2f"), ""),
        ("SSIM", cell(result.ssim, ".4f"), ""),
        ("colourfulness", cell(result.colourfulness_output, ".2f"), cell(result.colourfulness_truth, ".2f")),
        ("CDC", cell(result.cdc_output, ".3e"), cell(result.cdc_truth, ".3e")),
        ("warp error", cell(result.warp_error_output, ".3e"), cell(result.warp_error_truth, ".3e")),
    ]
    heading = f"frames {start}..{stop - 1} ({result.frame_count})"
    if result.identical_frames:
        heading += f"; {result.identical_frames} identical to the truth, left out of the mean PSNR"
    lines = [heading, f"{'':14} {'output':>10} {'truth':>10}"]
    lines += [f"{name:14} {ours:>10} {truths:>10}" for name, ours, truths in rows]
    return "\n".join(lines)
