"""Attribute text encodings: declared (.cpg, DBF header, XML prolog), guessed, or chosen."""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass
from pathlib import Path

# What users may choose; GB18030 is a superset of GBK and GB2312, so it reads all three.
CHOICES = ("UTF-8", "GB18030", "GBK", "BIG5", "LATIN-1")
_CPG = {
    "utf-8": "UTF-8", "utf8": "UTF-8", "65001": "UTF-8",
    "gbk": "GB18030", "936": "GB18030", "cp936": "GB18030", "ansi 936": "GB18030",
    "gb2312": "GB18030", "gb18030": "GB18030", "54936": "GB18030",
    "big5": "BIG5", "950": "BIG5", "cp950": "BIG5",
    "1252": "LATIN-1", "cp1252": "LATIN-1", "iso-8859-1": "LATIN-1", "88591": "LATIN-1",
}  # fmt: skip
# DBF "language driver" byte (offset 29) values that name a Chinese code page
_LDID = {0x4D: "GB18030", 0x7A: "GB18030", 0x4F: "BIG5", 0x78: "BIG5"}
_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9_\-]+)([\"'])")


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding used for attribute text and how it was decided."""

    name: str
    how: str  # "declared" (.cpg / header / prolog), "guessed", "chosen", "standard"
    note: str = ""


def normalise(name: str) -> str:
    """A user's or a file's encoding name as one of CHOICES (unknown names kept as given)."""
    key = name.strip().lower()
    if key in _CPG:
        return _CPG[key]
    try:
        return codecs.lookup(key).name.upper()
    except LookupError:
        return name.strip().upper()


def python_codec(name: str) -> str:
    """The Python codec for one of CHOICES."""
    return {"LATIN-1": "latin-1", "BIG5": "big5"}.get(name, name.lower())


def decodes(raw: bytes, name: str) -> bool:
    """True when the bytes are valid text in this encoding."""
    try:
        raw.decode(python_codec(name))
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def guess(raw: bytes) -> str:
    """UTF-8 when valid, else GB18030 (a superset of GBK) when valid, else LATIN-1."""
    for name in ("UTF-8", "GB18030"):
        if decodes(raw, name):
            return name
    return "LATIN-1"


def _checked(declared: str, raw: bytes, source: str) -> EncodingChoice:
    """The declared encoding when the bytes agree with it, else the guess with a note."""
    if decodes(raw, declared):
        return EncodingChoice(declared, "declared")
    found = guess(raw)
    return EncodingChoice(
        found,
        "guessed",
        f"{source}声明为 {declared}，但内容不是合法的 {declared}，已按 {found} 读取",
    )


def dbf_records(dbf: Path) -> tuple[int, bytes]:
    """The DBF's language-driver byte and the bytes of its records."""
    data = dbf.read_bytes()
    if len(data) < 32:
        return 0, b""
    count, header_len, record_len = struct.unpack("<IHH", data[4:12])
    return data[29], data[header_len : header_len + count * record_len]


def shapefile_encoding(dbf: Path, chosen: str | None = None) -> EncodingChoice:
    """The DBF's encoding: chosen, else its .cpg, else its header byte, else a guess."""
    if chosen:
        return EncodingChoice(normalise(chosen), "chosen")
    ldid, records = dbf_records(dbf)
    wanted = dbf.stem.lower() + ".cpg"
    cpg = next((p for p in dbf.parent.iterdir() if p.name.lower() == wanted), None)
    if cpg is not None:
        text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
        if text:
            return _checked(normalise(text), records, ".cpg 文件")
    if ldid in _LDID:
        return _checked(_LDID[ldid], records, "DBF 文件头")
    found = guess(records)
    return EncodingChoice(found, "guessed", "没有 .cpg 文件，按内容判断")


def text_encoding(raw: bytes, chosen: str | None, standard: str = "UTF-8") -> EncodingChoice:
    """The encoding of a text format (GeoJSON, KML): chosen, else its standard when valid."""
    if chosen:
        return EncodingChoice(normalise(chosen), "chosen")
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    match = _XML_DECL.match(body)
    if match:
        return _checked(normalise(match[2].decode("ascii")), body, "XML 声明")
    if decodes(body, standard):
        return EncodingChoice(standard, "standard")
    found = guess(body)
    return EncodingChoice(found, "guessed", f"内容不是 {standard}，按内容判断为 {found}")


def to_utf8(raw: bytes, encoding: str) -> bytes:
    """The text re-encoded as UTF-8 (an XML prolog is rewritten to say so)."""
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    text = body.decode(python_codec(encoding), errors="replace").encode("utf-8")
    return _XML_DECL.sub(rb"\1UTF-8\3", text, count=1)


def repair_field_names(dbf: Path, encoding: str) -> list[str]:
    """Trim DBF field names cut in the middle of a character (10-byte limit); returns renames.

    Tools writing UTF-8 DBFs cut long Chinese names at 10 bytes, leaving half a character
    that no reader can decode. The broken tail is dropped (names kept unique).
    """
    data = bytearray(dbf.read_bytes())
    codec = python_codec(encoding)
    header_len = struct.unpack("<H", data[8:10])[0]
    renames = []
    seen: set[bytes] = set()
    for offset in range(32, max(header_len - 1, 32), 32):
        if data[offset] == 0x0D:
            break
        raw = bytes(data[offset : offset + 11]).split(b"\x00")[0]
        name = raw
        while name and not decodes(name, codec):
            name = name[:-1]
        name = name or f"FIELD{offset // 32}".encode()
        while name in seen:
            name = name[:8] + f"{len(seen) % 100:02d}".encode()
        seen.add(name)
        if name != raw:
            data[offset : offset + 11] = name.ljust(11, b"\x00")[:11]
            renames.append(name.decode(codec, errors="replace"))
    if renames:
        dbf.write_bytes(bytes(data))
    return renames
