"""Errors of the boundary upload: each names what is wrong with the file and what to do."""

from __future__ import annotations

from dataclasses import dataclass

from geo.boundaries.problems import Detail
from geo.errors import DataError, MinqingError


class BoundaryFileError(DataError):
    """The boundary file cannot be used as it is; nothing was written."""

    default_message = Detail(
        "边界文件无法使用，数据库未作任何改动 (the boundary file cannot be used)",
        "the boundary file cannot be used; nothing was written",
    )


class UnsupportedFile(BoundaryFileError):
    """The file is not one of the formats we read, or not what its name claims."""

    default_message = Detail(
        "不支持的文件格式：请上传 GeoJSON、zip 压缩的 Shapefile、GeoPackage 或 KML",
        "unsupported format: upload GeoJSON, a zipped Shapefile, GeoPackage or KML",
    )


class FileTooLarge(BoundaryFileError):
    """The file (or what a zip unpacks to) is over the size limit."""

    default_message = Detail(
        "文件超过大小限制",
        "the file is over the size limit",
    )


class UnsafeArchive(BoundaryFileError):
    """A zip that would climb out of its folder, hold links, or unpack far too much (zip bomb)."""

    default_message = Detail(
        "压缩包不安全，已拒绝",
        "the zip is unsafe: refused",
    )


class DamagedFile(BoundaryFileError):
    """The file is cut short or corrupt (for example an upload interrupted half way)."""

    default_message = Detail(
        "文件不完整或已损坏（上传可能中断），请重新上传",
        "the file is cut short or damaged (the upload may have broken off): upload it again",
    )


class MissingPart(BoundaryFileError):
    """A Shapefile lacks one of its companion files (.dbf, .shx)."""

    default_message = Detail(
        "Shapefile 缺少必需的组成文件",
        "the Shapefile lacks a file it needs",
    )


class LayerNeeded(BoundaryFileError):
    """The file holds several layers and none was chosen, or the chosen one does not exist."""

    default_message = Detail(
        "文件中有多个图层，请选择一个",
        "the file holds several layers: choose one",
    )

    def __init__(self, message: str, layers: list[str]) -> None:
        super().__init__(message)
        self.layers = layers


@dataclass(frozen=True)
class CrsCandidate:
    """A coordinate system that would put the file's features inside the city."""

    srid: int
    name: str
    inside_share: float
    gcj02: bool = False

    @property
    def choice(self) -> str:
        """What to pass as the chosen CRS: 'EPSG:4544', or 'GCJ02' for GCJ-02 lon/lat."""
        return "GCJ02" if self.gcj02 and self.srid == 4326 else f"EPSG:{self.srid}"


class CrsProblem(BoundaryFileError):
    """The coordinate system is missing, contradicts the coordinates, or puts them elsewhere."""

    default_message = Detail(
        "无法确定坐标系",
        "the coordinate system cannot be told",
    )

    def __init__(self, message: str, candidates: list[CrsCandidate] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class PublishError(MinqingError):
    """A publication or rollback was refused; the database is as it was."""

    default_message = Detail(
        "发布未执行，数据库未作任何改动",
        "not published; nothing was changed",
    )


class PublishBusy(PublishError):
    """Another publication or rollback is running right now."""

    default_message = Detail(
        "另一位同事正在发布或回滚边界，请稍后重试 (another publication is running)",
        "another publication or rollback is running: try again shortly",
    )


class StaleUpload(PublishError):
    """The current version changed since the file was checked."""

    default_message = Detail(
        "检查之后边界已被他人更新，请重新检查文件后再发布",
        "the boundaries changed since the check: check the file again, then publish",
    )


class UploadHasErrors(PublishError):
    """The checked file still has blocking problems."""

    default_message = Detail(
        "文件仍有错误，不能发布",
        "the file still has errors: it cannot be published",
    )


class RemovalNotConfirmed(PublishError):
    """The publication would delete current areas and nobody confirmed it."""

    default_message = "发布将删除现有区域，需要明确确认 (removing areas needs a confirmation)"


class VersionNotFound(PublishError):
    """No boundary version has the given id."""

    default_message = Detail(
        "没有这个边界版本",
        "no such boundary version",
    )
