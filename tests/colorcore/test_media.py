"""Tests of colorcore.media: reading clips and images, writing videos and frame folders.

All data is generated here. Frames carry their own index as a pattern of big blocks
(one bit per block), which survives lossy coding, so random access can be checked
exactly even on H.264.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from colorcore.errors import InputError
from colorcore.media import (
    FolderClip,
    VideoClip,
    check_output_path,
    natural_key,
    open_clip,
    open_writer,
    read_image,
    write_image,
)
from tests.support.media import (
    H,
    W,
    audio_seconds,
    encode_h264,
    encode_with_audio,
    pattern,
    read_pattern,
    write_clip,
)
from tests.support.testdata import TESTDATA

# -- synthetic material ------------------------------------------------------------


def one_line_error(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message
    return message


@pytest.fixture(scope="module")
def h264_clip(tmp_path_factory) -> Path:
    return encode_h264(tmp_path_factory.mktemp("h264") / "gop12.mp4", 60)


# -- still images ------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".png", ".tif", ".bmp"])
def test_image_round_trip_lossless_8bit(tmp_path, ext):
    rgb = np.random.default_rng(1).integers(0, 256, (H, W, 3), dtype=np.uint8)
    write_image(tmp_path / f"a{ext}", rgb)
    back = read_image(tmp_path / f"a{ext}")
    assert back.dtype == np.uint8 and np.array_equal(back, rgb)
    # RGB order on our side, BGR in the file as OpenCV sees it.
    assert np.array_equal(cv2.imread(str(tmp_path / f"a{ext}"))[..., ::-1], rgb)


@pytest.mark.parametrize("ext", [".png", ".tiff"])
def test_image_round_trip_16bit_and_grey(tmp_path, ext):
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 65536, (H, W, 3), dtype=np.uint16)
    grey = rng.integers(0, 65536, (H, W), dtype=np.uint16)
    write_image(tmp_path / f"c{ext}", rgb)
    write_image(tmp_path / f"g{ext}", grey)
    assert np.array_equal(read_image(tmp_path / f"c{ext}"), rgb)
    back = read_image(tmp_path / f"g{ext}")
    assert back.shape == (H, W) and back.dtype == np.uint16 and np.array_equal(back, grey)


def test_image_jpeg_and_alpha(tmp_path):
    rgb = pattern(5)
    write_image(tmp_path / "a.jpg", rgb)
    assert np.abs(read_image(tmp_path / "a.jpg").astype(int) - rgb).mean() < 3  # 4:2:0 chroma
    bgra = np.dstack([rgb[..., ::-1], np.full((H, W), 7, np.uint8)])
    cv2.imwrite(str(tmp_path / "alpha.png"), bgra)
    assert np.array_equal(read_image(tmp_path / "alpha.png"), rgb)


def test_image_errors(tmp_path):
    with pytest.raises(InputError, match="no such file") as e:
        read_image(tmp_path / "missing.png")
    one_line_error(e)
    (tmp_path / "text.png").write_text("not an image\n")
    with pytest.raises(InputError, match="not a PNG"):
        read_image(tmp_path / "text.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_image(tmp_path / "empty.png")
    write_image(tmp_path / "ok.png", pattern(3))
    data = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated") as e:
        read_image(tmp_path / "cut.png")
    assert "cut.png" in one_line_error(e)
    write_image(tmp_path / "ok.jpg", pattern(3))
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) * 3 // 4])
    with pytest.raises(InputError, match="truncated"):
        read_image(tmp_path / "cut.jpg")
    with pytest.raises(InputError, match="does not exist"):
        write_image(tmp_path / "nowhere" / "a.png", pattern(1))
    with pytest.raises(InputError, match="8 bits"):
        write_image(tmp_path / "deep.jpg", np.zeros((4, 4, 3), np.uint16))
    assert sorted(os.listdir(tmp_path)) == ["cut.jpg", "cut.png", "empty.png", "ok.jpg", "ok.png", "text.png"]


def test_natural_sort():
    names = ["frame10.png", "frame2.png", "Frame1.png", "frame0002b.png", "frame100.png"]
    assert sorted(names, key=natural_key) == [
        "Frame1.png",
        "frame2.png",
        "frame0002b.png",
        "frame10.png",
        "frame100.png",
    ]


# -- frame folders -----------------------------------------------------------------


def test_folder_clip_natural_order_and_fps(tmp_path):
    for i in (0, 1, 2, 9, 10, 11):
        write_image(tmp_path / f"shot{i}.png", pattern(i))
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / ".hidden.png").write_bytes(b"ignored")
    with open_clip(tmp_path, fps=25) as clip:
        assert isinstance(clip, FolderClip)
        assert (clip.frame_count, len(clip), clip.fps, clip.width, clip.height) == (6, 6, 25.0, W, H)
        assert clip.bit_depth == 8 and not clip.has_audio
        assert [read_pattern(f) for f in clip] == [0, 1, 2, 9, 10, 11]
        assert read_pattern(clip.rgb(3)) == 9
    assert open_clip(tmp_path).fps == 24.0


def test_folder_16bit_grey_luma_exact(tmp_path):
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 65536, (H, W), dtype=np.uint16) for _ in range(4)]
    for i, f in enumerate(frames):
        write_image(tmp_path / f"f{i:03d}.tif", f)
    with open_clip(tmp_path) as clip:
        assert clip.bit_depth == 16 and clip.dtype == np.uint16
        for i in (2, 0, 3):
            assert np.array_equal(clip.luma(i), frames[i])
            rgb = clip.rgb(i)
            assert rgb.shape == (H, W, 3) and all(np.array_equal(rgb[..., c], frames[i]) for c in range(3))
        assert not clip.luma(1).flags.writeable  # shared with the cache
        assert all(np.array_equal(a, b) for a, b in zip(clip.frames("luma"), frames))


def test_folder_errors(tmp_path):
    with pytest.raises(InputError, match="no image files"):
        open_clip(tmp_path)
    for i in range(3):
        write_image(tmp_path / f"g{i}.png", np.zeros((H, W), np.uint8))
    write_image(tmp_path / "g3.png", np.zeros((H, W + 2), np.uint8))
    write_image(tmp_path / "g4.png", np.zeros((H + 2, W), np.uint8))
    with pytest.raises(InputError, match=r"g3\.png") as e:
        open_clip(tmp_path)
    assert "66x48" in one_line_error(e)


def test_single_image_is_a_clip(tmp_path):
    write_image(tmp_path / "one.png", pattern(7))
    with open_clip(tmp_path / "one.png") as clip:
        assert clip.frame_count == 1 and read_pattern(clip.rgb(0)) == 7


# -- writing and reading back --------------------------------------------------------


def test_png_folder_round_trip(tmp_path):
    frames = [pattern(i) for i in range(12)]
    out = write_clip(tmp_path / "frames", frames, fps=Fraction(30000, 1001), frame_count=12)
    assert sorted(os.listdir(out)) == [".keyhue-frames.json"] + [f"frame_{i:06d}.png" for i in range(12)]
    with open_clip(out) as clip:
        assert clip.frame_count == 12 and all(np.array_equal(a, b) for a, b in zip(clip, frames))
    assert sorted(os.listdir(tmp_path)) == ["frames"]  # no temporary folder left


def test_tiff16_folder_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    frames = [rng.integers(0, 65536, (H, W, 3), dtype=np.uint16) for _ in range(5)]
    out = write_clip(tmp_path / "deep", frames, bit_depth=16, image_format="tiff")
    assert sorted(os.listdir(out))[:2] == [".keyhue-frames.json", "frame_000000.tif"]
    with open_clip(out) as clip:
        assert clip.bit_depth == 16
        assert all(np.array_equal(clip.rgb(i), frames[i]) for i in (4, 0, 2))


@pytest.mark.parametrize("bit_depth", [8, 16])
def test_ffv1_mkv_exact(tmp_path, bit_depth):
    rng = np.random.default_rng(bit_depth)
    top = 256 if bit_depth == 8 else 65536
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    frames = [rng.integers(0, top, (H, W, 3), dtype=dtype) for _ in range(10)]
    out = write_clip(tmp_path / "a.mkv", frames, fps=Fraction(30000, 1001), bit_depth=bit_depth)
    with open_clip(out) as clip:
        assert isinstance(clip, VideoClip)
        assert clip.frame_count == 10 and clip.frame_rate == Fraction(30000, 1001)
        assert clip.bit_depth == bit_depth and clip.pixel_format == ("bgr0" if bit_depth == 8 else "gbrp16le")
        assert all(np.array_equal(a, b) for a, b in zip(clip, frames))
        assert all(np.array_equal(clip.rgb(i), frames[i]) for i in (9, 3, 4, 0))
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "ffv1"


def test_prores_mov(tmp_path):
    frames = [pattern(i) for i in range(10)]
    out = write_clip(tmp_path / "a.mov", frames, fps=25)
    with av.open(str(out)) as c:
        ctx = c.streams.video[0].codec_context
        assert (ctx.name, ctx.profile, ctx.pix_fmt) == ("prores", "HQ", "yuv422p10le")
    with open_clip(out) as clip:
        assert (clip.frame_count, clip.fps, clip.bit_depth) == (10, 25.0, 16)
        for i in (7, 2, 9):
            back = clip.rgb(i).astype(np.float64) / 257
            assert np.abs(back - frames[i]).mean() < 1.5 and read_pattern(clip.rgb(i)) == i


def test_h264_mp4(tmp_path):
    frames = [pattern(i) for i in range(20)]
    out = write_clip(tmp_path / "a.mp4", frames, fps=25)
    with av.open(str(out)) as c:
        ctx = c.streams.video[0].codec_context
        assert (ctx.name, ctx.pix_fmt, ctx.color_range, ctx.colorspace) == ("h264", "yuv420p", 1, 6)
    with open_clip(out) as clip:
        assert (clip.frame_count, clip.fps, clip.bit_depth) == (20, 25.0, 8)
        assert [read_pattern(f) for f in clip] == list(range(20))
        assert np.abs(clip.rgb(13).astype(int) - frames[13]).mean() < 3


def test_ten_bit_video_reads_full_scale(tmp_path):
    # Limited-range 10-bit grey: Y 64..940 must come back as 0..65535, exactly scaled.
    codes = np.clip(np.arange(W * 16, step=16)[None, :].repeat(H, 0) + 64, 64, 940).astype(np.uint16)
    path = tmp_path / "ten.mkv"
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=24)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p10le"
        frame = av.VideoFrame(W, H, "yuv420p10le")
        stride = frame.planes[0].line_size // 2
        frame.planes[0].update(np.pad(codes, ((0, 0), (0, stride - W))).tobytes())
        for plane in frame.planes[1:]:
            plane.update(np.full(plane.buffer_size // 2, 512, np.uint16).tobytes())
        frame.pts = 0
        c.mux(s.encode(frame))
        c.mux(s.encode())
    with open_clip(path) as clip:
        assert clip.bit_depth == 16 and clip.pixel_format == "yuv420p10le"
        expected = np.floor((codes.astype(np.float64) - 64) * 65535 / 876 + 0.5)
        assert np.array_equal(clip.luma(0), expected)
        assert clip.luma(0).max() == 65535


def test_prores_from_16bit(tmp_path):
    ramp = np.linspace(0, 65535, W).round().astype(np.uint16)
    grey = np.repeat(np.tile(ramp, (H, 1))[:, :, None], 3, axis=2)
    out = write_clip(tmp_path / "deep.mov", [grey], bit_depth=16)
    with av.open(str(out)) as c:
        y = next(c.decode(video=0)).to_ndarray(channel_last=True)[..., 0]
    assert y[:, 0].max() == 64 and y[:, -1].min() == 940  # black and white, not beyond
    with open_clip(out) as clip:
        assert np.abs(clip.luma(0).astype(int) - ramp).max() <= 2 * 64  # 10-bit levels


def test_writer_rejects_bad_frames(tmp_path):
    with open_writer(tmp_path / "a.mkv", fps=24, width=W, height=H) as w:
        with pytest.raises(ValueError):
            w.write(np.zeros((H, W, 3), np.uint16))
        with pytest.raises(ValueError):
            w.write(np.zeros((H + 1, W, 3), np.uint8))
        w.write(pattern(0))
    assert open_clip(tmp_path / "a.mkv").frame_count == 1


# -- random access -------------------------------------------------------------------


@pytest.mark.parametrize("open_gop", [False, True])
def test_random_access_matches_sequential(tmp_path, open_gop):
    path = encode_h264(tmp_path / "a.mp4", 60, open_gop=open_gop)
    with open_clip(path, cache_frames=4) as clip:
        assert clip.frame_count == 60 and clip.fps == 24.0
        sequential = [f.copy() for f in clip.frames()]
        assert [read_pattern(f) for f in sequential] == list(range(60))
        decoder = clip._decoder
        order = np.random.default_rng(5).permutation(60).tolist() + list(range(59, -1, -1))
        for i in order:
            assert np.array_equal(clip.rgb(i), sequential[i]), i
        assert decoder.restarts <= 1  # seeks, never re-reading from the start
        # About half a group of pictures per access (from the start each time: ~30).
        assert decoder.decoded <= len(order) * 8
        assert len(clip._cache) <= 4


def test_keyframes_and_stepping(h264_clip):
    with open_clip(h264_clip, cache_frames=2) as clip:
        assert clip._index.keyframes == list(range(0, 60, 12))
        decoder = clip._decoder
        clip.rgb(30)
        seeks, decoded = decoder.seeks, decoder.decoded
        for i in range(31, 40):  # i+1 after i: no seek, one frame decoded each
            assert read_pattern(clip.rgb(i)) == i
        assert decoder.seeks == seeks and decoder.decoded - decoded <= 9 + 3
        # Stepping backwards within a GOP is served by the cache once it is big enough.
    with open_clip(h264_clip, cache_frames=32) as clip:
        clip.rgb(47)
        seeks = clip._decoder.seeks
        assert [read_pattern(clip.rgb(i)) for i in range(46, 35, -1)] == list(range(46, 35, -1))
        assert clip._decoder.seeks == seeks
        assert clip.frame_time(12) == pytest.approx(0.5)


def test_random_access_from_threads(h264_clip):
    import threading

    errors = []
    with open_clip(h264_clip, cache_frames=3) as clip:

        def worker(seed):
            for i in np.random.default_rng(seed).integers(0, 60, 25).tolist():
                if read_pattern(clip.luma(i)) != i:
                    errors.append(i)

        threads = [threading.Thread(target=worker, args=(s,)) for s in (1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_cache_bounded_by_bytes(h264_clip):
    frame_bytes = W * H * 3
    with open_clip(h264_clip, cache_frames=100, cache_bytes=5 * frame_bytes) as clip:
        for i in range(0, 60, 3):
            clip.rgb(i)
        assert clip._cache.nbytes <= 5 * frame_bytes + frame_bytes


def test_luma_of_colour_and_grey_video(tmp_path, h264_clip):
    with open_clip(h264_clip) as clip:
        for i in (5, 40):
            rgb = clip.rgb(i).astype(np.float64)
            luma = clip.luma(i)
            assert luma.shape == (H, W) and luma.dtype == np.uint8
            exact = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
            assert np.abs(luma - exact).max() <= 0.5 + 1e-9
            assert read_pattern(luma) == i
        assert all(np.array_equal(a, clip.luma(i)) for i, a in enumerate(clip.frames("luma", 10, 14), 10))
    # A grey limited-range source: luma is the range-expanded Y plane, exactly.
    ramp = np.tile((np.arange(W) * 4).astype(np.uint8), (H, 1))
    path = tmp_path / "grey.mp4"
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=24, options={"crf": "0"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        f = av.VideoFrame.from_ndarray(np.dstack([ramp] * 3), format="rgb24").reformat(format="yuv420p")
        f.pts = 0
        c.mux(s.encode(f))
        c.mux(s.encode())
    with av.open(str(path)) as c:
        y = next(c.decode(video=0)).to_ndarray()[:H].astype(np.float64)
    with open_clip(path) as clip:
        rgb = clip.rgb(0)
        assert np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
        assert np.array_equal(clip.luma(0), rgb[..., 0])
        assert np.array_equal(clip.luma(0), np.clip(np.floor((y - 16) * 255 / 219 + 0.5), 0, 255))


# -- audio ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "output", "codec"),
    [
        ("src.mp4", "out.mkv", "aac"),  # copied
        ("src.mp4", "out.mp4", "aac"),  # copied
        ("src.mkv", "out.mov", "aac"),  # MOV refuses FLAC: re-encoded
        ("src.mkv", "out.mkv", "flac"),  # copied
    ],
)
def test_audio_passthrough(tmp_path, source, output, codec):
    src = encode_with_audio(tmp_path / source, "aac" if source.endswith("mp4") else "flac")
    with open_clip(src) as clip:
        assert clip.has_audio and clip.audio.sample_rate == 48000 and clip.audio.channels == 2
        out = tmp_path / output
        with open_writer(out, fps=clip.frame_rate, width=W, height=H, audio_from=clip) as w:
            for frame in clip:
                w.write(frame)
    with open_clip(tmp_path / output) as out:
        assert out.frame_count == 24 and out.has_audio and out.audio.codec == codec
        assert [read_pattern(f) for f in out] == list(range(24))
    assert audio_seconds(tmp_path / output) == pytest.approx(1.0, abs=0.03)


def test_folder_output_skips_audio(tmp_path):
    src = encode_with_audio(tmp_path / "src.mp4", "aac", n=3)
    with pytest.warns(UserWarning, match="no audio"):
        writer = open_writer(tmp_path / "frames", fps=24, width=W, height=H, audio_from=src)
    with writer:
        writer.write(pattern(0))
    assert sorted(os.listdir(tmp_path / "frames")) == [".keyhue-frames.json", "frame_000000.png"]


# -- bad input -------------------------------------------------------------------------


def test_video_open_errors(tmp_path):
    cases = {
        "missing.mp4": (None, "no such file"),
        "text.mp4": (b"hello, this is not a video\n" * 20, "not a video"),
        "empty.mp4": (b"", "empty"),
        # FFmpeg opens any .txt as a video of its characters (its "tty" demuxer).
        "SOURCE.txt": (b"Clips from a public archive; research use only.\n" * 5, "not a video"),
    }
    for name, (data, message) in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError, match=message) as e:
            open_clip(tmp_path / name)
        assert name in one_line_error(e)
    # Audio only: no video stream.
    with av.open(str(tmp_path / "sound.m4a"), "w") as c:
        s = c.add_stream("aac", rate=48000)
        for k in range(5):
            silence = np.zeros((1, 1024), np.float32)
            chunk = av.AudioFrame.from_ndarray(silence, format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = 48000, k * 1024
            c.mux(s.encode(chunk))
        c.mux(s.encode())
    with pytest.raises(InputError, match="no video stream"):
        open_clip(tmp_path / "sound.m4a")


@pytest.mark.parametrize("kind", ["mp4", "mp4 faststart", "mkv"])
def test_truncated_video(tmp_path, kind):
    if kind == "mkv":
        path = write_clip(tmp_path / "whole.mkv", [pattern(i) for i in range(30)])
    else:
        path = encode_h264(tmp_path / "whole.mp4", 40, faststart=kind.endswith("faststart"))
    data = path.read_bytes()
    cut = tmp_path / f"cut{path.suffix}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated") as e:
        open_clip(cut)
    assert cut.name in one_line_error(e)


def test_damaged_frame_is_named(tmp_path):
    path = encode_h264(tmp_path / "a.mp4", 24, bframes=0)
    with av.open(str(path)) as c:
        packets = [(p.pos, p.size) for p in c.demux(video=0) if p.size]
    pos, size = packets[15]
    data = bytearray(path.read_bytes())
    for k in range(pos + size // 3, pos + size):
        data[k] ^= 0x5A
    (tmp_path / "bad.mp4").write_bytes(bytes(data))
    with open_clip(tmp_path / "bad.mp4") as clip:
        assert read_pattern(clip.rgb(14)) == 14
        with pytest.raises(InputError, match=r"frame 15\b") as e:
            clip.rgb(15)
        one_line_error(e)
        with pytest.raises(InputError, match=r"frame 15\b"):
            list(clip.frames())
        assert read_pattern(clip.rgb(3)) == 3  # still usable after the error


def test_index_and_closed(h264_clip):
    clip = open_clip(h264_clip)
    with pytest.raises(IndexError):
        clip.rgb(60)
    clip.close()
    with pytest.raises(ValueError):
        clip.luma(0)


def test_output_path_checks(tmp_path):
    src = encode_h264(tmp_path / "src.mp4", 3)
    with pytest.raises(InputError, match="does not exist") as e:
        open_writer(tmp_path / "no" / "out", fps=24, width=W, height=H)
    one_line_error(e)
    with pytest.raises(InputError, match="does not exist"):
        check_output_path(tmp_path / "no" / "out.mkv")
    with pytest.raises(InputError, match="is the input"):
        open_writer(src, fps=24, width=W, height=H, overwrite=True, inputs=[src])
    with pytest.raises(InputError, match="is the input"):
        check_output_path(tmp_path / "." / "src.mp4", [open_clip(src)], overwrite=True)
    with pytest.raises(InputError, match="contains the input"):
        check_output_path(tmp_path, [src], overwrite=True)
    with pytest.raises(InputError, match="already exists"):
        check_output_path(src)
    with pytest.raises(InputError, match="not supported"):
        check_output_path(tmp_path / "out.avi")
    with pytest.raises(InputError, match="folder name"):
        check_output_path(tmp_path / "out.png")
    with pytest.raises(InputError, match="even"):
        open_writer(tmp_path / "odd.mp4", fps=24, width=W + 1, height=H)
    frames_in = tmp_path / "frames_in"
    write_clip(frames_in, [pattern(0)])
    with pytest.raises(InputError, match="is the input"):
        check_output_path(frames_in, [frames_in], overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["frames_in", "src.mp4"]


def test_non_empty_folder_needs_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.png").write_bytes(b"x")
    with pytest.raises(InputError, match="not empty") as e:
        open_writer(out, fps=24, width=W, height=H)
    one_line_error(e)
    # Not Keyhue's frames: refused even with overwrite, and left as it was.
    with pytest.raises(InputError, match="not a Keyhue frame sequence") as e:
        open_writer(out, fps=24, width=W, height=H, overwrite=True)
    one_line_error(e)
    assert os.listdir(out) == ["old.png"]
    (out / "old.png").unlink()
    write_clip(out, [pattern(1), pattern(2), pattern(3)])
    write_clip(out, [pattern(1), pattern(2)], overwrite=True)  # Keyhue's own: replaced
    assert sorted(os.listdir(out)) == [".keyhue-frames.json", "frame_000000.png", "frame_000001.png"]
    assert sorted(os.listdir(tmp_path)) == ["out"]
    empty = tmp_path / "empty"
    empty.mkdir()
    write_clip(empty, [pattern(1)])  # an empty folder is fine
    assert sorted(os.listdir(empty)) == [".keyhue-frames.json", "frame_000000.png"]


@pytest.mark.parametrize("name", ["out.mkv", "out.mp4", "out.mov", "out_frames"])
def test_abort_leaves_nothing(tmp_path, name):
    # The error must rise inside the writer's block, after frames were written.
    with pytest.raises(RuntimeError), open_writer(tmp_path / name, fps=24, width=W, height=H) as w:  # noqa: PT012
        for i in range(3):
            w.write(pattern(i))
        raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    # An existing output survives an aborted replacement untouched.
    existing = write_clip(tmp_path / name, [pattern(9)])
    before = sorted(os.listdir(tmp_path))
    w = open_writer(existing, fps=24, width=W, height=H, overwrite=True)
    w.write(pattern(1))
    w.abort()
    assert sorted(os.listdir(tmp_path)) == before
    with open_clip(existing) as clip:
        assert clip.frame_count == 1 and read_pattern(clip.rgb(0)) == 9


def test_bad_audio_source_leaves_nothing(tmp_path):
    (tmp_path / "noise.wav").write_text("not audio")
    with pytest.raises(InputError, match=r"noise\.wav"):
        open_writer(tmp_path / "out.mkv", fps=24, width=W, height=H, audio_from=tmp_path / "noise.wav")
    assert os.listdir(tmp_path) == ["noise.wav"]


def test_writer_with_no_frames_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="no frames"), open_writer(tmp_path / "a.mkv", fps=24, width=W, height=H):
        pass
    assert os.listdir(tmp_path) == []


# -- real files (skipped without ../shared/testdata) ---------------------------------------


@pytest.mark.testdata
@pytest.mark.parametrize("name", ["schoolgirls.mp4", "test-sample2.mp4"])
def test_sample_mp4(name):
    path = TESTDATA / "mp4_samples" / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with open_clip(path) as clip:
        assert (clip.frame_count, clip.fps, clip.width, clip.height) == (80, 24.0, 432, 240)
        assert clip.bit_depth == 8 and not clip.has_audio
        sequential = [f.copy() for f in clip.frames("luma")]
        assert len(sequential) == 80
        for i in np.random.default_rng(6).permutation(80)[:30].tolist() + [79, 0, 40, 39]:
            assert np.array_equal(clip.luma(i), sequential[i]), i
        assert clip._decoder.restarts <= 1
