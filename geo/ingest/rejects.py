"""Why a row was not taken, and the rejects file that lists each such row with its reason."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from geo.cells import csv_cell
from geo.errors import DataError

# reason code → (Chinese, English)
REASONS: dict[str, tuple[str, str]] = {
    "encoding": ("文字编码错误，内容出现乱码", "text not valid in the file's encoding"),
    "bad_record": ("记录格式错误，无法读取", "malformed record"),
    "unknown_source": ("来源未知", "unknown source"),
    "no_source_id": ("缺少来源编号", "no source id"),
    "bad_date": ("时间无法识别", "date cannot be read"),
    "future_date": ("时间晚于当前时间", "date in the future"),
    "bad_severity": ("紧急程度无法识别", "severity cannot be read"),
    "no_location": ("没有坐标，地址也不在地址库中", "no point and no known address"),
    "outside_city": ("坐标不在本市任何网格内", "point outside the city's grids"),
    "swapped_coordinates": (
        "经纬度颠倒：经度和纬度填反了，对调后落在本市",
        "longitude and latitude swapped: swapped back, the point lies in the city",
    ),
}


@dataclass(frozen=True)
class Reject:
    """A row that was not taken: where it is in the file, why, and what it held."""

    line: int
    reason: str
    detail: str
    values: dict[str, str]

    def text(self, lang: str = "zh") -> str:
        """The reason for people, with the offending value when there is one."""
        zh, en = REASONS[self.reason]
        said, sep = (zh, "：") if lang == "zh" else (en, ": ")
        return f"{said}{sep}{self.detail}" if self.detail else said


UNIT_ZH = {"line": "行号", "feature": "要素序号", "item": "记录序号"}


def write_rejects(
    path: Path, rejects: list[Reject], columns: list[str], unit: str = "line"
) -> None:
    """The rejects as CSV (UTF-8 with BOM, for Excel): line, reason, then the row as read.

    Cells are written through `geo.cells.csv_cell`, so a value no spreadsheet should evaluate
    (`=1+1`) is kept as text.
    """
    extra = [c for r in rejects for c in r.values if c not in columns]
    header = [*columns, *dict.fromkeys(extra)]
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([UNIT_ZH[unit], "原因代码", "原因", *header])
            for reject in sorted(rejects, key=lambda r: r.line):
                cells = [reject.values.get(c, "") for c in header]
                row = [reject.line, reject.reason, reject.text(), *cells]
                writer.writerow([csv_cell(v) for v in row])
    except OSError as exc:
        raise DataError(f"cannot write the rejects file {path}: {exc.strerror or exc}") from None
