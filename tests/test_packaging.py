"""The wheel ships every package: each folder of colorcore/ and app/ with an __init__.py is
listed in pyproject.toml (setuptools is told the list, since app/ installs as keyhue)."""

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

REPO = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "colorcore").rglob("__init__.py")}
    found |= {
        "keyhue" + "".join("." + part for part in p.parent.relative_to(REPO / "app").parts)
        for p in (REPO / "app").rglob("__init__.py")
    }
    found.add("colorcore.resources")
    assert found == listed
