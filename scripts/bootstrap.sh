#!/usr/bin/env bash
# Install what 民情地图 needs on a Debian machine: system packages (when missing) and the
# Python virtual environment. Usage: scripts/bootstrap.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

missing=()
pg_major="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)"
if [ -z "$pg_major" ] || [ ! -x "/usr/lib/postgresql/$pg_major/bin/pg_ctl" ]; then
    missing+=(postgresql postgresql-contrib)
    pg_major=15
fi
if [ ! -f "/usr/share/postgresql/$pg_major/extension/postgis.control" ]; then
    missing+=("postgresql-$pg_major-postgis-3")
fi
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
# WeasyPrint (the PDF safety report) draws text with Pango
compgen -G "/usr/lib/*/libpangoft2-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$purpose" = test ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing system packages: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "minqing: these Debian packages are missing: ${missing[*]}" >&2
        echo "ask an administrator to run: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Exact versions from the lock (constraints.txt, made by scripts/lock.sh): two installs are
# the same. A version the lock does not hold is replaced by the locked one.
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
    touch "$stamp"
fi
