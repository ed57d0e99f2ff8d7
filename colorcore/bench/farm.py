"""Farm benchmark: ``--workers N`` against the serial render, in one run, same clip.

The clip is the speed benchmark's (:func:`colorcore.bench.speed.make_test_video`): 300
frames at 854x480 by default, a grey H.264 video with marked keyframes every 25 frames
(``keyframe_step``; 0: one keyframe, at the start: one long run, whose scan the farm
computes ahead on the other workers, :mod:`colorcore.farm.scan_ahead`),
made from the DAVIS goat clip (looped to length) when ``../shared/testdata`` is present,
else from a synthetic moving texture. Both renders write FFV1 (.mkv) and must decode to
the same frames. Reported:

- serial seconds, farm job seconds (cluster already up; idle while the serial render
  runs) and cluster start-up seconds; the speed-up without and with the start-up;
  ``--repeat N`` runs N serial/farm pairs in alternating order and compares the means;
- the per-task overhead of this cluster (round trip of an empty task);
- object-store traffic per frame (keyframe chroma shared with the units, and the spec);
- the driver's share: its CPU seconds per frame (assembly and encoding) against a
  worker's seconds per frame;
- the load average before and after (the machine is shared).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from colorcore.bench.speed import SPEED_KEYFRAME_STEP, davis_frames, make_test_video, synthetic_frames


def looped(frames: list[np.ndarray], count: int) -> Iterator[np.ndarray]:
    """``count`` frames of ``frames`` played forward, then backward, and so on (no jump)."""
    cycle = frames + frames[-2:0:-1] if len(frames) > 1 else frames
    for i in range(count):
        yield cycle[i % len(cycle)]


def _guidance(video: Path, keyframes: list[str]):
    from colorcore.guidance.hints import Hints
    from colorcore.guidance.references import Guidance
    from colorcore.media import open_clip, read_image

    with open_clip(video) as clip:
        hints = Hints(canvas_size=(clip.width, clip.height))
        for text in keyframes:
            frame, path = text.split(":", 1)
            found = Hints.from_marked(clip.luma(int(frame)), read_image(path), frame=int(frame))
            hints.rasters.extend(found.rasters)
    return Guidance(hints=hints)


def run_farm_benchmark(
    workers: int = 2,
    frames: int = 300,
    repeat: int = 1,
    source: Path | None = None,
    json_path: Path | None = None,
    out=None,
    keyframe_step: int = SPEED_KEYFRAME_STEP,
) -> dict:
    """Serial vs farm on the same clip in this process; prints a table, returns the figures.

    Args:
        workers: local Ray workers for the farm run.
        frames: clip length (keyframes every 25 frames).
        source: colour clip to build the test clip from (looped to ``frames``); the DAVIS
            goat clip by default, or a synthetic clip when that is absent.
        json_path: also save the figures as JSON.
        out: text stream for the table (standard output by default).
        keyframe_step: keyframes every this many frames; 0: frame 0 only.
    """
    import ray

    from colorcore.bench.quality import DAVIS_FOLDER
    from colorcore.farm.api import FarmError, clip_job
    from colorcore.farm.cluster import connect
    from colorcore.farm.job import run_jobs
    from colorcore.media import open_clip
    from colorcore.render import write_frames
    from colorcore.video.propagate import colorize_clip

    out = out or sys.stdout
    if source is None and (DAVIS_FOLDER / "goat").is_dir():
        source = DAVIS_FOLDER / "goat"
    colour = looped(list(davis_frames(source, frames)), frames) if source else synthetic_frames(frames)
    report: dict = {"source": str(source) if source else "synthetic", "workers": workers, "cpus": os.cpu_count()}
    report["load_before"] = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="keyhue-farm-bench-") as scratch:
        folder = Path(scratch)
        step = keyframe_step if keyframe_step > 0 else frames + 1
        video, keyframes, count = make_test_video(colour, folder, step)
        guidance = _guidance(video, keyframes)
        report.update(frames=count, keyframes=len(keyframes), keyframe_step=keyframe_step)
        every = f"keyframes every {keyframe_step}" if keyframe_step > 0 else "one keyframe (frame 0)"
        print(
            f"farm benchmark on {report['source']}: {count} frames, {every}, "
            f"FFV1 out; {workers} workers on {os.cpu_count()} cores; load average {report['load_before'][0]:.1f}",
            file=out,
            flush=True,
        )

        def run_serial() -> float:
            cpu_before = time.process_time()
            began = time.perf_counter()
            with open_clip(video) as clip:
                write_frames(
                    colorize_clip(clip, guidance), folder / "serial.mkv", clip, span=range(count), overwrite=True
                )
            serial_cpu.append(time.process_time() - cpu_before)
            return time.perf_counter() - began

        def run_farm() -> tuple[float, float]:
            cpu_before = time.process_time()
            began = time.perf_counter()
            job = clip_job(video, guidance, folder / "farm.mkv", overwrite=True)
            with _ClusterCpu() as cluster:
                run_jobs([job])
            if job.error is not None:
                raise FarmError(job.error)
            scan_chunks.append(job.scan_chunks)
            scan_waits.append(job.scan_wait)
            wall = time.perf_counter() - began
            driver = time.process_time() - cpu_before
            farm_cpu.append(driver + cluster.seconds)
            return wall, driver

        serials: list[float] = []
        jobs: list[float] = []
        loads: list[float] = []
        serial_cpu: list[float] = []
        farm_cpu: list[float] = []
        scan_chunks: list[int] = []
        scan_waits: list[float] = []
        began = time.perf_counter()
        with connect(workers=workers):
            start_up = time.perf_counter() - began
            overhead = _task_overhead(ray)
            for r in range(repeat):
                # Alternate the order (S F, F S, ...) so that a load that drifts during
                # the run weighs on both alike. The idle cluster stays up meanwhile.
                for kind in ("serial", "farm") if r % 2 == 0 else ("farm", "serial"):
                    loads.append(os.getloadavg()[0])
                    if kind == "serial":
                        serials.append(run_serial())
                        print(
                            f"serial           {serials[-1]:7.1f} s  {count / serials[-1]:6.2f} frames/s  (load {loads[-1]:.1f})",
                            file=out,
                            flush=True,
                        )
                    else:
                        job, driver_cpu = run_farm()
                        jobs.append(job)
                        print(
                            f"farm ({workers} workers) {job:7.1f} s  {count / job:6.2f} frames/s  (load {loads[-1]:.1f})",
                            file=out,
                            flush=True,
                        )
        serial, job = sum(serials) / repeat, sum(jobs) / repeat
        identical = _same_frames(folder / "serial.mkv", folder / "farm.mkv")
        with open_clip(video) as clip:
            chroma_bytes = clip.width * clip.height * 2 * 4
            frame_bytes = clip.width * clip.height * 3
            # A scanned frame: full-size luma, working-size luma, two float16 flows and
            # their confidences (colorcore.video.propagate.ScannedFrame).
            small = -(-clip.width // 2) * -(-clip.height // 2)
            scan_bytes = clip.width * clip.height + 13 * small
    report["load_after"] = os.getloadavg()
    units = len(keyframes) + (0 if keyframes and keyframes[0].startswith("0:") else 1)
    report.update(
        serial_seconds=serial,
        farm_job_seconds=job,
        cluster_start_seconds=start_up,
        speedup=serial / job,
        serial_runs=serials,
        serial_cpu_seconds=serial_cpu,
        farm_cpu_seconds=farm_cpu,
        farm_work_ratio=sum(farm_cpu) / sum(serial_cpu),
        farm_runs=jobs,
        loads=loads,
        speedup_with_start=serial / (job + start_up),
        task_overhead_ms=overhead * 1000,
        units=units,
        scan_chunks=scan_chunks,
        scan_wait_seconds=scan_waits,
        object_store_bytes_per_frame=(2 * units * chroma_bytes + len(keyframes) * chroma_bytes) / count
        + (scan_bytes if scan_chunks and scan_chunks[-1] else 0),
        staging_bytes_per_frame=frame_bytes,
        driver_cpu_seconds_per_frame=driver_cpu / count,
        worker_seconds_per_frame=serial / count,
        identical=identical,
    )
    print(
        f"mean of {repeat}: serial {serial:.1f} s, farm {job:.1f} s: speed-up {serial / job:.2f}x "
        f"({serial / (job + start_up):.2f}x with the cluster's start-up of {start_up:.1f} s)",
        file=out,
    )
    print(
        f"identical output: {identical}; scan chunk tasks {scan_chunks[-1]} (the solving task waited "
        f"{scan_waits[-1]:.1f} s for them); task overhead {overhead * 1000:.1f} ms; "
        "object store "
        f"{report['object_store_bytes_per_frame'] / 2**20:.2f} MiB/frame; staging {frame_bytes / 2**20:.2f} MiB/frame; "
        f"driver CPU {driver_cpu / count * 1000:.0f} ms/frame; load average after {report['load_after'][0]:.1f}",
        file=out,
        flush=True,
    )
    cpu_s, cpu_f = sum(serial_cpu) / repeat, sum(farm_cpu) / repeat
    cores = min(workers, os.cpu_count() or workers)
    # The serial render is not one core's work: OpenCV and the codecs use several threads.
    print(
        f"CPU time (independent of the load): serial {cpu_s:.1f} s ({cpu_s / serial:.2f} cores busy), farm "
        f"{cpu_f:.1f} s in all its processes ({cpu_f / cpu_s:.2f}x the serial work); with its {cores} cores "
        f"busy the farm needs at least {cpu_f / cores:.1f} s: at most {cores * serial / cpu_f:.2f}x the serial "
        f"render's {serial:.1f} s",
        file=out,
        flush=True,
    )
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2))
    return report


def _task_overhead(ray, tasks: int = 200) -> float:
    """Seconds per empty task, submitted in a batch and awaited (the scheduler's cost)."""

    @ray.remote(num_cpus=1)
    def empty(i):
        return i

    ray.get([empty.remote(i) for i in range(20)])  # workers warm
    began = time.perf_counter()
    ray.get([empty.remote(i) for i in range(tasks)])
    return (time.perf_counter() - began) / tasks


class _ClusterCpu:
    """CPU seconds (user + system) used while the block runs by this process's descendants
    (the local cluster: GCS, raylet, workers, the progress actor), from /proc; 0 elsewhere.

    The cluster's processes are gone once the job has shut it down, so they are sampled
    while it runs (every 0.2 s) and each one's last reading counts: at most 0.2 s of
    CPU per process escapes.
    """

    def __enter__(self):
        import threading

        self._before = _descendants_cpu()
        self._last = dict(self._before)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self._last.update(_descendants_cpu())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(_descendants_cpu())
        self.seconds = sum(cpu - self._before.get(pid, 0.0) for pid, cpu in self._last.items())


def _descendants_cpu() -> dict[int, float]:
    """CPU seconds used so far by each live descendant of this process, by pid."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parents, cpu = {}, {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    me, mine = os.getpid(), {}
    for pid in cpu:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, me):
            ancestor = parents.get(ancestor)
        if ancestor == me:
            mine[pid] = cpu[pid]
    return mine


def _same_frames(a: Path, b: Path) -> bool:
    from colorcore.media import open_clip

    with open_clip(a) as x, open_clip(b) as y:
        return len(x) == len(y) and all(np.array_equal(x.rgb(i), y.rgb(i)) for i in range(len(x)))
