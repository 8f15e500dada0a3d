"""Writing a safety report's files: the workbook, the PDF and the printable HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from time import perf_counter

import psycopg2.extensions

from geo.drill.step import drill_step
from geo.reports.content import ReportContent, gather
from geo.reports.excel import workbook_bytes
from geo.reports.pdf import pdf_bytes, report_html


@dataclass(frozen=True)
class WrittenReport:
    """The files written and how long it took (seconds)."""

    files: list[Path]
    seconds: float


def report_stem(name: str, code: str, period_key: str) -> str:
    """A file name stem safe on every system: 平安报表_城关区_620102_2026-10."""
    safe = re.sub(r"[^\w.-]+", "_", f"平安报表_{name}_{code}_{period_key}")
    return safe.strip("_")


REPORT_KINDS = ("xlsx", "pdf")


def report_content(
    conn: psycopg2.extensions.connection, code: str | None, period: str, now: datetime
) -> ReportContent:
    """Everything the report of an area and period holds, read in one transaction.

    The one way a report is gathered: the command line (as the owner) and the drill-down
    page (in the signed-in user's scope) call it alike, so their files hold the same rows.
    """
    return gather(conn, drill_step(conn, code, period, now))


def report_bytes(content: ReportContent, kind: str, now: datetime) -> bytes:
    """One file of a gathered report: the workbook (`xlsx`) or the PDF (`pdf`)."""
    if kind == "xlsx":
        return workbook_bytes(content)
    if kind == "pdf":
        return pdf_bytes(report_html(content, made_at=now))
    raise ValueError(f"unknown report kind {kind!r}")


def write_report(
    conn: psycopg2.extensions.connection,
    code: str | None,
    period: str,
    out_dir: Path,
    now: datetime,
    html: bool = False,
) -> WrittenReport:
    """Write the .xlsx and .pdf (and .html when asked) of an area and period into out_dir."""
    start = perf_counter()
    content = report_content(conn, code, period, now)
    step = content.step
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(step.node.name, step.node.code, step.period.key)
    files = [out_dir / f"{stem}.{kind}" for kind in REPORT_KINDS]
    for path, kind in zip(files, REPORT_KINDS, strict=True):
        path.write_bytes(report_bytes(content, kind, now))
    if html:
        files.append(out_dir / f"{stem}.html")
        files[2].write_text(report_html(content, made_at=now), encoding="utf-8")
    return WrittenReport(files, perf_counter() - start)
