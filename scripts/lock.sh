#!/usr/bin/env bash
# Write constraints.txt, the lock that scripts/bootstrap.sh installs with: every package that
# `pip install -e ".[dev]"` resolves to today (the newest versions pyproject.toml allows), each
# pinned to its exact version. Run it to take newer versions on purpose, then run the tests
# and commit constraints.txt. Usage: scripts/lock.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check -e ".[dev]"
{
    echo "# The lock: exact versions of every package of \`pip install -e \".[dev]\"\`, installed with"
    echo "# \`pip install -c constraints.txt\` by scripts/bootstrap.sh, so that two installs are the same."
    echo "# Made by scripts/lock.sh with $("$work/venv/bin/python" --version) on $(date -u +%Y-%m-%d); do not edit by hand."
    "$work/venv/bin/pip" freeze --exclude-editable --disable-pip-version-check | grep -v '^#' | sort -f
} > constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
