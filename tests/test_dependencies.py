"""The lock (constraints.txt) pins what is installed, and the audit never passes silently."""

from __future__ import annotations

from importlib import metadata

from packaging.utils import canonicalize_name

from scripts.audit_deps import LOCK, verdict

# what `pip freeze` leaves out, and the project itself (installed editable)
UNLOCKED = {"pip", "setuptools", "wheel", "distribute", "minqing"}


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_every_installed_package_is_locked_at_its_installed_version():
    """Two installs are the same: bootstrap installs with the lock (else run scripts/lock.sh)."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wanted = {k: v for k, v in installed.items() if k not in UNLOCKED}
    locked = _locked()
    assert {k: v for k, v in wanted.items() if locked.get(k) != v} == {}
    assert all("==" in line for line in LOCK.read_text().splitlines() if line[:1] not in "#")


def test_no_database_reachable_is_said_as_skipped_not_as_a_pass():
    """pip-audit prints "No known vulnerabilities found" when it could look nothing up."""
    report = {"dependencies": [
        {"name": "streamlit", "skip_reason": "Dependency not found on PyPI and could not be "
         "audited: streamlit (1.67.0)"},
        {"name": "numpy", "skip_reason": "Dependency not found on PyPI and could not be "
         "audited: numpy (2.3.0)"},
    ]}  # fmt: skip
    status, lines = verdict(report)
    assert status == 0 and lines[0].startswith("dependency audit skipped: no vulnerability")
    assert "none of the 2 locked packages" in lines[0]


def test_a_known_vulnerability_fails_and_is_named():
    report = {"dependencies": [
        {"name": "streamlit", "version": "1.37.0", "vulns": [
            {"id": "GHSA-rxff-vr5r-8cj5", "fix_versions": ["1.37.0"]}]},
        {"name": "numpy", "version": "2.3.0", "vulns": []},
        {"name": "torch", "skip_reason": "not on PyPI"},
    ]}  # fmt: skip
    status, lines = verdict(report)
    assert status == 1
    assert lines[0] == (
        "dependency audit: 2 locked packages checked, 1 known vulnerabilities; not checked: torch"
    )
    assert lines[1] == "streamlit 1.37.0: GHSA-rxff-vr5r-8cj5 (fixed in 1.37.0)"
    assert verdict({"dependencies": report["dependencies"][1:2]}) == (
        0, ["dependency audit: 1 locked packages checked, no known vulnerability"],
    )  # fmt: skip
