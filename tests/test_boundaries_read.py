"""Reading boundary files in every format, CRS and encoding, and refusing bad ones clearly."""

from __future__ import annotations

import io
import json
import stat
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.boundaries import crs as crs_mod
from geo.boundaries.errors import (
    CrsProblem,
    DamagedFile,
    FileTooLarge,
    LayerNeeded,
    MissingPart,
    UnsafeArchive,
    UnsupportedFile,
)
from geo.boundaries.limits import Limits
from geo.boundaries.read import read_upload
from geo.coords import wgs84_to_gcj02
from tests.boundary_fixtures import (
    OGC_PRJ,
    geojson_bytes,
    gpkg_bytes,
    grids_gdf,
    kml_bytes,
    shapefile_zip,
)

NAME = "1街1社区1号网格"


@pytest.fixture(scope="module")
def grids() -> gpd.GeoDataFrame:
    return grids_gdf()


def _resolved(data: bytes, name: str, **options):
    crs_options = {k: options.pop(k) for k in ("chosen", "gcj02") if k in options}
    raw = read_upload(data, name, **options)
    choice, geoms = crs_mod.resolve(
        raw.geometries, raw.info.declared_crs, raw.info.format, **crs_options
    )
    return raw, choice, geoms


def _same_place(geoms: np.ndarray, grids: gpd.GeoDataFrame, tolerance: float = 1e-7) -> bool:
    expected = np.asarray(grids.geometry.values, dtype=object)
    return bool(np.all(shapely.hausdorff_distance(geoms, expected) < tolerance))


def test_geojson_utf8_with_a_crs_member(grids):
    """A 2008-style `crs` member is honoured; Chinese names come out right."""
    raw, choice, geoms = _resolved(geojson_bytes(grids, crs_member=True), "网格.geojson")
    assert raw.info.format == "geojson" and choice.srid == 4490 and choice.how == "declared"
    assert raw.attributes["网格名称"].iat[0] == NAME
    assert _same_place(geoms, grids)


def test_geojson_without_crs_is_wgs84_by_default(grids):
    """RFC 7946: no `crs` member means WGS84, and the page says it assumed so."""
    raw, choice, geoms = _resolved(geojson_bytes(grids), "grids.json")
    assert choice.how == "geojson default" and choice.srid == 4326
    assert _same_place(geoms, grids)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_geojson_in_gbk_is_recognised(grids, encoding):
    """GeoJSON saved in GBK/GB18030 by Chinese tools: guessed, and the text is right."""
    raw, _, _ = _resolved(geojson_bytes(grids, encoding=encoding), "网格.geojson")
    assert raw.info.encoding.name == "GB18030" and raw.info.encoding.how == "guessed"
    assert raw.attributes["网格名称"].iat[0] == NAME


def test_projected_geojson_without_crs_asks_with_candidates(grids):
    """Gauss-Krüger metres in a GeoJSON with no `crs`: refused, CGCS2000 CM 105E offered first."""
    with pytest.raises(CrsProblem) as caught:
        _resolved(geojson_bytes(grids.to_crs(4544)), "grids.geojson")
    assert "投影坐标" in str(caught.value)
    assert caught.value.candidates[0].srid == 4544


@pytest.mark.parametrize(
    ("srid", "prj"),
    [(4490, "esri"), (4326, "esri"), (3857, "esri"), (4544, "esri"), (4544, OGC_PRJ),
     (4523, "esri"), (4543, OGC_PRJ), (4522, "esri"), (4508, OGC_PRJ)],
)  # fmt: skip
def test_shapefile_zip_in_each_common_crs(grids, srid, prj):
    """ESRI and OGC .prj, zone with and without prefix, Web Mercator: all land where they are."""
    data = shapefile_zip(grids.to_crs(srid), folder="成果/网格", prj=prj)
    raw, choice, geoms = _resolved(data, "网格.zip")
    assert choice.srid == srid
    assert raw.info.layer == "成果/网格/网格.shp"
    assert _same_place(geoms, grids, tolerance=1e-7)


@pytest.mark.parametrize("encoding", ["GBK", "GB18030", "UTF-8"])
def test_shapefile_without_cpg_guesses_the_encoding(grids, encoding):
    """No .cpg and no code page byte: GBK/GB18030/UTF-8 text still comes out right."""
    data = shapefile_zip(grids, encoding=encoding, cpg=False)
    raw, _, _ = _resolved(data, "grids.zip")
    assert raw.info.encoding.how == "guessed"
    assert raw.attributes.iloc[0].astype(str).str.contains(NAME).any()


def test_shapefile_cpg_that_lies_is_overruled(grids):
    """A .cpg saying UTF-8 over GBK bytes: read as GB18030, with a note saying so."""
    data = shapefile_zip(grids, encoding="GBK")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    members = {k: (b"UTF-8" if k.endswith(".cpg") else v) for k, v in members.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    raw, _, _ = _resolved(buffer.getvalue(), "grids.zip")
    assert raw.info.encoding.name == "GB18030"
    assert any("UTF-8" in n for n in raw.info.notices)


def test_user_chosen_encoding_wins(grids):
    """The user's choice is used as given (here wrongly: the text is visibly garbled)."""
    data = shapefile_zip(grids, encoding="GBK", cpg=False)
    raw = read_upload(data, "grids.zip", encoding="LATIN-1")
    assert raw.info.encoding.how == "chosen"
    assert NAME not in set(raw.attributes.iloc[:, 1])


def test_gbk_member_names_in_the_zip(grids):
    """Zips made on Chinese Windows store names in GBK without the UTF-8 flag."""
    data = shapefile_zip(grids, folder="城关区", stem="网格边界", gbk_names=True)
    raw = read_upload(data, "城关区.zip")
    assert raw.info.layer == "城关区/网格边界.shp"


def test_missing_prj_asks_for_the_crs(grids):
    """No .prj: no guess is taken silently; the likely CRSs are offered, best first."""
    data = shapefile_zip(grids.to_crs(4523), prj=None)
    with pytest.raises(CrsProblem) as caught:
        _resolved(data, "grids.zip")
    codes = [c.srid for c in caught.value.candidates]
    assert codes[0] == 4523 and "没有声明坐标系" in str(caught.value)
    _, choice, geoms = _resolved(data, "grids.zip", chosen="EPSG:4523")
    assert choice.how == "chosen" and _same_place(geoms, grids)


def test_missing_prj_with_degrees_offers_cgcs2000_wgs84_and_gcj02(grids):
    """Degrees with no .prj: CGCS2000, WGS84 and GCJ-02 are the candidates."""
    with pytest.raises(CrsProblem) as caught:
        _resolved(shapefile_zip(grids, prj=None), "grids.zip")
    assert [c.choice for c in caught.value.candidates] == ["EPSG:4490", "EPSG:4326", "GCJ02"]


def test_projected_coordinates_declared_as_degrees(grids):
    """A .prj saying CGCS2000 degrees over Gauss-Krüger metres is refused with the right zone."""
    projected = grids.to_crs(4544).set_crs(4490, allow_override=True)
    with pytest.raises(CrsProblem) as caught:
        _resolved(shapefile_zip(projected), "grids.zip")
    assert "投影坐标" in str(caught.value) and caught.value.candidates[0].srid == 4544


def test_degrees_declared_as_projected(grids):
    """A .prj saying Gauss-Krüger over lon/lat values is refused."""
    wrong = grids.set_crs(4544, allow_override=True)
    with pytest.raises(CrsProblem, match="像经纬度"):
        _resolved(shapefile_zip(wrong), "grids.zip")


def test_coordinates_landing_outside_the_city(grids):
    """A CRS that puts everything far from Lanzhou is refused, with where they landed."""
    moved = grids.to_crs(4544).set_crs(4549, allow_override=True)  # CM 120E: near the coast
    with pytest.raises(CrsProblem, match="不在本市范围内"):
        _resolved(shapefile_zip(moved), "grids.zip")


def test_gcj02_is_corrected_on_request(grids):
    """GCJ-02 lon/lat (AMap): about 500 m off unless corrected; corrected to within 1 cm."""
    shifted = grids.copy()
    shifted.geometry = [
        shapely.transform(g, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1])))
        for g in grids.geometry
    ]  # noqa: E501
    data = geojson_bytes(shifted.to_crs(4326))
    _, _, raw_geoms = _resolved(data, "amap.geojson")
    assert not _same_place(raw_geoms, grids, tolerance=1e-4)
    _, choice, geoms = _resolved(data, "amap.geojson", gcj02=True)
    assert choice.gcj02 and _same_place(geoms, grids, tolerance=1e-7)


def test_xian80_gets_an_accuracy_warning(grids):
    """Xian 1980 has no precise way to CGCS2000: the user is told."""
    _, choice, _ = _resolved(shapefile_zip(grids.to_crs(2380)), "xian80.zip")
    assert choice.srid == 2380 and "精确" in choice.note


def test_geopackage_layers(grids):
    """A GeoPackage: the polygon layer is taken by default, any layer can be chosen."""
    points = gpd.GeoDataFrame({"名称": ["站点"]}, geometry=[shapely.Point(103.65, 36.02)], crs=4490)
    data = gpkg_bytes({"站点": points, "网格": grids.to_crs(4544)})
    raw, choice, geoms = _resolved(data, "边界.gpkg")
    assert raw.info.layers == ["站点", "网格"] and raw.info.layer == "网格"
    assert choice.srid == 4544 and _same_place(geoms, grids)
    assert read_upload(data, "边界.gpkg", layer="站点").info.layer == "站点"
    with pytest.raises(LayerNeeded):
        read_upload(data, "边界.gpkg", layer="没有")


def test_kml(grids):
    """KML (always WGS84): attributes from ExtendedData, names in Chinese."""
    raw, choice, geoms = _resolved(kml_bytes(grids), "网格.kml")
    assert raw.info.format == "kml" and choice.srid == 4326
    assert NAME in raw.attributes.astype(str).to_numpy()
    assert _same_place(geoms, grids)


def test_broken_feature_does_not_break_the_file(grids):
    """An unclosed ring and a null geometry are flagged per feature; the rest is read."""
    data = json.loads(geojson_bytes(grids))
    data["features"][2]["geometry"]["coordinates"][0][0][-1] = [103.0, 36.0]  # ring not closed
    data["features"][3]["geometry"] = None
    raw = read_upload(json.dumps(data, ensure_ascii=False).encode(), "grids.geojson")
    assert raw.unclosed.tolist().count(True) == 1 and raw.unclosed[2]
    assert raw.geometries[3] is None and not raw.unreadable[3]
    assert all(g is not None for k, g in enumerate(raw.geometries) if k not in (3,))


# --- bad input -----------------------------------------------------------------------------


def _zip(members: dict[str, bytes], **info_attrs) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            for key, value in info_attrs.items():
                setattr(info, key, value)
            archive.writestr(info, body)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "error", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "grids.geojson", UnsupportedFile, "PNG"),
        (b"<!DOCTYPE html><html><body>404</body></html>", "grids.zip", UnsupportedFile, "网页"),
        (b"Rar!\x1a\x07\x00" + b"\x00" * 50, "grids.zip", UnsupportedFile, "RAR"),
        (b"", "grids.geojson", DamagedFile, "空的"),
        (b"[1, 2, 3]", "grids.json", UnsupportedFile, "JSON 数组"),
        (b"hello, world", "grids.kml", UnsupportedFile, "无法识别"),
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "grids.shp", MissingPart, ".shx"),
    ],
)
def test_files_that_are_not_what_they_claim(data, name, error, words):
    """Each is named for what it really is, in one message."""
    with pytest.raises(error, match=words):
        read_upload(data, name)


def test_zip_with_climbing_paths_is_refused(grids):
    """`../` or an absolute path in a member name refuses the whole zip."""
    body = geojson_bytes(grids)
    for name in ("../../etc/grids.geojson", "/tmp/grids.geojson", "a/../../grids.geojson",
                 "C:\\grids.geojson"):  # fmt: skip
        with pytest.raises(UnsafeArchive, match="压缩包"):
            read_upload(_zip({name: body}), "grids.zip")


def test_zip_with_a_symbolic_link_is_refused():
    """A member that is a symbolic link is refused."""
    data = _zip({"grids.geojson": b"/etc/passwd"}, external_attr=(stat.S_IFLNK | 0o777) << 16)
    with pytest.raises(UnsafeArchive, match="符号链接"):
        read_upload(data, "grids.zip")


def test_zip_bomb_is_refused_before_unpacking():
    """A member that packs far too well is refused, and so is a zip unpacking past the limit."""
    bomb = _zip({"grids.geojson": b"{" + b" " * (20 * 2**20)})
    with pytest.raises(UnsafeArchive, match="压缩炸弹"):
        read_upload(bomb, "grids.zip")
    with pytest.raises(UnsafeArchive, match="压缩炸弹"):
        read_upload(bomb, "grids.zip", limits=Limits(max_ratio=1e9, max_unpacked_bytes=2**20))


def test_file_over_the_size_limit():
    """Bigger than the limit: refused before anything is parsed."""
    with pytest.raises(FileTooLarge, match="超过上限"):
        read_upload(b"{}" * 600, "grids.geojson", limits=Limits(max_file_bytes=1000))


@pytest.mark.parametrize(("part", "words"), [(".dbf", "属性表"), (".shx", "几何索引")])
def test_shapefile_without_a_companion(grids, part, words):
    """A zip without the .dbf or .shx names what is missing."""
    with pytest.raises(MissingPart, match=words):
        read_upload(shapefile_zip(grids, drop=(part,)), "grids.zip")


@pytest.mark.parametrize("kind", ["zip", "geojson", "gpkg"])
def test_upload_interrupted_half_way(grids, kind):
    """Half a file (an interrupted upload) is called damaged, whatever the format."""
    data = {
        "zip": lambda: shapefile_zip(grids),
        "geojson": lambda: geojson_bytes(grids),
        "gpkg": lambda: gpkg_bytes({"网格": grids}),
    }[kind]()
    with pytest.raises(DamagedFile, match="不完整|损坏"):
        read_upload(data[: len(data) // 2], f"grids.{kind}")
