"""`colorcore video` through the real command: outputs, audio, bad inputs, Ctrl-C."""

from __future__ import annotations

import numpy as np
import pytest

from colorcore.cli.main import main
from colorcore.colorspace import chroma_of
from colorcore.media import open_clip, read_image, write_image
from tests.support.clips import disc_mask, moving_disc_clip
from tests.support.media import audio_seconds, encode_with_audio, write_clip

HEIGHT, WIDTH = 96, 128


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """(folder of 12 grey frames, true colour frames, folder for extra files)."""
    root = tmp_path_factory.mktemp("video")
    truth = moving_disc_clip(12, HEIGHT, WIDTH)
    grey = [np.repeat(chroma_free(f)[..., None], 3, axis=2) for f in truth]
    write_clip(root / "grey", grey)
    write_image(root / "ref0.png", truth[0])
    marked = grey[0].copy()
    inner = disc_mask(0, HEIGHT, WIDTH, shrink=0.4)
    marked[inner] = (200, 40, 40)
    write_image(root / "marked0.png", marked)
    return root, truth


def chroma_free(rgb):
    from colorcore.media import rgb_to_luma

    return rgb_to_luma(rgb)


def run(capsys, *args):
    code = main(["video", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_reference_to_mp4_with_audio(tmp_path, capsys):
    src = encode_with_audio(tmp_path / "src.mp4", "aac", n=24)
    with open_clip(src) as clip:
        write_image(tmp_path / "ref.png", clip.rgb(0))
        frame_count = len(clip)
    code, out, err = run(capsys, src, "-o", tmp_path / "out.mp4", "--reference", f"0:{tmp_path / 'ref.png'}")
    assert code == 0, err
    assert "wrote" in out
    with open_clip(tmp_path / "out.mp4") as clip:
        assert len(clip) == frame_count and clip.has_audio
    assert audio_seconds(tmp_path / "out.mp4") == pytest.approx(1.0, abs=0.05)


def test_marked_keyframe_to_folder_keeps_luma(source, tmp_path, capsys):
    root, _ = source
    code, _, err = run(capsys, root / "grey", "-o", tmp_path / "out", "--keyframe", f"0:{root / 'marked0.png'}")
    assert code == 0, err
    files = sorted(p for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert len(files) == 12
    with open_clip(root / "grey") as clip:
        for i in (0, 6, 11):
            rgb = read_image(files[i])
            luma = rgb.astype(float) @ [0.299, 0.587, 0.114]
            assert np.abs(luma - clip.luma(i)).max() <= 0.5
    inner = disc_mask(6, HEIGHT, WIDTH, shrink=0.5)
    assert read_image(files[6])[inner].mean(axis=0)[0] > 120  # the disc is still red


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--keyframe", "12:{root}/marked0.png"], "outside the clip"),
        (["--reference", "3:{root}/missing.png"], "missing.png"),
        (["--reference", "three:{root}/ref0.png"], "N:IMAGE"),
        (["--exemplar", "{root}/grey"], "grey"),
        (["--reference", "0:{root}/small.png"], "--resize"),
    ],
)
def test_bad_inputs(source, tmp_path, capsys, extra, message):
    root, truth = source
    write_image(root / "small.png", truth[0][: HEIGHT // 2, : WIDTH // 2])
    extra = [e.format(root=root) for e in extra]
    code, _, err = run(capsys, root / "grey", "-o", tmp_path / "out.mkv", *extra)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out.mkv").exists()


def test_resize_flag_accepts_a_smaller_reference(source, tmp_path, capsys):
    root, truth = source
    write_image(root / "small.png", truth[0][: HEIGHT // 2, : WIDTH // 2])
    code, _, err = run(
        capsys, root / "grey", "-o", tmp_path / "o.mkv", "--reference", f"0:{root / 'small.png'}", "--resize"
    )
    assert code == 0, err


def test_no_hints_warns_and_writes_grey(source, tmp_path, capsys):
    root, _ = source
    code, _, err = run(capsys, root / "grey", "-o", tmp_path / "o.mkv")
    assert code == 0 and "warning" in err and "grey" in err
    with open_clip(tmp_path / "o.mkv") as clip:
        rgb = clip.rgb(5)
        assert np.abs(chroma_of(rgb)).max() < 0.01


def test_single_frame_source_warns(tmp_path, capsys):
    write_clip(tmp_path / "one", moving_disc_clip(1, HEIGHT, WIDTH))
    write_image(tmp_path / "ref.png", moving_disc_clip(1, HEIGHT, WIDTH)[0])
    code, _, err = run(capsys, tmp_path / "one", "-o", tmp_path / "o.mkv", "--reference", f"0:{tmp_path / 'ref.png'}")
    assert code == 0 and "single frame" in err


def test_existing_output_is_kept_without_overwrite(source, tmp_path, capsys):
    root, _ = source
    (tmp_path / "o.mkv").write_bytes(b"precious")
    code, _, err = run(capsys, root / "grey", "-o", tmp_path / "o.mkv", "--reference", f"0:{root / 'ref0.png'}")
    assert code == 2 and "--overwrite" in err
    assert (tmp_path / "o.mkv").read_bytes() == b"precious"


def test_ctrl_c_leaves_no_half_file(source, tmp_path, capsys, monkeypatch):
    root, _ = source
    import colorcore.video.propagate as propagate

    real = propagate._Propagation._advance
    calls = []

    def interrupted(self):
        calls.append(1)
        if len(calls) == 20:
            raise KeyboardInterrupt
        real(self)

    monkeypatch.setattr(propagate._Propagation, "_advance", interrupted)
    code, _, err = run(capsys, root / "grey", "-o", tmp_path / "o.mp4", "--reference", f"0:{root / 'ref0.png'}")
    assert code == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == []
