"""Carry a source's audio into an output video, packet by packet, as the video is written.

The audio is remuxed (copied without re-encoding) when the output container can hold
its codec, and re-encoded to AAC otherwise. Packets are handed to the muxer in step with
the video frames, so the output is interleaved and nothing accumulates in memory. Times
are taken relative to the source's first video frame, which becomes the output's time 0,
so picture and sound stay in sync; audio before that point or after the last written
frame is left out.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av

from colorcore.errors import InputError

# Audio codecs an .mp4 plays with in common players; others are re-encoded to AAC even
# where FFmpeg's muxer would accept them (PCM in MP4 is rarely playable).
_MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"}
_ATTACHED_PIC = 1024


def has_audio(path: Path) -> bool:
    """True when the media file at ``path`` has an audio stream (False if unreadable)."""
    try:
        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except (av.FFmpegError, OSError):
        return False


def _can_copy(container_format: str, stream, kind: str) -> bool:
    """Whether ``stream``'s packets can be muxed unchanged into ``container_format``."""
    if kind == "mp4" and stream.codec_context.name not in _MP4_AUDIO:
        return False
    # The muxer's codec table is not the whole story (MOV lists FLAC but refuses it when
    # writing the header), so write a header into memory and see.
    probe = av.open(io.BytesIO(), "w", format=container_format)
    try:
        probe.add_stream_from_template(stream)
        probe.start_encoding()
        return True
    except (ValueError, av.FFmpegError):
        return False
    finally:
        try:
            probe.close()
        except (ValueError, av.FFmpegError):
            pass


class AudioCopier:
    """Copies the first audio stream of ``source`` into ``output`` (an av output container).

    ``origin``: the time in seconds, on the source's own clock, of the frame that becomes
    the output's first; by default the start of the source's video stream.

    Create it after the video stream and before the first packet is muxed. Then call
    ``pump(t)`` after each video frame with the time the video has reached, and
    ``finish(t_end)`` before closing the container.
    """

    def __init__(self, output, kind: str, source: Path, origin: float | None = None):
        try:
            self._input = av.open(str(source))
        except (av.FFmpegError, OSError):
            raise InputError(f"cannot open '{source}' to copy its audio") from None
        self._source = source
        self._output = output
        self._pending = None
        self._done = False
        streams = self._input.streams
        self._src = streams.audio[0] if streams.audio else None
        if self._src is None:
            self._done = True
            self._input.close()
            return
        # The source's first video frame (at ``origin`` seconds, when the caller knows
        # it) is time 0 of the output.
        self._origin = Fraction(0) if origin is None else Fraction(origin)
        for video in streams.video if origin is None else ():
            if not int(video.disposition) & _ATTACHED_PIC and video.start_time is not None and video.time_base:
                self._origin = video.start_time * video.time_base
                break
        if not self._src.time_base:
            self._input.close()
            raise InputError(f"the audio of '{source}' has no time base; it cannot be copied")
        self._tb: Fraction = self._src.time_base
        self._packets = self._input.demux(self._src)
        self.transcoding = not _can_copy(output.format.name, self._src, kind)
        if not self.transcoding:
            self._out = output.add_stream_from_template(self._src)
        if self.transcoding:
            ctx = self._src.codec_context
            self._out = output.add_stream("aac", rate=ctx.sample_rate)
            self._out.layout = ctx.layout
            self._out.bit_rate = min(320_000, 96_000 * max(1, ctx.channels))

    @property
    def codec(self) -> str | None:
        """Codec of the output audio stream, or None when the source has no audio."""
        return None if self._src is None else self._out.codec_context.name

    def pump(self, until: float) -> None:
        """Mux every source packet that starts before ``until`` seconds of output time.

        Raises:
            InputError: the source's audio cannot be read or decoded.
        """
        try:
            self._pump(until)
        except av.FFmpegError as exc:
            reason = (getattr(exc, "strerror", None) or str(exc)).splitlines()[0]
            raise InputError(f"cannot copy the audio of '{self._source}' ({reason})") from None

    def _pump(self, until: float) -> None:
        while not self._done:
            packet = self._pending if self._pending is not None else self._next_packet()
            self._pending = None
            if packet is None:
                return
            start = self._time(packet)
            if start is None:
                continue
            if start >= until:
                self._pending = packet
                return
            end = start + float((packet.duration or 0) * self._tb)
            if end <= 0 and packet.duration:  # wholly before the first video frame
                continue
            self._emit(packet)

    def finish(self, end: float) -> None:
        """Mux audio up to ``end`` seconds, flush the encoder and close the source."""
        if self._src is None:
            return
        self.pump(end)
        self._done = True
        if self.transcoding:
            self._output.mux(self._out.encode(None))  # the encoder's last frames
        self.close()

    def close(self) -> None:
        """Close the source file."""
        self._done = True
        self._pending = None
        try:
            self._input.close()
        except av.FFmpegError:
            pass

    def _next_packet(self):
        for packet in self._packets:
            if packet.size == 0:  # end-of-stream marker
                continue
            return packet
        self._done = True
        return None

    def _time(self, packet) -> float | None:
        ts = packet.pts if packet.pts is not None else packet.dts
        if ts is None:
            return None
        return float(ts * self._tb - self._origin)

    def _emit(self, packet) -> None:
        shift = round(self._origin / self._tb)
        if not self.transcoding:
            if packet.pts is not None:
                packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
            packet.stream = self._out
            self._output.mux(packet)
            return
        for frame in packet.decode():
            if frame.pts is not None:
                frame.pts -= shift
            self._output.mux(self._out.encode(frame))
