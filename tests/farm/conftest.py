"""A clip whose one long run the farm scans ahead in chunks (tests/farm)."""

from __future__ import annotations

import warnings

import pytest

from colorcore.guidance.references import Exemplar, Guidance
from colorcore.media import open_clip
from colorcore.video.propagate import colorize_clip
from tests.support.clips import several_shots_clip, stroke_guidance
from tests.support.media import write_clip

# One keyframe, at the start: the whole clip is one unit whose scan spans 3 chunks of 24
# frames. A cut at 60 inside the last chunk (the scan restarts there, from a chunk's
# frame); the second shot has no keyframe, only an exemplar (extras in the chunks);
# frames 30 and 47 cannot be decoded (47 is the frame before the last chunk).
LONG_SHOTS = (60, 10)
DAMAGED = (30, 47)


@pytest.fixture(scope="session")
def long_run(tmp_path_factory):
    """(frame folder, guidance, serial frames {index: RGB}) of the one-keyframe clip."""
    frames = several_shots_clip(LONG_SHOTS)
    folder = write_clip(tmp_path_factory.mktemp("long-run") / "clip", frames, fps=25)
    for i in DAMAGED:
        victim = sorted(folder.glob("frame_*"))[i]
        victim.write_bytes(victim.read_bytes()[:200])  # header intact, picture cut short
    strokes = stroke_guidance(frames, [0])
    guidance = Guidance(hints=strokes.hints, exemplars=[Exemplar(frames[65], frames=(60, 70))])
    with open_clip(folder) as source, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged frames, the grey shot
        serial = dict(colorize_clip(source, guidance))
    return folder, guidance, serial
