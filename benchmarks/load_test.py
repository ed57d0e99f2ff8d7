"""Load test: a 1920x1080 clip of 100 frames and a 4K still go through the `colorcore`
command to the end, each in its own process, with its peak memory (resident set size).

    python benchmarks/load_test.py [--frames 100] [--scratch DIR] [--json PATH]

The clip is synthetic (a textured pan with a moving disc, H.264), coloured from two
reference frames (0 and the middle one) to an H.264 file; the still is a 3840x2160 grey
image with a few colour scribbles, solved by the fast solver, and the exact solver is
asked for the same still to show that it refuses it in one line instead of exhausting
memory. What bounds the memory: decoded frames are cached up to 32 frames / 256 MiB
(colorcore.media.Clip), flows and backward chroma between keyframes are kept on disk
(colorcore.video.frame_store), so the peak is a constant number of full-size frames plus
one frame's solver arrays, whatever the clip's length.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def textured(height: int, width: int, seed: int) -> np.ndarray:
    """HxWx3 uint8: smooth colour texture (cheap to make at 4K)."""
    import cv2

    rng = np.random.default_rng(seed)
    small = rng.integers(30, 225, (height // 16 + 2, width // 16 + 2, 3), dtype=np.uint8)
    big = cv2.resize(small, (width + 32, height + 32), interpolation=cv2.INTER_CUBIC)
    fine = rng.integers(-12, 13, big.shape, dtype=np.int16)
    return np.clip(big.astype(np.int16) + fine, 0, 255).astype(np.uint8)


def make_clip(folder: Path, frames: int, width: int = 1920, height: int = 1080) -> tuple[Path, list[str]]:
    """A grey H.264 clip of a pan with a moving red disc; colour references of frames 0
    and frames // 2 as PNG. Returns (clip, ["N:path", ...])."""
    from colorcore.colorspace import luma_of
    from colorcore.media import open_writer, write_image

    canvas = textured(height + 64, width + 2 * frames + 64, seed=1)
    yy, xx = np.mgrid[0:height, 0:width]
    references = []
    with open_writer(folder / "clip.mp4", fps=25, width=width, height=height) as writer:
        for i in range(frames):
            rgb = canvas[16 : 16 + height, 2 * i : 2 * i + width].copy()
            disc = (xx - (300 + 8 * i)) ** 2 + (yy - height // 2) ** 2 < 120**2
            rgb[disc] = (200, 40, 40)
            if i in (0, frames // 2):
                path = folder / f"ref{i}.png"
                write_image(path, rgb)
                references.append(f"{i}:{path}")
            grey = np.round(luma_of(rgb) * 255).astype(np.uint8)
            writer.write(np.repeat(grey[..., None], 3, axis=2))
    return folder / "clip.mp4", references


def make_still(folder: Path, width: int = 3840, height: int = 2160) -> tuple[Path, Path]:
    """A 4K grey still and its marked copy (a few colour scribbles)."""
    from colorcore.colorspace import luma_of
    from colorcore.media import write_image

    rgb = textured(height, width, seed=2)[:height, :width]
    grey = np.round(luma_of(rgb) * 255).astype(np.uint8)
    marked = np.repeat(grey[..., None], 3, axis=2)
    rng = np.random.default_rng(3)
    for _ in range(40):
        x, y = int(rng.integers(0, width - 200)), int(rng.integers(0, height - 12))
        marked[y : y + 6, x : x + 200] = rgb[y : y + 6, x : x + 200]
    write_image(folder / "still.png", grey)
    write_image(folder / "still_marked.png", marked)
    return folder / "still.png", folder / "still_marked.png"


def run_measured(argv: list[str]) -> dict:
    """Run ``python -m colorcore ARGV``; its exit status, seconds, peak RSS (MiB), stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "colorcore", *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # wait4 gives this child's own peak RSS (getrusage(RUSAGE_CHILDREN) would mix runs).
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    err = child.stderr.read().decode(errors="replace").strip()
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "stderr": err.splitlines()[-1] if err else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--scratch", type=Path, help="folder for the test media (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also save the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keyhue-load-", dir=args.scratch) as scratch:
        folder = Path(scratch)
        report = {}
        clip, references = make_clip(folder, args.frames)
        argv = ["video", str(clip), "-o", str(folder / "out.mp4")]
        for ref in references:
            argv += ["--reference", ref]
        report["clip_1080p"] = run_measured(argv)
        report["clip_1080p"].update(frames=args.frames, fps=round(args.frames / report["clip_1080p"]["seconds"], 2))
        grey, marked = make_still(folder)
        report["still_4k_fast"] = run_measured(["image", str(grey), str(marked), "-o", str(folder / "out.png")])
        report["still_4k_exact"] = run_measured(
            ["image", str(grey), str(marked), "-o", str(folder / "out_exact.png"), "--solver", "exact"]
        )
    for name, figures in report.items():
        print(
            f"{name:15} exit {figures['exit']}  {figures['seconds']:7.1f} s  peak RSS {figures['peak_rss_mib']:6d} MiB"
            + (f"  ({figures['stderr']})" if figures["exit"] else "")
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    ok = report["clip_1080p"]["exit"] == 0 and report["still_4k_fast"]["exit"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
