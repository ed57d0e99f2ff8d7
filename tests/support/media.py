"""Synthetic media for the tests: pattern frames that survive lossy coding, encoded clips.

Frames carry their own index as a pattern of big blocks (one bit per block), so random
access can be checked exactly even on H.264.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from colorcore.media import open_writer, rgb_to_luma

W, H = 64, 48


def pattern(i: int, width: int = W, height: int = H) -> np.ndarray:
    """An RGB uint8 frame whose 2x4 blocks spell the bits of i; distinct colours."""
    img = np.empty((height, width, 3), np.uint8)
    bh, bw = height // 2, width // 4
    for b in range(8):
        r, c = divmod(b, 4)
        on = (i >> b) & 1
        img[r * bh : (r + 1) * bh, c * bw : (c + 1) * bw] = (200, 150, 60) if on else (40, 70, 120)
    return img


def read_pattern(img: np.ndarray) -> int:
    """The index spelled by pattern(); works on RGB or luma, 8 or 16 bit."""
    grey = img if img.ndim == 2 else rgb_to_luma(img)
    grey = grey.astype(np.float64) / (257.0 if img.dtype == np.uint16 else 1.0)
    bh, bw = grey.shape[0] // 2, grey.shape[1] // 4
    value = 0
    for b in range(8):
        r, c = divmod(b, 4)
        if grey[r * bh + bh // 2, c * bw + bw // 2] > 110:
            value |= 1 << b
    return value


def encode_h264(path: Path, n: int, *, gop=12, bframes=2, open_gop=False, fps=24, faststart=False):
    """An H.264 mp4 of pattern frames with fixed GOP size and B-frames (PyAV)."""
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"
        params += f":open-gop={int(open_gop)}"
        options = {"preset": "fast", "crf": "20", "x264-params": params}
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(pattern(i), format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def encode_with_audio(path: Path, audio_codec: str, *, n=24, fps=24, rate=48000):
    """A clip of n pattern frames with a 440 Hz stereo sine of the same length."""
    video_codec = "libx264" if path.suffix == ".mp4" else "ffv1"
    with av.open(str(path), "w") as container:
        video = container.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        audio = container.add_stream(audio_codec, rate=rate)
        audio.layout = "stereo"
        total, done, shown = n * rate // fps, 0, 0
        while shown < n or done < total:
            if shown < n and (done >= total or shown / fps <= done / rate):
                frame = av.VideoFrame.from_ndarray(pattern(shown), format="rgb24").reformat(format="yuv420p")
                frame.pts = shown
                container.mux(video.encode(frame))
                shown += 1
            else:
                k = min(1024, total - done)
                t = np.arange(done, done + k) / rate
                wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                chunk = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
                chunk.sample_rate, chunk.pts = rate, done
                container.mux(audio.encode(chunk))
                done += k
        container.mux(video.encode())
        container.mux(audio.encode())
    return path


def audio_seconds(path: Path) -> float:
    """Decoded length of the first audio stream, in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.codec_context.sample_rate


def write_clip(path, frames, *, fps=24, bit_depth=8, **kwargs):
    height, width = frames[0].shape[:2]
    with open_writer(path, fps=fps, width=width, height=height, bit_depth=bit_depth, **kwargs) as writer:
        for frame in frames:
            writer.write(frame)
    return path
