"""YUV <-> RGB conversion settings and colour tags, shared by the reader and the writers.

Reading: libswscale converts decoded YUV to RGB with the matrix and range the stream is
tagged with. An untagged stream is read as BT.709 when it is HD (720 lines or more) and
BT.601 otherwise, the guess players make. ACCURATE_RND and FULL_CHR_H_INT make the
conversion exact to the level: for grey video (neutral chroma) R = G = B =
round((Y - 16) * 255 / 219), i.e. exactly the range-expanded Y plane, which is what luma()
then returns.

Writing: H.264 and ProRes get BT.601 (SMPTE 170M) below 720 lines and BT.709 from 720 up,
limited range, and the same tags on the stream so players decode with the same matrix.
FFV1 stores RGB itself (tagged RGB, full range): no matrix, no loss.
"""

from __future__ import annotations

from dataclasses import dataclass

from av.video.reformatter import ColorPrimaries, ColorRange, ColorTrc, Colorspace, Interpolation

# swscale flags: exact rounding, and chroma interpolated at full resolution on output
# (decode) or taken at full resolution from the input (encode).
DECODE_FLAGS = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
ENCODE_FLAGS = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INP

# FFmpeg's AVColorSpace values (PyAV has no enum for them; Colorspace is swscale's).
AVCOL_SPC_RGB = 0
AVCOL_SPC_BT709 = 1
AVCOL_SPC_UNSPECIFIED = 2
AVCOL_SPC_RESERVED = 3
AVCOL_SPC_SMPTE170M = 6

HD_LINES = 720


def source_matrix(frame) -> int | None:
    """swscale matrix to read ``frame`` (an av.VideoFrame) with; None: use its own tag.

    Only untagged YUV frames need a choice; RGB and grey frames have no matrix.
    """
    fmt = frame.format
    if fmt.is_rgb or len(fmt.components) < 3:
        return None
    if frame.colorspace in (AVCOL_SPC_UNSPECIFIED, AVCOL_SPC_RESERVED) and frame.height >= HD_LINES:
        return Colorspace.ITU709
    return None  # tagged, or SD: swscale's default for unspecified is BT.601


@dataclass(frozen=True)
class OutputColour:
    """Colour tags of an output stream and the swscale matrix that matches them."""

    colorspace: int  # AVColorSpace
    color_range: int  # AVColorRange
    color_primaries: int
    color_trc: int
    sws_matrix: int | None  # swscale Colorspace for RGB -> YUV; None for RGB output

    def tag_codec(self, codec_context) -> None:
        """Set the tags on an encoder's context (libx264 writes them into the VUI)."""
        codec_context.colorspace = self.colorspace
        codec_context.color_range = self.color_range
        codec_context.color_primaries = self.color_primaries
        codec_context.color_trc = self.color_trc

    def tag_frame(self, frame) -> None:
        """Set the tags on a frame (prores_ks copies the frame's tags into its header)."""
        frame.colorspace = self.colorspace
        frame.color_range = self.color_range
        frame.color_primaries = self.color_primaries
        frame.color_trc = self.color_trc


def yuv_output_colour(height: int) -> OutputColour:
    """Tags for a limited-range YUV output of ``height`` lines (see module docstring)."""
    if height >= HD_LINES:
        return OutputColour(
            AVCOL_SPC_BT709, ColorRange.MPEG, ColorPrimaries.BT709, ColorTrc.BT709, Colorspace.ITU709
        )
    return OutputColour(
        AVCOL_SPC_SMPTE170M,
        ColorRange.MPEG,
        ColorPrimaries.SMPTE170M,
        ColorTrc.SMPTE170M,
        Colorspace.ITU601,
    )


def rgb_output_colour() -> OutputColour:
    """Tags for RGB output (FFV1): RGB 'matrix', full range, sRGB transfer."""
    return OutputColour(AVCOL_SPC_RGB, ColorRange.JPEG, ColorPrimaries.BT709, ColorTrc.IEC61966_2_1, None)
