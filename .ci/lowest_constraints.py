"""Print pip constraints pinning every dependency of pyproject.toml to its lowest declared
version, so CI can prove the lower bounds true (``pip install -c <(this) ...``)."""

import re
import sys
from pathlib import Path

import tomllib

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
for extra, items in project["optional-dependencies"].items():
    if extra not in ("torch", "lint"):  # torch: the local CPU wheel; lint: pinned tools
        requirements += [r for r in items if not r.startswith("keyhue")]
for requirement in requirements:
    match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)", requirement)
    if not match:
        sys.exit(f"no lower bound in {requirement!r}")
    print(f"{match.group(1)}=={match.group(3)}")
