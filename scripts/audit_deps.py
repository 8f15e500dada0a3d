"""Report known-vulnerable versions among the locked packages (constraints.txt), with pip-audit.

pip-audit asks a vulnerability database (PyPI's JSON API) about each locked version. Where
that cannot be reached (an intranet; a registry mirror that serves the package index but not
the JSON API, as on the project's build machines) no package can be checked: that is said as
"skipped", never as a pass, and it is not a failure (exit 0), so CI does not fail for lack of
network. A known vulnerability is a failure (exit 1). Usage: python scripts/audit_deps.py
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

LOCK = Path(__file__).resolve().parent.parent / "constraints.txt"
# the kind of question pip-audit's default service asks: one version's JSON, with its
# "vulnerabilities" (a mirror may serve the project's JSON but not a version's)
PROBE = "https://pypi.org/pypi/pip-audit/{version}/json"
PROBE_SECONDS = 10
AUDIT_SECONDS = 300


def verdict(report: dict[str, Any]) -> tuple[int, list[str]]:
    """Exit status and lines to print for pip-audit's JSON report."""
    deps = report.get("dependencies", [])
    checked = [d for d in deps if "skip_reason" not in d]
    unchecked = [d for d in deps if "skip_reason" in d]
    if deps and not checked:
        return 0, [
            f"dependency audit skipped: no vulnerability database reachable (none of the "
            f"{len(deps)} locked packages could be looked up: {unchecked[0]['skip_reason']})"
        ]
    lines = [
        f"{d['name']} {d['version']}: {v['id']}"
        + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
        for d in checked
        for v in d.get("vulns", [])
    ]
    summary = f"dependency audit: {len(checked)} locked packages checked, "
    summary += f"{len(lines)} known vulnerabilities" if lines else "no known vulnerability"
    if unchecked:
        summary += f"; not checked: {', '.join(d['name'] for d in unchecked)}"
    return (1 if lines else 0), [summary, *lines]


def _reachable() -> str | None:
    """None when the vulnerability database answers, else why not."""
    url = PROBE.format(version=metadata.version("pip-audit"))
    try:
        with urllib.request.urlopen(url, timeout=PROBE_SECONDS) as response:  # noqa: S310
            response.read(1)
    except urllib.error.HTTPError as exc:
        return f"{url} answered {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url} cannot be reached: {getattr(exc, 'reason', exc)}"
    return None


def main() -> int:
    """Run pip-audit over the lock and print what it found; the exit status of the check."""
    if importlib.util.find_spec("pip_audit") is None:
        print("dependency audit skipped: pip-audit is not installed")
        return 0
    why = _reachable()
    if why is not None:
        print(f"dependency audit skipped: no vulnerability database reachable ({why})")
        return 0
    command = [
        sys.executable, "-m", "pip_audit", "--requirement", str(LOCK), "--no-deps",
        "--disable-pip", "--format", "json", "--progress-spinner", "off", "--timeout", "15",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=AUDIT_SECONDS)  # noqa: S603
        report = json.loads(done.stdout)
    except subprocess.TimeoutExpired:
        print(f"dependency audit skipped: no answer within {AUDIT_SECONDS} s")
        return 0
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"dependency audit skipped: pip-audit could not run ({last})")
        return 0
    status, lines = verdict(report)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
