"""Every benchmark script still starts: a refactor that moves what one imports breaks it here,
not on the day someone needs its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The scripts with a command line (bench_db is a module of theirs, bare_map a page they serve).
SCRIPTS = sorted(p for p in (ROOT / "bench").glob("*.py") if "argparse" in p.read_text())


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_the_benchmark_answers_help(script: Path) -> None:
    """`--help` runs the script's imports and argument parser, and touches no database."""
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=script.parent,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
