"""Media I/O: read video files and frame folders as clips, write images and videos.

Reading::

    from colorcore.media import open_clip
    with open_clip("film.mp4") as clip:          # or a folder of frames
        y = clip.luma(120)                       # HxW uint8/uint16, frame-accurate
        for rgb in clip:                         # HxWx3, sequential decode
            ...

Writing::

    from colorcore.media import open_writer
    with open_writer("out.mkv", fps=clip.frame_rate, width=clip.width,
                     height=clip.height, bit_depth=clip.bit_depth, audio_from=clip) as w:
        w.write(rgb)                             # HxWx3 RGB, one call per frame

All arrays are RGB channel order (never OpenCV's BGR), uint8 (0..255) or uint16
(0..65535). Every failure caused by the user's files or paths is an InputError with a
one-line message.
"""

from colorcore.media.clip import AudioInfo, Clip, as_frame_rate
from colorcore.media.folder_clip import FolderClip
from colorcore.media.images import IMAGE_EXTENSIONS, image_size, natural_key, read_image, write_image
from colorcore.media.inputs import open_clip
from colorcore.media.outputs import check_output_path, open_writer, output_kind
from colorcore.media.pixels import rgb_to_luma
from colorcore.media.video_clip import VIDEO_EXTENSIONS, VideoClip
from colorcore.media.writer import FrameWriter

__all__ = [
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "AudioInfo",
    "Clip",
    "FolderClip",
    "FrameWriter",
    "VideoClip",
    "as_frame_rate",
    "check_output_path",
    "image_size",
    "natural_key",
    "open_clip",
    "open_writer",
    "output_kind",
    "read_image",
    "rgb_to_luma",
    "write_image",
]
