"""Writing a safety report's files: the workbook, the PDF and the printable HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from time import perf_counter

import psycopg2.extensions

from geo.drilldown import drill_step
from geo.reports.content import gather
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
    content = gather(conn, drill_step(conn, code, period, now))
    step = content.step
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(step.node.name, step.node.code, step.period.key)
    page = report_html(content, made_at=now)
    files = [out_dir / f"{stem}.xlsx", out_dir / f"{stem}.pdf"]
    files[0].write_bytes(workbook_bytes(content))
    files[1].write_bytes(pdf_bytes(page))
    if html:
        files.append(out_dir / f"{stem}.html")
        files[2].write_text(page, encoding="utf-8")
    return WrittenReport(files, perf_counter() - start)
