"""Nothing the archivist owns is lost: replacing outputs, full and read-only disks, leftovers
of killed processes, limits on what is decoded (issue 10, engine side)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from colorcore.errors import InputError
from colorcore.media import open_clip, open_writer, read_image, write_image
from colorcore.media.leftovers import partial_file, partial_folder, partial_video, scratch_folder, sweep_leftovers
from colorcore.media.limits import MAX_SIDE, check_frame_size, check_regular_file
from colorcore.media.manifest import MANIFEST_NAME, check_replaceable, replace_refusal
from colorcore.solvers.exact import EXACT_MAX_PIXELS, check_exact_size
from colorcore.video.flow import FlowEstimator
from tests.support.hostile import record, tmpfs


def frames(n, size=(32, 24), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8) for _ in range(n)]


def write_folder(path, n=3, overwrite=False):
    with open_writer(path, fps=24, width=32, height=24, overwrite=overwrite) as writer:
        for rgb in frames(n):
            writer.write(rgb)
    return path


def one_line(exc_info) -> str:
    text = str(exc_info.value)
    assert "\n" not in text and text
    return text


# -- overwrite replaces only what Keyhue wrote ----------------------------------------


def test_overwrite_never_deletes_a_folder_keyhue_did_not_write(tmp_path):
    documents = tmp_path / "Documents"
    (documents / "letters").mkdir(parents=True)
    (documents / "thesis.odt").write_bytes(b"years of work")
    (documents / "letters" / "mum.txt").write_text("hello")
    for overwrite in (False, True):
        with pytest.raises(InputError) as err:
            write_folder(documents, overwrite=overwrite)
        assert "Documents" in one_line(err)
        record("outputs", "refused")
    assert (documents / "thesis.odt").read_bytes() == b"years of work"
    assert (documents / "letters" / "mum.txt").read_text() == "hello"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Documents"]


def test_a_keyhue_sequence_is_replaced_but_not_with_a_stranger_inside(tmp_path):
    out = write_folder(tmp_path / "frames", n=4)
    assert replace_refusal(out) is None
    write_folder(out, n=2, overwrite=True)
    assert sorted(os.listdir(out)) == [MANIFEST_NAME, "frame_000000.png", "frame_000001.png"]
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"notes\.txt") as err:
        check_replaceable(out)
    one_line(err)
    with pytest.raises(InputError, match=r"notes\.txt"):
        write_folder(out, n=2, overwrite=True)
    assert (out / "notes.txt").read_text() == "mine" and len(os.listdir(out)) == 4
    record("outputs", "refused")


def test_a_stranger_arriving_during_the_write_is_not_deleted(tmp_path):
    out = write_folder(tmp_path / "frames", n=2)
    writer = open_writer(out, fps=24, width=32, height=24, overwrite=True)
    writer.write(frames(1)[0])
    (out / "arrived.txt").write_text("late")
    with pytest.raises(InputError, match=r"arrived\.txt"):
        writer.close()
    assert (out / "arrived.txt").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


def test_a_forged_manifest_does_not_cover_other_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text('{"format": "keyhue-frames", "version": 1, "files": ["../x", "a.txt"]}')
    (out / "a.txt").write_text("x")
    assert replace_refusal(out) is not None
    (out / MANIFEST_NAME).write_text('{"format": "keyhue-frames", "version": 1, "files": ["frame_000000.png"]}')
    (out / "sub").mkdir()
    (out / "a.txt").unlink()
    assert "sub" in replace_refusal(out)


# -- output errors are one line --------------------------------------------------------


@pytest.mark.parametrize("name", ["out.mkv", "out.mp4", "frames"])
def test_full_disk_is_one_line_and_leaves_nothing(tmp_path, name):
    with tmpfs(tmp_path / "disk", "size=2m") as disk:
        noise = frames(60, size=(256, 256))  # incompressible: 2 MB fill after a few frames

        def fill():
            with open_writer(disk / name, fps=24, width=256, height=256) as writer:
                for rgb in noise:
                    writer.write(rgb)

        with pytest.raises(InputError) as err:
            fill()
        assert "No space left on device" in one_line(err) and str(disk / name) in str(err.value)
        assert os.listdir(disk) == []
        record("full disk", "refused")


@pytest.mark.parametrize("name", ["out.mkv", "frames"])
def test_read_only_folder_is_one_line(tmp_path, name):
    with tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
        with pytest.raises(InputError) as err:
            write_folder(folder / name)
        assert "Read-only file system" in one_line(err)
        with pytest.raises(InputError, match="Read-only"):
            write_image(folder / "x.png", frames(1)[0])
        record("read-only folder", "refused")


def test_path_too_long_and_folder_gone_are_one_line(tmp_path):
    with pytest.raises(InputError) as err:
        write_folder(tmp_path / ("x" * 300))
    assert "too long" in one_line(err)
    gone = tmp_path / "usb"
    gone.mkdir()
    writer = open_writer(gone / "out.mkv", fps=24, width=32, height=24)
    writer.write(frames(1)[0])
    for child in gone.iterdir():
        child.unlink()
    gone.rmdir()  # the output's device went away

    def finish():
        writer.write(frames(1)[0])
        writer.close()

    with pytest.raises(InputError, match="cannot write") as err:
        finish()
    one_line(err)
    record("outputs", "refused")
    record("outputs", "refused")


# -- leftovers of killed processes ------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sweep_removes_only_keyhue_leftovers_of_dead_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    dead, mine = dead_pid(), os.getpid()
    out = tmp_path / "out"
    out.mkdir()
    made = {
        f".film.partial-{dead}-0123abcd.mkv": "file",  # a killed video render
        f".frames.partial-{dead}-0123abcd": ["frame_000000.png", MANIFEST_NAME],  # a killed frame folder
        f".p.keyhue.{dead}-0123abcd.partial": "file",  # a killed project save
        f".frames.partial-{mine}-0123abcd": ["frame_000000.png"],  # ours, alive: kept
        f".film.partial-{dead}-0123abcd.avi": "file",  # not a pattern of ours: kept
        ".frames.partial-0123abcd": ["frame_000000.png"],  # the old name, no pid: kept
        f".docs.partial-{dead}-0123abcd": ["thesis.odt"],  # our name, foreign content: kept
        "film.mkv": "file",
    }
    for name, content in made.items():
        path = out / name
        if content == "file":
            path.write_bytes(b"x")
        else:
            path.mkdir()
            for child in content:
                (path / child).write_bytes(b"x")
    scratch_dead = tmp_path / "tmp" / f"keyhue-results-pid{dead}-abc_123"
    scratch_dead.mkdir()
    (scratch_dead / "flow-3.npy").write_bytes(b"x")
    scratch_live = scratch_folder("results")
    (tmp_path / "tmp" / f"keyhue-pid{dead}-zzz").mkdir()
    (tmp_path / "tmp" / f"keyhue-pid{dead}-zzz" / "important.doc").write_bytes(b"x")
    removed = sweep_leftovers([out])
    expected = {
        out / f".film.partial-{dead}-0123abcd.mkv",
        out / f".frames.partial-{dead}-0123abcd",
        out / f".p.keyhue.{dead}-0123abcd.partial",
        scratch_dead,
    }
    assert set(removed) == expected
    assert all(not p.exists() for p in expected)
    left = sorted(os.listdir(out))
    assert left == sorted(set(made) - {p.name for p in expected})
    assert scratch_live.exists() and (tmp_path / "tmp" / f"keyhue-pid{dead}-zzz" / "important.doc").exists()


def test_sweep_puts_back_a_replaced_folder_when_the_new_one_never_arrived(tmp_path):
    dead = dead_pid()
    old = tmp_path / f".frames.old-{dead}-0123abcd"
    old.mkdir()
    (old / "frame_000000.png").write_bytes(b"x")
    assert sweep_leftovers([tmp_path], temp=False) == [old]
    assert (tmp_path / "frames" / "frame_000000.png").exists()


def test_temporary_names_carry_the_process_id(tmp_path):
    pid = str(os.getpid())
    for path in (
        partial_folder(tmp_path / "f"),
        partial_video(tmp_path / "a.mkv"),
        partial_file(tmp_path / "p.keyhue"),
    ):
        assert pid in path.name and path.name.startswith(".")
    folder = scratch_folder("results")
    try:
        assert folder.name.startswith(f"keyhue-results-pid{pid}-")
    finally:
        folder.rmdir()


# -- limits ------------------------------------------------------------------------------


def png_with_header(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_huge_declared_image_is_refused_before_decoding(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_with_header(60000, 60000))  # 3.6 gigapixels in 100 bytes
    with pytest.raises(InputError, match="60000x60000") as err:
        read_image(bomb)
    one_line(err)
    with pytest.raises(InputError, match="60000x60000"):
        open_clip(bomb)
    check_frame_size(MAX_SIDE, 1024, "x")
    with pytest.raises(InputError):
        check_frame_size(MAX_SIDE + 1, 1, "x")
    record("limits", "refused")


def test_named_pipes_are_refused_not_waited_on(tmp_path):
    for name in ("pipe.mkv", "pipe.png", "pipe.keyhue"):
        os.mkfifo(tmp_path / name)
        with pytest.raises(InputError, match="named pipe") as err:
            check_regular_file(tmp_path / name)
        one_line(err)
    with pytest.raises(InputError, match="named pipe"):
        open_clip(tmp_path / "pipe.mkv")
    with pytest.raises(InputError, match="named pipe"):
        read_image(tmp_path / "pipe.png")
    from colorcore.guidance.project import Project

    with pytest.raises(InputError, match="named pipe"):
        Project.load(tmp_path / "pipe.keyhue")
    record("limits", "refused")


def test_exact_solver_refuses_a_frame_it_cannot_hold():
    check_exact_size(480, 854)
    with pytest.raises(InputError, match="--solver fast") as err:
        check_exact_size(2160, 3840)
    assert "3840x2160" in one_line(err) and EXACT_MAX_PIXELS < 3840 * 2160
    record("limits", "refused")


@pytest.mark.parametrize("size", [(1, 1), (4, 4), (11, 30), (30, 11)])
def test_frames_too_small_for_flow_get_zero_flow(size):
    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 256, size, dtype=np.uint8) for _ in range(2))
    flow = FlowEstimator("fast")(a, b)
    assert flow.shape == (*size, 2) and not flow.any()


@pytest.mark.filterwarnings("ignore:frames .* are a shot with no keyframe")
def test_tiny_clip_is_coloured_without_crashing(tmp_path):
    from colorcore.guidance.references import Guidance, Reference
    from colorcore.video.propagate import colorize_clip

    clip_frames = frames(4, size=(6, 5))
    folder = tmp_path / "tiny"
    with open_writer(folder, fps=24, width=6, height=5) as writer:
        for rgb in clip_frames:
            writer.write(rgb)
    with open_clip(folder) as clip:
        out = list(colorize_clip(clip, Guidance(references=[Reference(0, clip_frames[0])])))
    assert len(out) == 4 and all(rgb.shape == (5, 6, 3) for _, rgb in out)


def test_corrupt_png_is_one_line_on_stderr(tmp_path):
    good = tmp_path / "good.png"
    write_image(good, frames(1)[0])
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(3)
    for k in range(20):  # flip a byte anywhere past the signature
        bad = bytearray(data)
        bad[int(rng.integers(8, len(data)))] ^= 0x5A
        path = tmp_path / f"bad{k}.png"
        path.write_bytes(bytes(bad))
    script = (
        "import sys, glob\n"
        "from colorcore.media import read_image\n"
        "from colorcore.errors import InputError\n"
        "for p in sorted(glob.glob(sys.argv[1] + '/bad*.png')):\n"
        "    try: read_image(p)\n"
        "    except InputError as e: print('refused', file=sys.stderr)\n"
        "    else: print('read', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        check=True,
    )
    lines = done.stderr.splitlines()
    assert len(lines) == 20 and set(lines) <= {"refused", "read"}, done.stderr  # no libpng line
    for line in lines:
        record("corrupt images", "refused" if line == "refused" else "accepted")
