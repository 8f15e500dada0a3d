"""Zip archives opened safely: no climbing paths, no links, no bombs, Chinese names decoded."""

from __future__ import annotations

import io
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from geo.boundaries.errors import DamagedFile, UnsafeArchive, UnsupportedFile
from geo.boundaries.limits import MIB, Limits
from geo.boundaries.problems import Detail

# members worth unpacking: the parts of a Shapefile and the single-file formats we read
WANTED_SUFFIXES = {
    ".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj",
    ".geojson", ".json", ".gpkg", ".kml",
}  # fmt: skip
_DRIVE = re.compile(r"^[A-Za-z]:")
_UTF8_FLAG = 0x800
_CHUNK = MIB


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: zips made on Chinese Windows store GBK."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _safe_parts(name: str) -> tuple[str, ...]:
    """The path's parts, refusing anything that would leave the folder it is unpacked into."""
    unified = name.replace("\\", "/")
    if "\x00" in unified or unified.startswith("/") or _DRIVE.match(unified):
        raise UnsafeArchive(
            Detail(
                f"压缩包中的路径“{name}”是绝对路径，已拒绝整个压缩包 (absolute path)",
                f"the zip holds the absolute path “{name}”: the whole zip is refused",
            )
        )
    parts = tuple(p for p in PurePosixPath(unified).parts if p not in ("", "."))
    if ".." in parts:
        raise UnsafeArchive(
            Detail(
                f"压缩包中的路径“{name}”指向压缩包之外，已拒绝整个压缩包 "
                "(path climbs out of the zip)",
                f"the path “{name}” climbs out of the zip: the whole zip is refused",
            )
        )
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The archive, or one clear message when the bytes are a damaged or cut-off zip."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise DamagedFile(
            Detail(
                "压缩包已损坏或不完整（上传可能中断），请重新上传 "
                "(the zip is damaged or cut short)",
                "the zip is damaged or cut short (the upload may have broken off): upload it again",
            )
        ) from None


def extract_zip(data: bytes, dest: Path, limits: Limits) -> list[Path]:
    """Unpack the members we can read into `dest` after checking every name and size."""
    archive = open_zip(data)
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeArchive(
            Detail(
                f"压缩包中有 {len(infos):,} 个文件，超过上限 {limits.max_members:,}",
                f"the zip holds {len(infos):,} files, more than the limit of "
                f"{limits.max_members:,}",
            )
        )
    chosen: list[tuple[zipfile.ZipInfo, tuple[str, ...]]] = []
    declared = 0
    nested = []
    for info in infos:
        name = member_name(info)
        parts = _safe_parts(name)
        if _is_link(info):
            raise UnsafeArchive(
                Detail(
                    f"压缩包中的“{name}”是符号链接，已拒绝整个压缩包 (symbolic link)",
                    f"“{name}” in the zip is a symbolic link: the whole zip is refused",
                )
            )
        if info.is_dir() or not parts or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
            continue
        suffix = PurePosixPath(parts[-1]).suffix.lower()
        if suffix in (".zip", ".rar", ".7z", ".kmz"):
            nested.append(name)
        if suffix not in WANTED_SUFFIXES:
            continue
        if info.flag_bits & 0x1:
            raise UnsupportedFile(
                Detail(
                    f"压缩包中的“{name}”有密码保护，请去掉密码后重新打包",
                    f"“{name}” in the zip is password-protected: zip it again without a password",
                )
            )
        declared += info.file_size
        if info.file_size > MIB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafeArchive(
                Detail(
                    f"压缩包中的“{name}”压缩比异常（{info.compress_size:,} 字节解压为 "
                    f"{info.file_size:,} 字节），疑似压缩炸弹，已拒绝 (zip bomb)",
                    f"“{name}” in the zip unpacks from {info.compress_size:,} to "
                    f"{info.file_size:,} bytes, like a zip bomb: refused",
                )
            )
        chosen.append((info, parts))
    if declared > limits.max_unpacked_bytes:
        raise UnsafeArchive(
            Detail(
                f"压缩包解压后为 {declared / MIB:,.0f} MB，超过上限 "
                f"{limits.max_unpacked_bytes / MIB:,.0f} MB，疑似压缩炸弹，已拒绝 (zip bomb)",
                f"the zip unpacks to {declared / MIB:,.0f} MB, more than the limit of "
                f"{limits.max_unpacked_bytes / MIB:,.0f} MB, like a zip bomb: refused",
            )
        )
    if not chosen:
        if nested:
            raise UnsupportedFile(
                Detail(
                    f"压缩包里只有另一个压缩包（{nested[0]}）：请解压后直接上传里面的文件",
                    f"the zip holds only another archive ({nested[0]}): unpack it and upload "
                    "the files inside",
                )
            )
        raise UnsupportedFile(
            Detail(
                "压缩包中没有可读取的边界文件（.shp/.geojson/.gpkg/.kml）"
                "(no boundary file in the zip)",
                "the zip holds no boundary file we read (.shp/.geojson/.gpkg/.kml)",
            )
        )
    return _unpack(archive, chosen, dest, limits)


def _unpack(
    archive: zipfile.ZipFile,
    chosen: list[tuple[zipfile.ZipInfo, tuple[str, ...]]],
    dest: Path,
    limits: Limits,
) -> list[Path]:
    """Copy the chosen members out, counting real bytes (declared sizes can lie)."""
    root = dest.resolve()
    written: list[Path] = []
    total = 0
    for info, parts in chosen:
        target = root.joinpath(*parts).resolve()
        if not target.is_relative_to(root):
            raise UnsafeArchive(
                Detail(
                    f"压缩包中的路径“{'/'.join(parts)}”指向压缩包之外，已拒绝",
                    f"the path “{'/'.join(parts)}” climbs out of the zip: refused",
                )
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(info) as source, target.open("wb") as sink:
                while chunk := source.read(_CHUNK):
                    total += len(chunk)
                    if total > limits.max_unpacked_bytes:
                        raise UnsafeArchive(
                            Detail(
                                "压缩包解压出的数据超过上限，疑似压缩炸弹，已拒绝 (zip bomb)",
                                "the zip unpacks to more than the limit, like a zip bomb: refused",
                            )
                        )
                    sink.write(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise DamagedFile(
                Detail(
                    f"压缩包中的“{'/'.join(parts)}”已损坏或不完整（上传可能中断）：{exc}",
                    f"“{'/'.join(parts)}” in the zip is damaged or cut short (the upload may have "
                    f"broken off): {exc}",
                )
            ) from None
        written.append(target)
    return written
