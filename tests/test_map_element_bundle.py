"""The area maps' element as served (static/vendor/deck.gl/map_element.js) is the one its
source and locked packages build (frontend/map_element): built again with npm, byte for byte."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "frontend" / "map_element"
BUILT = ROOT / "static" / "vendor" / "deck.gl" / "map_element.js"


def test_the_served_element_is_built_from_its_source(tmp_path):
    """`npm ci && npm run build` on a copy of the source gives the committed file."""
    work = tmp_path / "frontend" / "map_element"
    work.mkdir(parents=True)
    for name in ("package.json", "package-lock.json", "map_element.js"):
        shutil.copy(SOURCE / name, work / name)
    (tmp_path / "static" / "vendor" / "deck.gl").mkdir(parents=True)
    for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    built = (tmp_path / "static" / "vendor" / "deck.gl" / "map_element.js").read_bytes()
    assert built == BUILT.read_bytes(), "build it: cd frontend/map_element && npm run build"
