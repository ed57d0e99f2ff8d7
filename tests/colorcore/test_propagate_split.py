"""The property the render farm stands on: a run of frames between two keyframes, rendered
on its own with those keyframes solved separately, gives the serial render's frames bit
for bit (a run depends only on its two keyframes; shots only on their own frames)."""

from __future__ import annotations

import itertools

import numpy as np

from colorcore.media import open_clip, open_writer
from colorcore.video.propagate import colorize_clip, solve_keyframe
from tests.support.clips import several_shots_clip, stroke_guidance


def test_runs_between_keyframes_render_alone_exactly_as_in_the_serial_pass(tmp_path):
    frames = several_shots_clip((14, 12, 10))  # cuts after frames 13 and 25
    folder = tmp_path / "clip"
    with open_writer(folder, fps=25, width=frames[0].shape[1], height=frames[0].shape[0]) as writer:
        for frame in frames:
            writer.write(frame)
    # Keyframes: a reference, strokes, a run that crosses a cut (9 -> 17), a shot whose
    # head has no keyframe before it (26.. has none before 30), a tail after the last.
    guidance = stroke_guidance(frames, keyframes=[4, 9, 17, 30], references=[0])
    keys = sorted(guidance.keyframes())
    with open_clip(folder) as clip:
        serial = dict(colorize_clip(clip, guidance))
        solved = {k: solve_keyframe(clip, guidance, k) for k in keys}
        bounds = [0, *[k for k in keys if k > 0], len(clip)]
        pieces = {}
        for start, stop in itertools.pairwise(bounds):
            pieces.update(colorize_clip(clip, guidance, frames=range(start, stop), keyframe_chroma=solved))
    assert sorted(pieces) == sorted(serial) == list(range(len(frames)))
    for i in serial:
        assert np.array_equal(pieces[i], serial[i]), f"frame {i} differs when its run renders alone"
