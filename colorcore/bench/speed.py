"""Speed and memory benchmark of the whole ``colorcore video`` pipeline.

Speed: a grey 854x480 H.264 test video is made from a colour clip (the DAVIS goat clip
when ``../shared/testdata`` is present, else a synthetic moving texture), with marked
keyframes every 25 frames as in the quality benchmark's protocol 2 (simulated strokes
painted on the grey frame, Levin's marked-image convention). ``colorcore video`` then
runs on it in a fresh Python process (decode, flow, solve, encode to a real .mp4) and
reports frames per second and its peak resident memory; on the CPU, and with
``--device cuda`` when torch sees a GPU.

Memory: the same pipeline on synthetic clips of different lengths (300 and 3000 frames
by default) with keyframes every 50 frames, so the keyframe distance is the same; each
run in a fresh process, peak RSS printed side by side. Streaming means the long clip
needs no more memory than the short one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from colorcore.colorspace import luma_of
from colorcore.guidance.hints import Hints

WIDTH, HEIGHT = 854, 480
SPEED_KEYFRAME_STEP = 25
MEMORY_KEYFRAME_STEP = 50
# A long clip may use this much more peak memory than the short one and still count as
# "not growing" (allocator noise, a longer progress line).
MEMORY_TOLERANCE = 1.10


def synthetic_frames(count: int, width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> Iterator[np.ndarray]:
    """A colour clip with known motion: a textured field drifting 2 px right and 1 px down
    a frame (wrapping round), and a red disc crossing it on a circle.

    Yields:
        ``count`` HxWx3 uint8 RGB frames.
    """
    rng = np.random.default_rng(seed)
    # Low-frequency colour blotches plus fine grey grain: texture for the flow to follow.
    blotches = cv2.resize(
        rng.uniform(0.15, 0.85, (height // 40 + 1, width // 40 + 1, 3)), (width, height), interpolation=cv2.INTER_CUBIC
    )
    grain = rng.normal(0.0, 0.04, (height, width, 1))
    base = np.round(np.clip(blotches + grain, 0, 1) * 255).astype(np.uint8)
    radius = height // 8
    for t in range(count):
        frame = np.roll(base, (t, 2 * t), axis=(0, 1))
        angle = 2 * np.pi * t / 120.0
        centre = (int(width / 2 + width / 4 * np.cos(angle)), int(height / 2 + height / 4 * np.sin(angle)))
        cv2.circle(frame, centre, radius, (200, 40, 30), -1, cv2.LINE_AA)
        yield frame


def davis_frames(source: Path, count: int) -> Iterator[np.ndarray]:
    """The first ``count`` frames of a colour clip at 854x480 (resized if needed), as RGB uint8."""
    from colorcore.media import open_clip

    with open_clip(source) as clip:
        for rgb in clip.frames("rgb", 0, count):
            if rgb.dtype != np.uint8:
                rgb = (rgb >> 8).astype(np.uint8)
            if rgb.shape[:2] != (HEIGHT, WIDTH):
                rgb = cv2.resize(rgb, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
            yield rgb


def make_test_video(
    frames: Iterator[np.ndarray], folder: Path, keyframe_step: int, seed: int = 0
) -> tuple[Path, list[str], int]:
    """Write a grey H.264 clip of ``frames`` and marked keyframes into ``folder``.

    Strokes are simulated on the colour keyframes (:func:`simulate_keyframe_strokes`)
    and painted onto the *decoded* grey frame, so that H.264's small luma errors do not
    count as scribbles under Levin's marked-image rule.

    Args:
        frames: HxWx3 uint8 colour frames (the truth the keyframes' strokes come from).
        folder: an existing, writable folder.
        keyframe_step: frames 0, step, 2 step, ... get strokes.
        seed: stroke simulator seed.

    Returns:
        ``(video path, ["N:marked.png", ...] for --keyframe, frame count)``.
    """
    from colorcore.bench.quality import simulate_keyframe_strokes
    from colorcore.media import open_clip, open_writer, write_image

    video = folder / "grey.mp4"
    strokes = {}
    writer = None
    for i, rgb in enumerate(frames):
        if writer is None:
            writer = open_writer(video, fps=24, width=rgb.shape[1], height=rgb.shape[0], bit_depth=8)
        writer.write(np.round(luma_of(rgb) * 255).astype(np.uint8))
        if i % keyframe_step == 0:
            strokes[i] = simulate_keyframe_strokes(rgb, i, seed)
    if writer is None:
        raise ValueError("no frames to write")
    writer.close()
    keyframes = []
    with open_clip(video) as clip:
        size = (clip.width, clip.height)
        for i, painted in strokes.items():
            marked = np.repeat(np.asarray(clip.luma(i))[..., None], 3, axis=2)
            for stroke in painted:
                mask = Hints(size, [stroke]).rasterize(i).mask
                marked[mask] = np.round(np.asarray(stroke.color) * 255).astype(np.uint8)
            path = folder / f"marked-{i:06d}.png"
            write_image(path, marked)
            keyframes.append(f"{i}:{path}")
        count = len(clip)
    return video, keyframes, count


def measure_video_command(argv: Sequence[str]) -> dict:
    """Run ``colorcore video`` in this process and time it.

    Meant to run in a fresh process (see :func:`timed_run`), so that the peak resident
    memory is the pipeline's own.

    Returns:
        ``{"status": exit status, "seconds": wall time, "peak_rss_mib": peak RSS}``.
    """
    import resource

    from colorcore.cli.main import main

    start = time.perf_counter()
    status = main(["video", *argv])
    seconds = time.perf_counter() - start
    return {
        "status": status,
        "seconds": seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def timed_run(video: Path, keyframes: Sequence[str], output: Path, device: str) -> dict:
    """:func:`measure_video_command` in a fresh Python process, on ``video`` with
    ``keyframes``, writing ``output`` (replaced if present). Raises RuntimeError when
    the command fails."""
    argv = [str(video), "-o", str(output), "--overwrite", "--device", device]
    argv += [arg for k in keyframes for arg in ("--keyframe", k)]
    code = "import json, sys; from colorcore.bench.speed import measure_video_command; print(json.dumps(measure_video_command(sys.argv[1:])))"
    # The child's progress bar goes to its stderr; a pipe is not a terminal, so it stays quiet.
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"colorcore video failed (status {done.returncode}): {done.stderr.strip()[-2000:]}")
    figures = json.loads(lines[-1])
    if figures["status"] != 0:
        raise RuntimeError(f"colorcore video exited with status {figures['status']}: {done.stderr.strip()[-2000:]}")
    return figures


def gpu_present() -> bool:
    """True when torch is installed and sees a CUDA device."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def run_speed_benchmark(
    source: Path | None = None, frames: int = 90, device: str = "both", json_path: Path | None = None, out=None
) -> dict:
    """Frames per second of ``colorcore video`` at 854x480; prints one row per device.

    Args:
        source: colour clip to make the test video from; the DAVIS goat clip by default,
            or a synthetic clip when that is absent.
        frames: frames in the test video (fewer if the source is shorter).
        device: "cpu", "cuda" or "both" (CPU, then the GPU when one is present).
        json_path: also write the figures there as JSON.
        out: where the table goes (a text stream; standard output by default).

    Returns:
        ``{"source", "frames", "keyframes", "runs": {device: {"seconds", "fps",
        "peak_rss_mib"}}}``; a device that is absent maps to None.
    """
    from colorcore.bench.quality import DAVIS_FOLDER

    out = out or sys.stdout
    if source is None and (DAVIS_FOLDER / "goat").is_dir():
        source = DAVIS_FOLDER / "goat"
    colour = davis_frames(source, frames) if source is not None else synthetic_frames(frames)
    devices = ["cpu", "cuda"] if device == "both" else [device]
    runs: dict[str, dict | None] = {}  # by device; None where the device is absent
    report: dict[str, object] = {"source": str(source) if source else "synthetic", "runs": runs}
    with tempfile.TemporaryDirectory(prefix="keyhue-speed-") as scratch:
        folder = Path(scratch)
        video, keyframes, count = make_test_video(colour, folder, SPEED_KEYFRAME_STEP)
        report.update(frames=count, keyframes=len(keyframes))
        print(
            f"colorcore video on {report['source']}: {count} frames {WIDTH}x{HEIGHT}, grey H.264 in, "
            f"H.264 out, {len(keyframes)} marked keyframes (every {SPEED_KEYFRAME_STEP} frames)",
            file=out,
        )
        print(f"{'device':>6} {'seconds':>9} {'frames/s':>9} {'peak RSS MiB':>13}", file=out, flush=True)
        for name in devices:
            if name == "cuda" and not gpu_present():
                runs[name] = None
                print(f"{name:>6}   skipped: no GPU (torch.cuda is not available)", file=out, flush=True)
                continue
            figures = timed_run(video, keyframes, folder / f"out-{name}.mp4", name)
            figures["fps"] = count / figures["seconds"]
            runs[name] = figures
            print(
                f"{name:>6} {figures['seconds']:9.1f} {figures['fps']:9.2f} {figures['peak_rss_mib']:13.0f}",
                file=out,
                flush=True,
            )
    _save(report, json_path)
    return report


def run_memory_benchmark(
    lengths: Sequence[int] = (300, 3000), device: str = "cpu", json_path: Path | None = None, out=None
) -> dict:
    """Peak RSS of ``colorcore video`` on synthetic 854x480 clips of several lengths.

    Every clip has keyframes every :data:`MEMORY_KEYFRAME_STEP` frames, so the keyframe
    distance stays the same while the length changes; each run is a fresh process.
    (A longer clip has more keyframes, so the hints themselves grow with it; they are
    kept as painted pixels only, see :class:`colorcore.hints.RasterHint`.)

    Returns:
        ``{"runs": {length: {"seconds", "fps", "peak_rss_mib", "keyframes"}},
        "grows": bool}``: ``grows`` is True when the longest clip's peak exceeds the
        shortest's by more than :data:`MEMORY_TOLERANCE`.
    """
    out = out or sys.stdout
    runs: dict[int, dict] = {}  # by clip length
    report: dict[str, object] = {"keyframe_step": MEMORY_KEYFRAME_STEP, "runs": runs}
    print(
        f"peak memory of colorcore video on synthetic {WIDTH}x{HEIGHT} clips, keyframes every {MEMORY_KEYFRAME_STEP} frames, device {device}",
        file=out,
    )
    print(f"{'frames':>7} {'keyframes':>9} {'seconds':>9} {'frames/s':>9} {'peak RSS MiB':>13}", file=out, flush=True)
    for length in sorted(lengths):
        with tempfile.TemporaryDirectory(prefix="keyhue-memory-") as scratch:
            folder = Path(scratch)
            video, keyframes, count = make_test_video(synthetic_frames(length), folder, MEMORY_KEYFRAME_STEP)
            figures = timed_run(video, keyframes, folder / "out.mp4", device)
        figures.update(fps=count / figures["seconds"], keyframes=len(keyframes))
        runs[count] = figures
        print(
            f"{count:>7} {len(keyframes):>9} {figures['seconds']:9.1f} {figures['fps']:9.2f} {figures['peak_rss_mib']:13.0f}",
            file=out,
            flush=True,
        )
    peaks = [runs[n]["peak_rss_mib"] for n in sorted(runs)]
    grows = bool(peaks[-1] > peaks[0] * MEMORY_TOLERANCE)
    report["grows"] = grows
    verdict = "grows with clip length" if grows else "does not grow with clip length"
    print(f"peak memory {verdict} ({peaks[0]:.0f} -> {peaks[-1]:.0f} MiB)", file=out)
    _save(report, json_path)
    return report


def _save(report: dict, json_path: Path | None) -> None:
    if json_path is not None:
        from colorcore.media.images import write_bytes_atomic

        write_bytes_atomic(Path(json_path), json.dumps(report, indent=1).encode("utf-8"))
