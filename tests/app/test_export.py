"""Export dialog and background export job on real tiny clips (pytest-qt, offscreen)."""

import errno
import os
import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt, QThread, Slot
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton

from colorcore.colorspace import compose, luma_of
from colorcore.errors import CancelledError
from colorcore.media import open_clip, open_writer
from keyhue.export_dialog import ExportDialog, ExportSettings
from keyhue.export_job import ExportJob, ExportProgressDialog, describe_os_error

W, H, N, FPS = 32, 24, 8, 24
TINT = (0.12, -0.05)  # constant I, Q chroma given to every frame


def make_source(path: Path, *, audio: bool) -> Path:
    """A tiny H.264 clip (N frames of moving grey ramps), with a 440 Hz AAC tone if asked."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        if audio:
            sound = container.add_stream("aac", rate=48000)
            sound.layout = "stereo"
        ramp = np.tile(np.linspace(20, 235, W, dtype=np.float64), (H, 1))
        for i in range(N):
            grey = np.clip(np.roll(ramp, 3 * i, axis=1), 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(np.repeat(grey[..., None], 3, axis=2), format="rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode())
        if audio:
            t = np.arange(int(48000 * N / FPS)) / 48000
            # Louder each video frame (0.04 per frame), so where the audio starts shows.
            tone = (0.04 * (1 + np.floor(t * FPS)) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for start in range(0, len(t), 1024):
                chunk = np.stack([tone[start : start + 1024]] * 2)
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="stereo")
                frame.sample_rate = 48000
                frame.pts = start
                container.mux(sound.encode(frame))
            container.mux(sound.encode())
    return path


def tinted(clip, i: int) -> np.ndarray:
    """Frame i of ``clip`` with the constant chroma TINT, luma kept (the expected output)."""
    luma = luma_of(clip.rgb(i))
    chroma = np.empty(luma.shape + (2,))
    chroma[...] = TINT
    return compose(luma, chroma, clip.dtype)


def tint_factory(clip, *, hold_at: int | None = None):
    """A frames factory like the window's: colours frames of ``clip`` one by one.

    With ``hold_at``, it waits there (up to 10 s) until cancel() is True, as a long
    propagation would still be running when the user presses Cancel.
    """

    def factory(frames, progress, cancel):
        for n, i in enumerate(frames):
            if n == hold_at:
                for _ in range(1000):
                    if cancel():
                        break
                    threading.Event().wait(0.01)
            if cancel():
                raise CancelledError("cancelled")
            yield i, tinted(clip, i)
            progress((n + 1) / len(frames))

    return factory


@pytest.fixture
def source(tmp_path):
    return make_source(tmp_path / "source.mp4", audio=True)


class Recorder(QObject):
    """Receives a job's signals, as the main window's slots do."""

    def __init__(self, job: ExportJob, on_progress=None):
        super().__init__()
        self.progress, self.results = [], []
        self._on_progress = on_progress
        job.progress.connect(self.record_progress)
        job.finished.connect(self.record_finished)
        job.failed.connect(self.record_failed)
        job.cancelled.connect(self.record_cancelled)

    @Slot(int, int)
    def record_progress(self, done, total):
        assert QThread.currentThread() is self.thread()
        self.progress.append((done, total))
        if self._on_progress is not None:
            self._on_progress(done)

    @Slot(str)
    def record_finished(self, path):
        self.results.append(("finished", path))

    @Slot(str)
    def record_failed(self, message):
        self.results.append(("failed", message))

    @Slot()
    def record_cancelled(self):
        self.results.append(("cancelled", None))


def run_job(qtbot, job: ExportJob, expected: str = "finished", on_progress=None) -> tuple[Recorder, str]:
    """Run ``job`` on its worker thread until it ends; check it ended with ``expected``."""
    recorder = Recorder(job, on_progress)
    threads = set()
    for signal in (job.progress, job.finished, job.failed, job.cancelled):
        signal.connect(lambda *args: threads.add(threading.get_ident()))
    job.start()
    qtbot.waitUntil(lambda: bool(recorder.results), timeout=30000)
    assert job.wait(5000)
    qtbot.wait(20)  # anything queued after the result would show up here
    assert len(recorder.results) == 1 and recorder.results[0][0] == expected, recorder.results
    assert threads == {threading.get_ident()}  # even plain callables run on the GUI thread
    return recorder, recorder.results[0][1]


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream's first channel as float samples, and its sample rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = [frame.to_ndarray()[0] for frame in container.decode(stream)]
        return np.concatenate(samples), stream.sample_rate


def opening_amplitude(path: Path) -> float:
    """Peak amplitude of the tone 15..25 ms into the audio (inside the first video frame)."""
    samples, rate = decode_audio(path)
    window = samples[int(0.015 * rate) : int(0.025 * rate)]
    return float(np.sqrt(2 * np.mean(window.astype(np.float64) ** 2)))


@pytest.mark.parametrize(
    "fmt, name, bit_depth",
    [
        ("png", "frames", 8),
        ("tiff", "frames", 16),
        ("mkv", "out.mkv", 8),
        ("mov", "out.mov", 16),
        ("mp4", "out.mp4", 8),
    ],
)
# ProRes stores 10 bits, read back as 16.
def test_export_each_format_decodes_with_the_right_frames(qtbot, tmp_path, source, fmt, name, bit_depth):
    settings = ExportSettings(tmp_path / name, fmt, 2, 7, audio=False)
    with open_clip(source) as clip:
        recorder, path = run_job(qtbot, ExportJob(settings, clip, tint_factory(clip)))
        assert path == str(tmp_path / name)
        with open_clip(tmp_path / name) as out:
            assert len(out) == 5 and (out.width, out.height) == (W, H)
            assert out.bit_depth == bit_depth and not out.has_audio
            if fmt in ("png", "tiff", "mkv"):  # lossless: exactly the factory's frames
                expected = tinted(clip, 4)
                if bit_depth == 16:
                    expected = expected.astype(np.uint16) * 257
                assert np.array_equal(out.rgb(2), expected)
            else:  # lossy: the chroma is there and the luma follows the source
                got = out.rgb(2).astype(float) / (257 if out.bit_depth == 16 else 1)
                assert np.abs(got - tinted(clip, 4)).mean() < 4
                assert got[..., 0].mean() - got[..., 2].mean() > 10  # the warm tint survived
        progress = recorder.progress
        assert progress[0] == (0, 5) and progress[-1] == (5, 5)
        assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"source.mp4", name})


def test_export_copies_the_audio_of_the_chosen_range(qtbot, tmp_path, source):
    with open_clip(source) as clip:
        assert clip.has_audio
        whole = ExportSettings(tmp_path / "whole.mp4", "mp4", 0, N, audio=True)
        run_job(qtbot, ExportJob(whole, clip, tint_factory(clip)))
        part = ExportSettings(tmp_path / "part.mkv", "mkv", 3, 7, audio=True)
        run_job(qtbot, ExportJob(part, clip, tint_factory(clip)))
        silent = ExportSettings(tmp_path / "silent.mov", "mov", 0, N, audio=False)
        run_job(qtbot, ExportJob(silent, source, tint_factory(clip)))  # by path, too
    with open_clip(tmp_path / "whole.mp4") as out:
        assert len(out) == N and out.has_audio
    with open_clip(tmp_path / "part.mkv") as out:
        assert len(out) == 4 and out.has_audio
    for name, frames, first in [("whole.mp4", N, 0), ("part.mkv", 4, 3)]:
        samples, rate = decode_audio(tmp_path / name)
        assert len(samples) / rate == pytest.approx(frames / FPS, abs=0.05)
        # The sound under the first exported frame is the source's sound under that frame.
        assert opening_amplitude(tmp_path / name) == pytest.approx(0.04 * (1 + first), abs=0.025)
    with open_clip(tmp_path / "silent.mov") as out:
        assert len(out) == N and not out.has_audio


def test_cancel_midway_leaves_no_file_and_keeps_an_old_output(qtbot, tmp_path, source):
    (tmp_path / "old.mkv").write_bytes(b"the previous export")
    for name, fmt in [("new.mkv", "mkv"), ("old.mkv", "mkv"), ("frames", "png")]:
        settings = ExportSettings(tmp_path / name, fmt, 0, N, audio=False, overwrite=True)
        with open_clip(source) as clip:
            job = ExportJob(settings, clip, tint_factory(clip, hold_at=3))
            run_job(qtbot, job, "cancelled", on_progress=lambda done, job=job: job.cancel() if done == 2 else None)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["old.mkv", "source.mp4"]
    assert (tmp_path / "old.mkv").read_bytes() == b"the previous export"


def test_progress_dialog_cancel_button_cancels_the_job(qtbot, tmp_path, source):
    settings = ExportSettings(tmp_path / "out.mkv", "mkv", 0, N, audio=False)
    with open_clip(source) as clip:
        job = ExportJob(settings, clip, tint_factory(clip, hold_at=2))
        dialog = ExportProgressDialog(job)
        qtbot.addWidget(dialog)
        dialog.show()
        button = dialog.findChild(QPushButton)
        assert button.text() == "Cancel"
        click = lambda done: qtbot.mouseClick(button, Qt.MouseButton.LeftButton) if done == 1 else None  # noqa: E731
        run_job(qtbot, job, "cancelled", on_progress=click)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    assert job.is_cancelled() and not (tmp_path / "out.mkv").exists()


def test_a_factory_that_stops_early_fails_and_writes_nothing(qtbot, tmp_path, source, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    settings = ExportSettings(tmp_path / "out.mp4", "mp4", 0, N, audio=False)
    with open_clip(source) as clip:
        full = tint_factory(clip)

        def short(frames, progress, cancel):
            return full(frames[:-2], progress, cancel)

        job = ExportJob(settings, clip, short)
        dialog = ExportProgressDialog(job)
        qtbot.addWidget(dialog)
        _, message = run_job(qtbot, job, "failed")
    assert "6 of 8 frames" in message
    qtbot.waitUntil(lambda: shown == [message], timeout=2000)
    assert not (tmp_path / "out.mp4").exists() and len(list(tmp_path.iterdir())) == 1


def _mount_tmpfs(folder: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody can write in: mode 0555, or (for root, who ignores modes) a
    read-only tmpfs."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if not _mount_tmpfs(folder, "ro,size=64k"):
        pytest.skip("running as root and cannot mount a read-only tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("fmt, name", [("mkv", "out.mkv"), ("png", "frames")])
def test_read_only_folder_fails_with_a_message(qtbot, tmp_path, source, read_only_folder, fmt, name):
    settings = ExportSettings(read_only_folder / name, fmt, 0, N, audio=False)
    with open_clip(source) as clip:
        _, message = run_job(qtbot, ExportJob(settings, clip, tint_factory(clip)), "failed")
    assert "read-only" in message and str(read_only_folder) in message and "\n" not in message
    assert list(read_only_folder.iterdir()) == []


@pytest.fixture
def tiny_disk(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    if not _mount_tmpfs(folder, "size=64k"):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("fmt, name", [("mkv", "out.mkv"), ("png", "frames")])
def test_full_disk_fails_with_a_message_and_leaves_nothing(qtbot, tmp_path, tiny_disk, fmt, name):
    noise = np.random.default_rng(0).integers(0, 256, (256, 256, 3), np.uint8)  # incompressible
    with open_writer(tmp_path / "noise.mkv", fps=FPS, width=256, height=256) as writer:
        for _ in range(6):
            writer.write(noise)

    def frames(frame_range, progress, cancel):
        for i in frame_range:
            yield i, noise

    settings = ExportSettings(tiny_disk / name, fmt, 0, 6, audio=False)
    _, message = run_job(qtbot, ExportJob(settings, tmp_path / "noise.mkv", frames), "failed")
    assert "full" in message and "Free some space" in message
    assert list(tiny_disk.iterdir()) == []


def test_disk_full_error_message():
    with open("/dev/full", "wb", buffering=0) as full, pytest.raises(OSError) as info:
        full.write(b"x" * 100_000)
    assert info.value.errno == errno.ENOSPC
    message = describe_os_error(info.value, Path("/media/usb/out.mkv"))
    assert message == "The disk holding '/media/usb' is full. Free some space or export to another drive."


# -- the dialog ----------------------------------------------------------------------------


@pytest.fixture
def messages(monkeypatch):
    """Records QMessageBox warnings; questions are answered from ``answers``."""
    record = {"warnings": [], "questions": [], "answers": []}

    def warning(parent, title, text, *args):
        record["warnings"].append(text)

    def question(parent, title, text, *args):
        record["questions"].append(text)
        return record["answers"].pop(0)

    monkeypatch.setattr(QMessageBox, "warning", warning)
    monkeypatch.setattr(QMessageBox, "question", question)
    return record


def make_dialog(qtbot, path, **kwargs):
    args = {"frame_count": 120, "fps": 24.0, "has_audio": True}
    args.update({k: kwargs.pop(k) for k in list(kwargs) if k in args})
    dialog = ExportDialog(None, args["frame_count"], args["fps"], args["has_audio"], path, **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def test_dialog_defaults_format_extension_and_audio(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path / "film colour.mp4", in_out=(10, 50))
    settings = dialog.settings()
    assert settings.format == "mkv" and settings.path == tmp_path / "film colour.mkv"
    assert (settings.start, settings.stop) == (10, 50) and settings.audio
    dialog.set_range(0, 120)
    assert dialog.settings().frames == range(0, 120)
    assert "120 frames, 00:00:05:00" in dialog.duration_label.text()
    dialog.set_format("png")
    assert dialog.settings().path == tmp_path / "film colour"
    assert not dialog.audio_box.isEnabled() and not dialog.settings().audio
    dialog.set_format("mov")
    assert dialog.settings().path.name == "film colour.mov" and dialog.settings().audio
    dialog.start_box.setValue(50)
    dialog.end_box.setValue(20)  # before the start: the start follows
    assert (dialog.settings().start, dialog.settings().stop) == (20, 21)
    dialog.start_box.setValue(30)  # after the end: the end follows
    assert (dialog.settings().start, dialog.settings().stop) == (30, 31)
    silent = make_dialog(qtbot, tmp_path / "x.mkv", has_audio=False)
    assert not silent.audio_box.isEnabled() and not silent.settings().audio


def test_dialog_refuses_bad_outputs_with_clear_messages(qtbot, tmp_path, source, messages):
    dialog = make_dialog(qtbot, tmp_path / "missing" / "out.mkv", source_path=source, frame_size=(33, 24))
    dialog.show()
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert "does not exist" in messages["warnings"][-1] and "missing" in messages["warnings"][-1]
    dialog.set_format("mp4")
    dialog.path_edit.setText(str(source))
    dialog.accept()
    assert "is the source" in messages["warnings"][-1]
    dialog.path_edit.setText(str(tmp_path / "out.mp4"))
    dialog.accept()
    assert "even frame size" in messages["warnings"][-1] and "33x24" in messages["warnings"][-1]
    dialog.set_format("png")
    dialog.path_edit.setText(str(tmp_path / "frames.png"))
    dialog.accept()
    assert "folder name" in messages["warnings"][-1]
    assert dialog.isVisible() and len(messages["warnings"]) == 4 and not messages["questions"]


def test_dialog_says_when_the_folder_is_read_only(qtbot, read_only_folder, messages):
    dialog = make_dialog(qtbot, read_only_folder / "out.mkv")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert messages["warnings"] == [f"The folder '{read_only_folder}' is read-only. Choose a folder you can write to."]


def test_dialog_asks_before_replacing_an_existing_output(qtbot, tmp_path, messages):
    (tmp_path / "out.mkv").write_bytes(b"earlier")
    dialog = make_dialog(qtbot, tmp_path / "out.mkv")
    dialog.show()
    messages["answers"] = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "'out.mkv' already exists" in messages["questions"][0]
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.settings().overwrite
    fresh = make_dialog(qtbot, tmp_path / "new.mkv")
    fresh.accept()
    assert fresh.result() == QDialog.DialogCode.Accepted and not fresh.settings().overwrite
    assert len(messages["questions"]) == 2 and not messages["warnings"]


def test_accepted_dialog_settings_drive_a_real_export_over_an_old_file(qtbot, tmp_path, source, messages):
    (tmp_path / "out.mkv").write_bytes(b"earlier")
    dialog = make_dialog(qtbot, tmp_path / "out.mkv", frame_count=N, source_path=source, frame_size=(W, H))
    messages["answers"] = [QMessageBox.StandardButton.Yes]
    dialog.accept()
    settings = dialog.settings()
    with open_clip(source) as clip:
        assert clip.frame_rate == Fraction(FPS)
        run_job(qtbot, ExportJob(settings, clip, tint_factory(clip)))
    with open_clip(tmp_path / "out.mkv") as out:
        assert len(out) == N and out.has_audio
