"""Early warnings (预警单): rules, the set-based scan, status changes and reading."""

from geo.warnings.actions import WarningTransitionError, acknowledge, assign, close
from geo.warnings.scan import RuleCount, ScanResult, scan_warnings

__all__ = [
    "RuleCount",
    "ScanResult",
    "WarningTransitionError",
    "acknowledge",
    "assign",
    "close",
    "scan_warnings",
]
