"""VideoFileWriter: H.264 .mp4, ProRes .mov or FFV1 .mkv, written atomically."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from colorcore.errors import InputError
from colorcore.media.audio import AudioCopier
from colorcore.media.leftovers import partial_video
from colorcore.media.writer import FrameWriter, output_error
from colorcore.media.yuv import (
    ENCODE_FLAGS,
    OutputColour,
    rgb16_to_yuv444p16,
    rgb_output_colour,
    yuv_output_colour,
)


@dataclass(frozen=True)
class _Recipe:
    container_format: str
    codec: str
    pix_fmt: dict[int, str]  # by input bit depth
    options: dict[str, str] = field(default_factory=dict)
    container_options: dict[str, str] = field(default_factory=dict)
    even_width: bool = True
    even_height: bool = True


_RECIPES = {
    # Delivery: plays everywhere; CRF 16 is high quality at a moderate size.
    "mp4": _Recipe(
        "mp4",
        "libx264",
        {8: "yuv420p", 16: "yuv420p"},
        {"crf": "16", "preset": "medium"},
        {"movflags": "+faststart"},  # index first: starts playing before fully loaded
    ),
    # Editing: ProRes 422 HQ (profile 3), 10-bit 4:2:2.
    "mov": _Recipe(
        "mov",
        "prores_ks",
        {8: "yuv422p10le", 16: "yuv422p10le"},
        {"profile": "3", "vendor": "apl0"},
        even_height=False,
    ),
    # Archive: FFV1 version 3, every frame a keyframe, CRCs per slice; RGB stored as is
    # (FFV1 takes 8-bit RGB as bgr0, 16-bit as planar gbrp16le).
    "mkv": _Recipe(
        "matroska",
        "ffv1",
        {8: "bgr0", 16: "gbrp16le"},
        # ("context": "1" packs tighter but encodes about 2.5 times slower.)
        {"level": "3", "g": "1", "slicecrc": "1"},
        even_width=False,
        even_height=False,
    ),
}


class VideoFileWriter(FrameWriter):
    """Encodes frames into a video file; see open_writer for the formats.

    The file is written as '.<name>.partial-<pid>-<random><ext>' in the output's folder and
    renamed onto the output by close(). Use open_writer rather than this constructor.
    """

    def __init__(
        self,
        path: Path,
        kind: str,
        frame_rate: Fraction,
        width: int,
        height: int,
        bit_depth: int,
        *,
        audio_from: Path | None = None,
        audio_origin: float | None = None,
    ):
        super().__init__(path, frame_rate, width, height, bit_depth)
        self._state = "starting"  # not "open" until everything below succeeded
        recipe = _RECIPES[kind]
        if (recipe.even_width and width % 2) or (recipe.even_height and height % 2):
            raise InputError(
                f"cannot write '{path}': {recipe.codec} needs an even frame size, not "
                f"{width}x{height} (write .mkv or a frame folder instead)"
            )
        self.kind = kind
        self._pix_fmt = recipe.pix_fmt[bit_depth]
        self._in_fmt = "rgb48le" if bit_depth == 16 else "rgb24"  # for FFV1
        self._colour: OutputColour = rgb_output_colour() if kind == "mkv" else yuv_output_colour(height)
        self._tmp = partial_video(path)
        self._container: av.container.OutputContainer | None = None
        self._audio: AudioCopier | None = None
        self._reformatter = VideoReformatter()
        try:
            self._container = container = av.open(
                str(self._tmp),
                "w",
                format=recipe.container_format,
                options=recipe.container_options,
            )
            stream = container.add_stream(recipe.codec, rate=frame_rate, options=recipe.options)
            assert isinstance(stream, av.VideoStream)  # every recipe's codec is a video codec
            stream.width = width
            stream.height = height
            stream.pix_fmt = self._pix_fmt
            stream.codec_context.time_base = 1 / frame_rate
            stream.codec_context.thread_count = 0  # as many as there are cores
            self._colour.tag_codec(stream.codec_context)
            self._stream = stream
            if audio_from is not None:
                self._audio = AudioCopier(self._container, kind, audio_from, audio_origin)
        except OSError as exc:  # PyAV's errors for a bad path or device are OSErrors
            self._quiet_discard()
            raise output_error(path, exc) from None
        except BaseException:
            self._quiet_discard()
            raise
        self._state = "open"

    def _quiet_discard(self) -> None:
        with contextlib.suppress(OSError):
            self._discard()

    @property
    def audio_codec(self) -> str | None:
        """Codec of the output's audio stream, or None when there is none."""
        return None if self._audio is None else self._audio.codec

    def _write(self, rgb: np.ndarray) -> None:
        if self._colour.sws_matrix is None:  # FFV1: RGB stays RGB, exactly
            frame = av.VideoFrame.from_ndarray(rgb, format=self._in_fmt)
            frame = self._reformatter.reformat(frame, format=self._pix_fmt)
        elif rgb.dtype == np.uint16 and self.kind == "mp4":
            # 8-bit H.264: round to 8 bits first, then the exact 8-bit path.
            rgb8 = ((rgb.astype(np.uint32) + 128) // 257).astype(np.uint8)
            frame = self._to_yuv(av.VideoFrame.from_ndarray(rgb8, format="rgb24"))
        elif rgb.dtype == np.uint16:
            # swscale's 16-bit RGB is not full scale (see yuv.py): apply the matrix here.
            codes = rgb16_to_yuv444p16(rgb, *self._colour.kr_kb)
            frame = av.VideoFrame.from_ndarray(codes, format="yuv444p16le", channel_last=True)
            self._colour.tag_frame(frame)  # so the subsampling does not convert range
            frame = self._reformatter.reformat(frame, format=self._pix_fmt, interpolation=ENCODE_FLAGS)
        else:
            frame = self._to_yuv(av.VideoFrame.from_ndarray(rgb, format="rgb24"))
        self._colour.tag_frame(frame)
        frame.pts = self.frames_written
        frame.time_base = self._stream.codec_context.time_base
        assert self._container is not None  # open until _finish or _discard
        self._container.mux(self._stream.encode(frame))
        if self._audio is not None:
            self._audio.pump(float((self.frames_written + 1) / self.frame_rate))

    def _to_yuv(self, frame):
        return self._reformatter.reformat(
            frame,
            format=self._pix_fmt,
            interpolation=ENCODE_FLAGS,
            dst_colorspace=self._colour.sws_matrix,
            dst_color_range=self._colour.color_range,
        )

    def _finish(self) -> None:
        container, self._container = self._container, None
        assert container is not None  # the base class finishes an open writer once
        container.mux(self._stream.encode(None))
        if self._audio is not None:
            self._audio.finish(float(self.frames_written / self.frame_rate))
        container.close()
        self._tmp.replace(self.path)

    def _discard(self) -> None:
        if self._audio is not None:
            self._audio.close()
        if self._container is not None:
            container, self._container = self._container, None
            # A half-written file: its trailer does not matter.
            with contextlib.suppress(Exception):
                container.close()
        self._tmp.unlink(missing_ok=True)
