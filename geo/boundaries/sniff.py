"""What a file really is, judged by its first bytes rather than by its name."""

from __future__ import annotations

from pathlib import PurePosixPath

from geo.boundaries.errors import DamagedFile, MissingPart, UnsupportedFile
from geo.boundaries.problems import Detail

SUPPORTED = ("geojson", "zip", "gpkg", "kml")
_CLAIMS = {
    ".geojson": "geojson", ".json": "geojson", ".zip": "zip", ".kmz": "zip",
    ".gpkg": "gpkg", ".kml": "kml",
}  # fmt: skip
_NOT_GEO = [
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文档"),
    (b"Rar!", "RAR 压缩包（请改用 zip 压缩）"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包（请改用 zip 压缩）"),
    (b"\x1f\x8b", "gzip 压缩文件（请改用 zip 压缩）"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档（如 .xls/.doc）"),
    (b"MZ", "Windows 程序"),
    (b"\x7fELF", "可执行程序"),
]


def claimed_format(name: str) -> str | None:
    """The format the file's name claims, from its extension."""
    return _CLAIMS.get(PurePosixPath(name).suffix.lower())


def detect_format(data: bytes, name: str) -> str:
    """One of SUPPORTED from the content, or one clear message of what the file is instead."""
    if not data:
        raise DamagedFile(
            Detail(
                f"文件“{name}”是空的（0 字节），上传可能中断",
                f"the file “{name}” is empty (0 bytes): the upload may have broken off",
            )
        )
    head = data[:4096]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head[:4] == b"\x00\x00\x27\x0a":
        raise MissingPart(
            Detail(
                f"“{name}”是单独的 .shp 文件：Shapefile 需要 .shp、.shx、.dbf"
                "（最好还有 .prj、.cpg），请把同名的这些文件一起压缩成 zip 上传",
                f"“{name}” is a lone .shp file: a Shapefile needs its .shp, .shx and .dbf "
                "(and best its .prj and .cpg): zip the files of the same name together and "
                "upload the zip",
            )
        )
    for magic, what in _NOT_GEO:
        if head.startswith(magic):
            raise UnsupportedFile(
                Detail(
                    f"“{name}”的内容是{what}，不是边界文件 (not a boundary file)",
                    f"“{name}” holds {what}, not boundaries",
                )
            )
    text = _text_head(head)
    if text.startswith("{"):
        return "geojson"
    if text.startswith("["):
        raise UnsupportedFile(
            Detail(
                f"“{name}”是 JSON 数组，不是 GeoJSON（应是以 {{ 开头的 FeatureCollection）",
                f"“{name}” is a JSON array, not GeoJSON (a FeatureCollection starting with {{)",
            )
        )
    lowered = text[:2048].lower()
    if "<kml" in lowered:
        return "kml"
    if "<html" in lowered or "<!doctype html" in lowered:
        raise UnsupportedFile(
            Detail(
                f"“{name}”是一个网页（HTML），不是边界文件：下载可能失败了，请从来源重新导出",
                f"“{name}” is a web page (HTML), not boundaries: the download may have failed, "
                "export it again from its source",
            )
        )
    raise UnsupportedFile(
        Detail(
            f"无法识别“{name}”的格式：请上传 GeoJSON、zip 压缩的 Shapefile、GeoPackage 或 KML",
            f"the format of “{name}” is unknown: upload GeoJSON, a zipped Shapefile, GeoPackage "
            "or KML",
        )
    )


def _text_head(head: bytes) -> str:
    """The start of a text file without BOM and leading blanks, in whatever 8-bit encoding."""
    for bom in (b"\xef\xbb\xbf",):
        if head.startswith(bom):
            head = head[len(bom) :]
    return head.decode("latin-1").lstrip()
