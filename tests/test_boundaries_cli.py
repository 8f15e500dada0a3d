"""`minqing grids …` from the shell, and the preview's HTML (offline, escaped)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import shapely

from geo.bounds import LngLatBbox
from layers.preview import Outline, ProblemMark, load_assets, offline_html, preview_map
from tests.boundary_fixtures import geojson_bytes, grids_gdf, load_tree, table_checksums

LEAFLET = Path(__file__).resolve().parent.parent / "dashboard" / "static" / "leaflet"


def _minqing(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", *args], capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip


@pytest.mark.db
def test_import_dry_run_report_publish_versions_export(scratch, tmp_path):
    """Errors exit 1 with a report; a clean file publishes; versions list it; export re-imports."""
    url = scratch.create_migrated("minqing_bnd_cli")
    load_tree(url, incidents=50)
    bad = grids_gdf()
    bad.loc[1, "网格编码"] = bad.loc[2, "网格编码"]
    (tmp_path / "bad.geojson").write_bytes(geojson_bytes(bad))
    before = table_checksums(url)
    result = _minqing(url, "grids", "import", str(tmp_path / "bad.geojson"), "--report",
                      str(tmp_path / "r.json"))  # fmt: skip
    assert result.returncode == 1 and "编码重复" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["can_publish"] is False and report["errors"] == 2
    assert {p["feature"] for p in report["problems"] if p["kind"] == "duplicate_code"} == {2, 3}
    assert table_checksums(url) == before
    good = grids_gdf()
    good.loc[0, "网格名称"] = "命令行改名"
    (tmp_path / "good.geojson").write_bytes(geojson_bytes(good))
    result = _minqing(url, "grids", "import", str(tmp_path / "good.geojson"), "--by", "张工")
    assert result.returncode == 0, result.stderr
    assert "已发布为版本 2" in result.stdout and "改名 1" in result.stdout
    listing = _minqing(url, "grids", "versions")
    assert "张工" in listing.stdout and "good.geojson" in listing.stdout
    exported = tmp_path / "current.gpkg"
    assert _minqing(url, "grids", "export", str(exported)).returncode == 0
    again = _minqing(url, "grids", "import", str(exported), "--dry-run")
    assert again.returncode == 0 and "未变 16" in again.stdout, again.stdout + again.stderr
    missing = _minqing(url, "grids", "import", str(tmp_path / "bad.geojson"), "--crs", "EPSG:9")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1


@pytest.mark.db
def test_import_refuses_to_delete_areas_without_allow_removal(scratch, tmp_path, monkeypatch):
    """A file lacking one community's grids: exit 1 naming them and their incidents, nothing
    written; --allow-removal publishes it."""
    from click.testing import CliRunner

    from geo.cli import main
    from geo.settings import get_settings

    url = scratch.create_migrated("minqing_bnd_cli_rm")
    load_tree(url, incidents=80)
    gdf = grids_gdf()
    gone = gdf[gdf["所属社区编码"] == "620102002002"]
    path = tmp_path / "三个社区.geojson"
    path.write_bytes(geojson_bytes(gdf[gdf["所属社区编码"] != "620102002002"]))
    before = table_checksums(url)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:  # in this process: the CLI's own path without starting Python again
        refused = CliRunner().invoke(main, ["grids", "import", str(path), "--by", "张工"])
        assert table_checksums(url) == before
        allowed = CliRunner().invoke(
            main, ["grids", "import", str(path), "--by", "张工", "--allow-removal"]
        )
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 1, refused.output
    assert "发布将删除 4 个现有网格" in refused.output
    assert all(name in refused.output for name in gone["网格名称"])
    assert "第2街道第2社区（620102002002）：现有 4 个网格全部删除" in refused.output
    assert "--allow-removal" in refused.output and "已发布" not in refused.output
    assert allowed.exit_code == 0, allowed.output
    assert "已发布为版本 2" in allowed.output
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
        assert cur.fetchone()[0] == 12


def test_preview_html_is_offline_and_escaped():
    """The preview requests no other host and shows file text as text, never as markup."""
    box = shapely.box(103.6, 36.0, 103.65, 36.05)
    evil = '<img src=x onerror="alert(1)">'
    fmap = preview_map(
        [],
        [],
        [Outline("620102001001001", evil, box)],
        {"added": [Outline("620102001001001", evil, box)]},
        [ProblemMark("error", "几何无效", evil, 1, "c", 103.62, 36.02, box)],
        LngLatBbox(103.6, 36.0, 103.65, 36.05),
        {
            k: k
            for k in (
                "parent",
                "current",
                "new",
                "added",
                "removed",
                "reshaped",
                "renamed",
                "problems",
            )
        },  # fmt: skip
    )
    html = offline_html(fmap, load_assets(LEAFLET))
    assert re.findall(r"<(?:script|link)[^>]*(?:src|href)=", html) == []
    assert "&lt;img src=x" in html
    assert '<img src=x onerror="alert(1)">' not in html
    assert "L.map(" in html
    # the list beside the map, and the names the page's script writes as text
    assert '<span class="bnd-detail">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</span>' in html
    assert '\\u003cimg src=x onerror=\\"alert(1)\\">' in html
    assert "el.textContent = r[2]" in html


def test_outside_text_stays_text_in_markdown_and_css():
    """A name with markdown, Streamlit directives or HTML shows as typed; CSS text is quoted."""
    from dashboard.widgets.markdown import literal
    from dashboard.widgets.upload import css_string, uploader_css

    assert literal("**粗** [链](javascript:x) :red[红] $x$\n<b>") == (
        "\\*\\*粗\\*\\* \\[链\\]\\(javascript\\:x\\) \\:red\\[红\\] \\$x\\$ \\<b\\>"
    )
    assert css_string('选择"文件"</style>') == '"选择\\22 文件\\22 \\3c /style\\3e "'
    css = uploader_css("bnd_file", "选择文件", "文件最大 200 MB")
    assert '.st-key-bnd_file [data-testid="stFileUploaderDropzone"]' in css
    assert 'content: "选择文件"' in css
    with pytest.raises(ValueError):
        uploader_css("bad key}", "x", "y")
