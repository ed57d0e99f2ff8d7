"""Keyhue's shipped data, installed as the package ``colorcore.resources``.

``icons/`` (the editor's icons), ``demo/`` (the demo clip and project) and ``weights/``
(trained network weights), each with the source and licence of what it holds.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """The path of a shipped file, e.g. ``resource_path("demo", "demo.keyhue")``.

    Works the same from a source checkout, an editable install and an installed wheel
    (package data is unpacked on disk, never read from a zip).
    """
    return ROOT.joinpath(*parts)
