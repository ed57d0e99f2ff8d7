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

Deeper than 8 bits, libswscale's 16-bit RGB is not full scale (it maps limited-range white
to 65283, and shifts 10-bit grey or RGB left instead of scaling), so the matrix is
applied here instead, as one affine cv2.transform: swscale only upsamples the chroma into
yuv444p16le (a plain shift of the code values), and 16-bit RGB means 0..65535 exactly,
both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc, Interpolation

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

# AVColorSpace -> (Kr, Kb) of its luma equation Y = Kr R + (1 - Kr - Kb) G + Kb B.
BT601 = (0.299, 0.114)
BT709 = (0.2126, 0.0722)
_KR_KB = {
    1: BT709,
    4: (0.30, 0.11),  # FCC
    5: BT601,  # BT.470 BG
    6: BT601,  # SMPTE 170M
    7: (0.212, 0.087),  # SMPTE 240M
    9: (0.2627, 0.0593),  # BT.2020 non-constant luminance
    10: (0.2627, 0.0593),  # BT.2020 constant luminance (approximated as NCL)
}
_AVCOL_RANGE_JPEG = 2


def luma_coefficients(colorspace: int, height: int) -> tuple[float, float]:
    """(Kr, Kb) for a frame tagged ``colorspace``; untagged: by size, as players guess."""
    if colorspace in _KR_KB:
        return _KR_KB[colorspace]
    return BT709 if height >= HD_LINES else BT601


def _depth(fmt) -> int:
    return max(c.bits for c in fmt.components)


def frame_to_rgb16(frame, reformatter) -> np.ndarray:
    """Full-scale 16-bit RGB of a decoded frame of any depth (for 16-bit clips).

    Args:
        frame: an av.VideoFrame (YUV, grey or RGB, 8 to 16 bits per sample).
        reformatter: an av VideoReformatter to reuse.

    Returns:
        HxWx3 uint16, 0..65535: a d-bit code v becomes round(v * 65535 / (2**d - 1));
        YUV goes through the tagged matrix and range (limited: Y 16..235 scaled to d bits
        becomes 0..65535).
    """
    fmt = frame.format
    depth = _depth(fmt)
    if fmt.is_rgb or len(fmt.components) < 3:
        # Repack (no scaling) into planar RGB or grey of the same depth, read the codes.
        grey = len(fmt.components) < 3
        suffix = "" if depth == 8 else f"{depth}le"
        planar = ("gray" if grey else "gbrp") + suffix
        try:
            if fmt.name != planar:
                frame = reformatter.reformat(frame, format=planar)
            native = frame.to_ndarray()
        except ValueError:  # no such planar format (e.g. 11 bits): let swscale scale
            rgb48 = reformatter.reformat(frame, format="rgb48le", interpolation=DECODE_FLAGS)
            return np.array(rgb48.to_ndarray())
        if grey:
            native = native[:, :, None].repeat(3, axis=2)
        return _scale_to_16(native, depth)
    # Chroma to full resolution, codes to 16 bits (a shift: range and matrix untouched),
    # then one affine map from codes to RGB (cv2.transform rounds and saturates).
    yuv = reformatter.reformat(frame, format="yuv444p16le", interpolation=DECODE_FLAGS)
    codes = yuv.to_ndarray(channel_last=True)
    full = frame.color_range == _AVCOL_RANGE_JPEG or fmt.name.startswith("yuvj")
    kr, kb = luma_coefficients(frame.colorspace, frame.height)
    return cv2.transform(codes, _codes_to_rgb16(kr, kb, depth, full))


def _ycbcr_to_rgb(kr: float, kb: float) -> np.ndarray:
    kg = 1.0 - kr - kb
    return np.array(
        [
            [1.0, 0.0, 2 * (1 - kr)],
            [1.0, -2 * (1 - kb) * kb / kg, -2 * (1 - kr) * kr / kg],
            [1.0, 2 * (1 - kb), 0.0],
        ]
    )


def _code_scale(depth: int, full: bool) -> tuple[np.ndarray, np.ndarray]:
    """(scale, offset) turning 16-bit-shifted codes into Y' in 0..1 and Cb', Cr' in +-0.5."""
    if full:
        top = 2.0**depth - 1
        half = 2.0 ** (depth - 1) / top
        return np.full(3, 2.0 ** (depth - 16) / top), np.array([0.0, -half, -half])
    # Limited range: Y 16..235 and C 16..240 (times 2**(depth-8)) scale with depth as the
    # shift to 16 bits does, so the depth cancels out.
    scale = np.array([1 / 56064, 1 / 57344, 1 / 57344])
    return scale, np.array([-4096.0, -32768.0, -32768.0]) * scale


def _codes_to_rgb16(kr: float, kb: float, depth: int, full: bool) -> np.ndarray:
    scale, offset = _code_scale(depth, full)
    m = _ycbcr_to_rgb(kr, kb) * 65535
    return np.hstack([m * scale, (m @ offset)[:, None]])


def _scale_to_16(native: np.ndarray, depth: int) -> np.ndarray:
    if depth == 16:
        return np.ascontiguousarray(native, dtype=np.uint16)
    top = 2**depth - 1
    # Integer rounding: (v * 65535 + top // 2) // top, exact for every code.
    return ((native.astype(np.uint32) * 65535 + top // 2) // top).astype(np.uint16)


def rgb16_to_yuv444p16(rgb: np.ndarray, kr: float, kb: float) -> np.ndarray:
    """Limited-range Y'CbCr codes at 16 bits for 16-bit RGB (the inverse of the above).

    Args:
        rgb: HxWx3 uint16, 0..65535.
        kr, kb: the matrix (see luma_coefficients).

    Returns:
        HxWx3 uint16 codes (Y 4096..60160, Cb/Cr 4096..61440), ready for a yuv444p16le
        frame that swscale can then subsample and shift to the codec's depth.
    """
    # The inverse of the limited-range map: Y' = 4096 + 56064 Y, C = 32768 + 57344 C'.
    to_ycbcr = np.linalg.inv(_ycbcr_to_rgb(kr, kb)) / 65535
    scale = np.array([56064.0, 57344.0, 57344.0])
    matrix = np.hstack([to_ycbcr * scale[:, None], np.array([[4096.0], [32768.0], [32768.0]])])
    return cv2.transform(np.ascontiguousarray(rgb), matrix)


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
    kr_kb: tuple[float, float] = BT601  # the same matrix, for the numpy path

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
            AVCOL_SPC_BT709,
            ColorRange.MPEG,
            ColorPrimaries.BT709,
            ColorTrc.BT709,
            Colorspace.ITU709,
            BT709,
        )
    return OutputColour(
        AVCOL_SPC_SMPTE170M,
        ColorRange.MPEG,
        ColorPrimaries.SMPTE170M,
        ColorTrc.SMPTE170M,
        Colorspace.ITU601,
        BT601,
    )


def rgb_output_colour() -> OutputColour:
    """Tags for RGB output (FFV1): RGB 'matrix', full range, sRGB transfer."""
    return OutputColour(AVCOL_SPC_RGB, ColorRange.JPEG, ColorPrimaries.BT709, ColorTrc.IEC61966_2_1, None)
