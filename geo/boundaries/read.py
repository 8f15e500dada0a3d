"""Read an uploaded boundary file into raw features, one by one, whatever its format."""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio import raw

from geo.boundaries import encoding as enc
from geo.boundaries.archive import extract_zip
from geo.boundaries.errors import (
    BoundaryFileError,
    DamagedFile,
    FileTooLarge,
    LayerNeeded,
    MissingPart,
    UnsupportedFile,
)
from geo.boundaries.limits import DEFAULT_LIMITS, MIB, Limits
from geo.boundaries.problems import Detail
from geo.boundaries.sniff import claimed_format, detect_format

FORMAT_NAMES = {
    "shapefile": "Shapefile",
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "kml": "KML",
}
_POLYGONAL = ("Polygon", "MultiPolygon", "3D Polygon", "3D MultiPolygon", "Polygon Z")
_SUFFIX_FORMAT = {".shp": "shapefile", ".geojson": "geojson", ".json": "geojson",
                  ".gpkg": "gpkg", ".kml": "kml"}  # fmt: skip


@dataclass
class SourceInfo:
    """Where the features came from and how the file was read."""

    name: str
    size: int
    sha256: str
    format: str
    layer: str
    layers: list[str]
    encoding: enc.EncodingChoice | None
    declared_crs: str | None
    notices: list[str] = field(default_factory=list)


@dataclass
class RawLayer:
    """One layer's features as read: attributes, and geometries in the file's own CRS."""

    info: SourceInfo
    fields: list[str]
    attributes: pd.DataFrame
    geometries: np.ndarray  # shapely geometry, or None where missing or unreadable
    unreadable: np.ndarray  # bool: geometry bytes present but not parseable even when fixed
    unclosed: np.ndarray  # bool: parsed only after closing its rings

    @property
    def numbers(self) -> np.ndarray:
        """1-based feature numbers, as GIS software shows them."""
        return np.arange(1, len(self.geometries) + 1)


@dataclass(frozen=True)
class _Dataset:
    label: str
    path: Path
    fmt: str
    layer: str | None
    geometry_type: str | None


def read_upload(
    data: bytes,
    name: str,
    layer: str | None = None,
    encoding: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RawLayer:
    """The features of one layer of an uploaded file (bytes as received, name as given)."""
    if len(data) > limits.max_file_bytes:
        raise FileTooLarge(
            Detail(
                f"文件“{name}”为 {len(data) / MIB:,.1f} MB，"
                f"超过上限 {limits.max_file_bytes / MIB:,.0f} MB (file too large)",
                f"the file “{name}” is {len(data) / MIB:,.1f} MB, more than the limit of "
                f"{limits.max_file_bytes / MIB:,.0f} MB",
            )
        )
    fmt = detect_format(data, name)
    notices = []
    claimed = claimed_format(name)
    if claimed is not None and claimed != fmt:
        suffix = PurePosixPath(name).suffix
        notices.append(f"文件名为 {suffix}，但内容是 {fmt.upper()}，已按内容读取")
    info = SourceInfo(
        name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        layer="",
        layers=[],
        encoding=None,
        declared_crs=None,
        notices=notices,
    )
    with tempfile.TemporaryDirectory(prefix="minqing_upload_") as tmp:
        folder = Path(tmp)
        if fmt == "zip":
            files = extract_zip(data, folder / "unpacked", limits)
        else:
            target = folder / f"upload{_suffix(fmt)}"
            target.write_bytes(data)
            files = [target]
        datasets = _datasets(files, folder)
        chosen = _choose(datasets, layer)
        info.format = chosen.fmt
        info.layer = chosen.label
        info.layers = [d.label for d in datasets]
        return _read_dataset(chosen, info, encoding, limits)


def _suffix(fmt: str) -> str:
    return {"geojson": ".geojson", "gpkg": ".gpkg", "kml": ".kml"}[fmt]


def _datasets(files: list[Path], root: Path) -> list[_Dataset]:
    """Every readable layer among the files (a Shapefile is one layer; GPKG/KML may hold many)."""
    found: list[_Dataset] = []
    for path in sorted(files):
        fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
        if fmt is None:
            continue
        label = path.relative_to(root).as_posix().removeprefix("unpacked/")
        if fmt == "shapefile":
            _require_companions(path, label)
            found.append(_Dataset(label, path, fmt, None, None))
            continue
        for layer_name, geometry_type in _list_layers(path, label):
            if fmt == "geojson":
                shown = label if path.parent != root else "GeoJSON"
            elif path.parent == root:
                shown = layer_name
            else:
                shown = f"{label}:{layer_name}"
            found.append(_Dataset(shown, path, fmt, layer_name, geometry_type))
    if not found:
        raise UnsupportedFile(
            Detail(
                "文件中没有可读取的图层 (no readable layer)",
                "the file has no layer we can read",
            )
        )
    return found


def _require_companions(shp: Path, label: str) -> None:
    """A Shapefile needs its .shx and .dbf beside it (same name, any case)."""
    siblings = {p.name.lower() for p in shp.parent.iterdir()}
    missing = [s for s in (".shx", ".dbf") if shp.stem.lower() + s not in siblings]
    if missing:
        what = {".shx": ".shx（几何索引）", ".dbf": ".dbf（属性表）"}
        raise MissingPart(
            Detail(
                f"Shapefile“{label}”缺少 {'、'.join(what[m] for m in missing)}："
                "请把同名的 .shp、.shx、.dbf、.prj、.cpg 一起压缩后上传",
                f"the Shapefile “{label}” lacks {', '.join(sorted(missing))}: zip the .shp, .shx, "
                ".dbf, .prj and .cpg of the same name together and upload the zip",
            )
        )


def _list_layers(path: Path, label: str) -> list[tuple[str, str | None]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [(str(n), None if t is None else str(t)) for n, t in pyogrio.list_layers(path)]
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types; all mean "cannot open"
        raise DamagedFile(
            Detail(
                f"无法打开“{label}”：{_first_line(exc)}（文件可能不完整或已损坏）",
                f"cannot open “{label}”: {_first_line(exc)} (the file may be cut short or damaged)",
            )
        ) from None


def _choose(datasets: list[_Dataset], wanted: str | None) -> _Dataset:
    """The chosen layer, else the first polygon layer, else the first layer."""
    if wanted:
        for dataset in datasets:
            if dataset.label == wanted:
                return dataset
        raise LayerNeeded(
            Detail(
                f"文件中没有图层“{wanted}”；可选：{'、'.join(d.label for d in datasets)}",
                f"the file has no layer “{wanted}”; there are: "
                f"{', '.join(d.label for d in datasets)}",
            ),
            [d.label for d in datasets],
        )
    for dataset in datasets:
        if dataset.geometry_type is None or dataset.geometry_type in _POLYGONAL:
            return dataset
    return datasets[0]


def _read_dataset(
    dataset: _Dataset, info: SourceInfo, encoding: str | None, limits: Limits
) -> RawLayer:
    open_encoding = None
    path = dataset.path
    if dataset.fmt == "shapefile":
        dbf = next(p for p in path.parent.iterdir() if p.name.lower() == path.stem.lower() + ".dbf")
        info.encoding = enc.shapefile_encoding(dbf, encoding)
        open_encoding = info.encoding.name
        for renamed in enc.repair_field_names(dbf, open_encoding):
            info.notices.append(f"字段名“{renamed}”在文件中被截断了半个字，已去掉残缺部分")
    elif dataset.fmt in ("geojson", "kml"):
        raw_bytes = path.read_bytes()
        info.encoding = enc.text_encoding(raw_bytes, encoding)
        if info.encoding.name != "UTF-8":
            path.write_bytes(enc.to_utf8(raw_bytes, info.encoding.name))
    else:
        info.encoding = enc.EncodingChoice("UTF-8", "standard")
        if encoding:
            info.notices.append("GeoPackage 的文字按标准总是 UTF-8，已忽略所选编码")
    if info.encoding.note:
        info.notices.append(info.encoding.note)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            count = pyogrio.read_info(path, layer=dataset.layer, encoding=open_encoding)["features"]
            if count > limits.max_features:
                raise FileTooLarge(
                    Detail(
                        f"图层有 {count:,} 个要素，超过上限 {limits.max_features:,}",
                        f"the layer has {count:,} features, more than the limit of "
                        f"{limits.max_features:,}",
                    )
                )
            meta, _fids, wkb, columns = raw.read(
                path,
                layer=dataset.layer,
                encoding=open_encoding,
                force_2d=True,
                return_fids=True,
            )
    except BoundaryFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types; all mean "cannot read"
        raise DamagedFile(
            Detail(
                f"无法读取“{dataset.label}”：{_first_line(exc)}（文件可能不完整或已损坏）",
                f"cannot read “{dataset.label}”: {_first_line(exc)} (the file may be cut short or "
                "damaged)",
            )
        ) from None
    info.declared_crs = meta.get("crs")
    names = [str(n) for n in meta["fields"]]
    attributes = pd.DataFrame(
        {n: np.asarray(c, dtype=object) for n, c in zip(names, columns, strict=True)}
    )
    attributes = attributes.loc[:, [n for n in names if attributes[n].notna().any()]]
    geometries, unreadable, unclosed = parse_geometries(wkb)
    return RawLayer(info, list(attributes.columns), attributes, geometries, unreadable, unclosed)


def parse_geometries(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geometries parsed one by one: a broken one becomes None instead of failing the file."""
    wkb = np.asarray(wkb, dtype=object)
    present = np.array([w is not None for w in wkb], dtype=bool)
    strict = shapely.from_wkb(wkb, on_invalid="ignore")
    failed = present & np.array([g is None for g in strict], dtype=bool)
    unclosed = np.zeros(len(wkb), dtype=bool)
    if failed.any():
        fixed = shapely.from_wkb(wkb[failed], on_invalid="fix")
        strict[failed] = fixed
        unclosed[failed] = [g is not None for g in fixed]
    unreadable = present & np.array([g is None for g in strict], dtype=bool)
    return strict, unreadable, unclosed


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
