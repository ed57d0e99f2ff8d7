"""VideoClip: a video file decoded with PyAV, with frame-accurate random access.

Opening demuxes the video stream once, without decoding: every packet's presentation
timestamp (pts), sorted, is the list of frames, so frame i is the i-th pts in display
order whatever the frame rate does or the B-frames reorder. Keyframe packets give the
places a decoder can start from.

Random access to frame i: if the decoder is already just before i (the previous request
was i-1, or a little earlier in the same group of pictures) it decodes forward; otherwise
it seeks to the last keyframe at or before i and decodes forward to the frame whose pts
is exactly pts[i]. Frames decoded on the way go into the clip's LRU cache still in YUV,
so stepping backwards through a group of pictures decodes it only once.

Files whose packets carry no usable pts (missing or repeated) fall back to counting
decoded frames from the start; random access then re-reads from the start when it has
to go backwards.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from colorcore.errors import InputError
from colorcore.media.cache import CachedFrame
from colorcore.media.clip import DEFAULT_FOLDER_FPS, AudioInfo, Clip
from colorcore.media.limits import check_frame_size
from colorcore.media.pixels import rgb_to_luma
from colorcore.media.yuv import DECODE_FLAGS, frame_to_rgb16, source_matrix

# How many frames behind the target's keyframe the decoder may be and still walk forward
# rather than seek (a seek costs about as much as decoding a frame or two).
_WALK_SLACK = 4
# Seek attempts before re-reading from the start: the target's keyframe, then earlier
# ones, for demuxers whose seeking lands a little late.
_SEEK_TRIES = 3

_ATTACHED_PIC = 1024  # AV_DISPOSITION_ATTACHED_PIC: cover art, not a video


@dataclass
class _Index:
    """The video stream as learnt from one demuxing pass."""

    frame_count: int
    time_base: Fraction
    pts: list[int] | None  # sorted pts of every frame; None when pts are unusable
    keyframes: list[int] = field(default_factory=list)  # display indices, sorted
    pts_to_index: dict[int, int] = field(default_factory=dict)

    def keyframe_before(self, i: int) -> int | None:
        """Display index of the last keyframe at or before frame i, or None."""
        k = bisect.bisect_right(self.keyframes, i) - 1
        return self.keyframes[k] if k >= 0 else None


# FFmpeg demuxers that render any text file as a video of its characters (a README.txt
# would open as a clip): they are not footage.
_TEXT_DEMUXERS = {"tty", "bin", "xbin", "adf", "idf"}
#: File name endings taken as video files where a folder is searched for clips (the
#: benchmarks' data folders, training folders); :func:`colorcore.media.open_clip` itself
#: opens any file FFmpeg decodes.
VIDEO_EXTENSIONS = (
    *(".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mxf", ".mpg", ".mpeg"),
    *(".ts", ".m2ts", ".mts", ".dv", ".flv", ".wmv", ".ogv", ".y4m"),
)


def _open_container(path: Path):
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except FileNotFoundError:
        raise InputError(f"cannot open '{path}': no such file") from None
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        kind = _container_kind(path)
        if kind is not None:
            raise InputError(f"cannot open '{path}': damaged or truncated {kind} file") from None
        raise InputError(f"cannot open '{path}': not a video or image file") from None
    if set(container.format.name.split(",")) & _TEXT_DEMUXERS:
        container.close()
        raise InputError(f"cannot open '{path}': not a video or image file (a text file)")
    return container


def _container_kind(path: Path) -> str | None:
    """Name of the container a file's first bytes announce, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return None
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return "MP4/MOV"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "Matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "AVI"
    return None


def _video_stream(container, path: Path):
    for stream in container.streams.video:
        if not int(stream.disposition) & _ATTACHED_PIC:
            return stream
    raise InputError(f"'{path}' has no video stream")


def _build_index(container, stream, path: Path) -> _Index:
    pts: list[int | None] = []
    key_pts: list[int] = []
    end = None  # latest pts + duration seen
    present = 0  # packets in the file, including ones the demuxer marks as discarded
    first_key = None  # pts of the first keyframe in decode order
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the end-of-stream marker PyAV adds
                continue
            present += 1
            if packet.is_discard:  # before an edit list's start: the decoder drops it
                continue
            if packet.is_keyframe and first_key is None:
                first_key = packet.pts
            pts.append(packet.pts)
            if packet.pts is not None and packet.duration:
                end = max(end or 0, packet.pts + packet.duration)
            if packet.is_keyframe and packet.pts is not None:
                key_pts.append(packet.pts)
    except (av.FFmpegError, OSError) as exc:
        raise InputError(f"'{path}' is damaged: reading stopped after {len(pts)} frames ({_reason(exc)})") from None
    if first_key is not None and None not in pts:
        # A stream cut out of a longer one may begin with pictures that refer to frames
        # before the cut; decoders drop them, so they are not frames of the clip.
        pts = [p for p in pts if p >= first_key]
    if not pts:
        raise InputError(f"'{path}' has no video frames (empty or truncated)")
    if stream.frames and present < stream.frames:
        raise InputError(f"'{path}' is truncated: its index lists {stream.frames} frames but the file holds {present}")
    _check_declared_duration(stream, pts, end, path)
    index = _Index(frame_count=len(pts), time_base=stream.time_base or Fraction(1, 1), pts=None)
    if None not in pts and len(set(pts)) == len(pts):
        index.pts = sorted(pts)  # type: ignore[arg-type]
        index.pts_to_index = {p: i for i, p in enumerate(index.pts)}
        index.keyframes = sorted(index.pts_to_index[p] for p in key_pts)
    return index


def _check_declared_duration(stream, pts: list[int | None], end: int | None, path: Path) -> None:
    # Matroska has no frame count, but FFmpeg and mkvmerge tag each track's DURATION:
    # frames ending well before it mean the file was cut short.
    tag = (stream.metadata or {}).get("DURATION")
    match = re.fullmatch(r"(\d+):(\d+):(\d+(?:\.\d*)?)", tag.strip()) if tag else None
    known = sorted(p for p in pts if p is not None)
    if match is None or len(known) < 2 or not stream.time_base:
        return
    hours, minutes, seconds = match.groups()
    declared = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    step = float(np.median(np.diff(known)))
    last = max(known[-1] + step, end or 0)
    span = float((last - known[0]) * stream.time_base)
    if span < declared - 0.5 * step * float(stream.time_base):
        raise InputError(f"'{path}' is truncated: its frames end at {span:.2f} s but it declares {declared:.2f} s")


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _frame_rate(stream, index: _Index) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return Fraction(rate)
    if index.pts is not None and index.frame_count > 1:
        span = (index.pts[-1] - index.pts[0]) * index.time_base
        if span > 0:
            return (index.frame_count - 1) / span
    return Fraction(DEFAULT_FOLDER_FPS)


def _audio_info(container) -> AudioInfo | None:
    for stream in container.streams.audio:
        ctx = stream.codec_context
        duration = None
        if stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        return AudioInfo(
            codec=ctx.name,
            sample_rate=int(ctx.sample_rate or 0),
            channels=int(ctx.channels or 0),
            duration=duration,
            stream_index=stream.index,
        )
    return None


class _Outcome:
    """Why a decode walk stopped without the frame."""

    OVERSHOT = "overshot"  # the first frame after a seek was already past the target
    MISSING = "missing"  # decoding went past the target, or ended, without it


class _Decoder:
    """One demuxer + decoder over the video stream, that remembers where it is.

    ``next_index`` is the display index of the next frame the decoder will hand out, or
    None when unknown (just after a seek).
    """

    def __init__(self, path: Path, stream_index: int, index: _Index):
        self._path = path
        self._stream_index = stream_index
        self._index = index
        self._container: av.container.InputContainer | None = None
        self._stream: av.VideoStream | None = None
        self._frames: Iterator[tuple[int, av.VideoFrame]] | None = None
        self.next_index: int | None = None
        # Counters, for tests and profiling: how the frames asked for were reached.
        self.seeks = 0
        self.restarts = 0
        self.decoded = 0
        self._threaded = True

    def close(self) -> None:
        """Close the file (a later read reopens it)."""
        self._frames = None
        self.next_index = None
        if self._container is not None:
            container, self._container = self._container, None
            with contextlib.suppress(av.FFmpegError):
                container.close()

    def _restart(self) -> None:
        # Reopening is the one reliable way back to the very first packet.
        self.close()
        self.restarts += 1
        self._container = container = _open_container(self._path)
        stream = container.streams[self._stream_index]
        assert isinstance(stream, av.VideoStream)  # the index was made from this file's video stream
        self._stream = stream
        # Frame threads are fastest, but report a damaged packet a few packets late.
        stream.thread_type = "AUTO" if self._threaded else "SLICE"
        self._frames = self._decode_all(container, stream)
        self.next_index = 0

    def _decode_all(
        self, container: av.container.InputContainer, stream: av.VideoStream
    ) -> Iterator[tuple[int, av.VideoFrame]]:
        counted = 0
        by_pts = self._index.pts_to_index
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError as exc:
                where = by_pts.get(packet.pts) if packet.pts is not None else None
                raise _DecodeError(where, exc) from None
            for frame in frames:
                self.decoded += 1
                if self._index.pts is None:
                    counted += 1
                    yield counted - 1, frame
                else:
                    i = by_pts.get(frame.pts) if frame.pts is not None else None
                    if i is not None:  # else: a frame the index does not know; skip it
                        yield i, frame

    def read(self, i: int, keep=None) -> av.VideoFrame:
        """Decode frame ``i``; ``keep(j, frame)`` receives frames decoded on the way.

        Raises:
            InputError: frame i cannot be decoded.
        """
        try:
            frame = None
            if self._container is None:
                self._restart()
            if self._can_walk_to(i):
                assert self.next_index is not None  # _can_walk_to checked it
                frame, _ = self._walk(i, keep, floor=self.next_index, after_seek=False)
            if frame is None:
                frame = self._seek_read(i, keep)
            return frame
        except _DecodeError as exc:
            self.close()
            if self._threaded:
                # Decode again without frame threads to learn which frame is damaged.
                self._threaded = False
                try:
                    return self.read(i, keep)
                finally:
                    self._threaded = True
            at = i if exc.index is None else exc.index
            raise InputError(f"frame {at} of '{self._path}' cannot be decoded ({_reason(exc.cause)})") from None
        except (av.FFmpegError, OSError) as exc:
            self.close()
            raise InputError(f"frame {i} of '{self._path}' cannot be read ({_reason(exc)})") from None
        except BaseException:
            self.close()
            raise

    def _can_walk_to(self, i: int) -> bool:
        if self._frames is None or self.next_index is None or self.next_index > i:
            return False
        if self._index.pts is None:
            return True
        keyframe = self._index.keyframe_before(i)
        return keyframe is None or self.next_index >= keyframe - _WALK_SLACK

    def _seek_read(self, i: int, keep) -> av.VideoFrame:
        starts: list[int | None] = []
        pts = self._index.pts
        if pts is not None:
            k = bisect.bisect_right(self._index.keyframes, i) - 1
            starts = [self._index.keyframes[j] for j in range(k, max(k - _SEEK_TRIES, -1), -1)]
        starts.append(None)  # finally: from the very start
        for start in starts:
            if start is None or pts is None or self._container is None or self._stream is None:
                self._restart()
            else:
                self.seeks += 1
                self._container.seek(pts[start], stream=self._stream, backward=True)
                self._frames = self._decode_all(self._container, self._stream)
                self.next_index = None
            frame, outcome = self._walk(i, keep, floor=start or 0, after_seek=start is not None)
            if frame is not None:
                return frame
            if outcome == _Outcome.MISSING:
                break
        self.close()
        raise InputError(f"frame {i} of '{self._path}' cannot be decoded (it is missing or damaged)")

    def _walk(self, i: int, keep, floor: int, after_seek: bool):
        """Decode forward to frame i: (frame, None) or (None, an _Outcome)."""
        assert self._frames is not None  # callers restart or seek first
        first = True
        for j, frame in self._frames:
            if first and after_seek and j > i:
                return None, _Outcome.OVERSHOT
            first = False
            if j > i:
                self.next_index = j + 1
                if keep is not None and not frame.is_corrupt:
                    keep(j, frame)
                return None, _Outcome.MISSING
            self.next_index = j + 1
            if j == i:
                if frame.is_corrupt:  # the decoder concealed damage in this frame
                    raise InputError(f"frame {i} of '{self._path}' is damaged")
                return frame, None
            # Frames before the seek's keyframe may lack references; damaged ones are not
            # kept, so that asking for them reports the damage.
            if keep is not None and j >= floor and not frame.is_corrupt:
                keep(j, frame)
        self._frames = None
        self.next_index = None
        return None, (_Outcome.OVERSHOT if first else _Outcome.MISSING)


class _DecodeError(Exception):
    def __init__(self, index: int | None, cause: BaseException):
        super().__init__(str(cause))
        self.index = index
        self.cause = cause


class VideoClip(Clip):
    """A video file as a clip (see the module docstring for how access works).

    ``luma(i)`` is the BT.601 luma of ``rgb(i)``, which is the decoded frame converted
    to full-range RGB with the stream's matrix. For limited-range YUV this expands Y:
    a grey source's Y code 16..235 comes back as round((Y - 16) * 255 / 219) = 0..255,
    exactly. Sources deeper than 8 bits are read as 16-bit (uint16, full 0..65535 range).
    ``pixel_format`` names the decoded frames' FFmpeg format, e.g. 'yuv422p10le'.

    Use ``open_clip`` rather than this constructor.
    """

    def __init__(self, path: Path, *, cache_frames: int = 32, cache_bytes: int = 256 * 2**20):
        super().__init__(cache_frames, cache_bytes)
        self.path = Path(path)
        if self.path.is_file() and self.path.stat().st_size == 0:
            raise InputError(f"cannot open '{self.path}': the file is empty")
        container = _open_container(self.path)
        try:
            stream = _video_stream(container, self.path)
            self._stream_index = stream.index
            self._index = _build_index(container, stream, self.path)
            self.frame_rate = _frame_rate(stream, self._index)
            self.audio = _audio_info(container)
            declared = stream.codec_context.format
            declared_size = (stream.codec_context.width, stream.codec_context.height)
            if min(declared_size) > 0:  # refused before any frame is decoded
                check_frame_size(*declared_size, f"the video '{self.path}'")
        finally:
            container.close()
        self.frame_count = self._index.frame_count
        self._decoder = _Decoder(self.path, self._stream_index, self._index)
        self._reformatter = VideoReformatter()
        try:
            first = self._decoder.read(0)
        except InputError as exc:
            raise InputError(f"cannot decode any frame of '{self.path}': {exc}") from None
        check_frame_size(first.width, first.height, f"the video '{self.path}'")
        self.width, self.height = first.width, first.height
        fmt = first.format or declared  # what the decoder gives is what counts
        self.bit_depth = 16 if max(c.bits for c in fmt.components) > 8 else 8
        #: FFmpeg pixel format of the decoded frames, e.g. 'yuv420p', 'yuv422p10le'.
        self.pixel_format = fmt.name
        self._cache.put(0, CachedFrame(decoded=first))

    @property
    def start_time(self) -> float:
        """Time of frame 0 on the file's own clock, in seconds (for syncing its audio)."""
        if self._index.pts is None:
            return 0.0
        return float(self._index.pts[0] * self._index.time_base)

    def frame_time(self, i: int) -> float:
        """Presentation time of frame ``i`` in seconds, counted from frame 0."""
        i = self._check_index(i)
        if self._index.pts is None:
            return i / self.fps
        return float((self._index.pts[i] - self._index.pts[0]) * self._index.time_base)

    def _load(self, i: int) -> CachedFrame:
        def keep(j: int, frame) -> None:
            if j not in self._cache:
                self._cache.put(j, CachedFrame(decoded=frame))

        return CachedFrame(decoded=self._decoder.read(i, keep))

    def _decoded_to_rgb(self, frame, i: int, reformatter: VideoReformatter | None = None) -> np.ndarray:
        if (frame.width, frame.height) != (self.width, self.height):
            raise InputError(
                f"frame {i} of '{self.path}' is {frame.width}x{frame.height} but the clip is "
                f"{self.width}x{self.height} (size changes inside a video are not supported)"
            )
        reformatter = reformatter or self._reformatter
        if self.bit_depth == 16:
            return frame_to_rgb16(frame, reformatter)
        converted = reformatter.reformat(
            frame, format="rgb24", interpolation=DECODE_FLAGS, src_colorspace=source_matrix(frame)
        )
        # Copy out of the frame's buffer (padded rows; owned by FFmpeg).
        return np.array(converted.to_ndarray())

    def _iterate(self, kind: str, start: int, stop: int) -> Iterator[np.ndarray]:
        decoder = _Decoder(self.path, self._stream_index, self._index)
        reformatter = VideoReformatter()
        try:
            for i in range(start, stop):
                rgb = self._decoded_to_rgb(decoder.read(i), i, reformatter)
                yield rgb_to_luma(rgb) if kind == "luma" else rgb
        finally:
            decoder.close()

    def _close(self) -> None:
        self._decoder.close()
