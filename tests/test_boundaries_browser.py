"""The admin pages that write, in real Chromium against a database of their own: the boundary
page (upload, problems, preview, publish, see it live, roll back) and the users page; their
action buttons pressed while the page reruns."""

from __future__ import annotations

import io
import re
from functools import partial
from pathlib import Path

import psycopg2
import pytest
import shapely
from PIL import Image

from tests.boundary_fixtures import geojson_bytes, grids_gdf, load_tree
from tests.presses import Runs, choose, locked, press_while_rerunning
from tests.support import add_account, login, streamlit_server

pytestmark = [pytest.mark.db, pytest.mark.browser]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def boundary_db(scratch) -> str:
    """A database of its own (the page writes to it): the small tree and incidents."""
    url = scratch.create_migrated("minqing_bnd_browser")
    load_tree(url, incidents=300)
    add_account(url, "admin", "admin", "620100")
    add_account(url, "gis", "gis_staff", "620100")
    return url


@pytest.fixture(scope="module")
def app_url(boundary_db):
    """`streamlit run` of the app against that database."""
    with streamlit_server({"DATABASE_URL": boundary_db}) as url:
        yield url


def _upload_file() -> bytes:
    """The grids with one split in two (a new grid) and one drawn as a bow-tie."""
    gdf = grids_gdf()
    first = gdf.geometry.iloc[0]
    west, south, east, north = first.bounds
    mid = (west + east) / 2
    gdf.loc[0, "geometry"] = shapely.box(west, south, mid, north)
    extra = gdf.iloc[[0]].copy()
    extra["网格编码"] = "620102001001009"
    extra["网格名称"] = "新划<b>网格</b>"
    extra["geometry"] = [shapely.box(mid, south, east, north)]
    w2, s2, e2, n2 = gdf.geometry.iloc[5].bounds
    gdf.loc[5, "geometry"] = shapely.Polygon([(w2, s2), (e2, n2), (e2, s2), (w2, n2), (w2, s2)])
    import pandas as pd

    return geojson_bytes(
        pd.concat([gdf, extra], ignore_index=True).set_crs(4490, allow_override=True)
    )


def _drawn_share(png: bytes) -> float:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.getdata())
    return sum(1 for r, g, b in pixels if min(r, g, b) < 235) / len(pixels)


def test_upload_check_preview_publish_and_see_it_live(app_url, boundary_db, page, tmp_path):
    """Upload → problems listed → repair → preview drawn → publish → the new grid is live →
    roll back; publish and rollback pressed while the page reruns, each done once."""
    browser_page = page.page
    runs = Runs(browser_page, hold=partial(locked, boundary_db))
    browser_page.goto(f"{app_url}/boundaries", wait_until="networkidle")
    login(browser_page, "admin")
    browser_page.get_by_role("heading", name="网格边界管理").wait_for(timeout=30_000)
    path = tmp_path / "城关区网格.geojson"
    path.write_bytes(_upload_file())
    browser_page.locator("input[type=file]").set_input_files(str(path))
    browser_page.get_by_text("几何无效").first.wait_for(state="attached", timeout=60_000)
    # the verdict is drawn after the problems' list, possibly in a later message of the run
    browser_page.get_by_text("有错误，不能发布").first.wait_for(state="attached", timeout=30_000)
    browser_page.get_by_text("自动修复无效几何").first.click()
    browser_page.get_by_text("几何已修复").first.wait_for(state="attached", timeout=60_000)
    frame = browser_page.frame_locator("iframe[title]").first
    frame.locator(".leaflet-container").wait_for(timeout=30_000)
    browser_page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "boundaries_checked.png"), full_page=True)
    preview = browser_page.locator("iframe[title]").first
    preview.scroll_into_view_if_needed()
    shot = preview.screenshot()
    (ARTIFACTS / "boundaries_preview.png").write_bytes(shot)
    assert preview.bounding_box()["height"] > 300
    assert _drawn_share(shot) > 0.03, "the preview map is blank"
    assert frame.locator(".leaflet-interactive, canvas").count() > 0
    # the name's markup stayed text: no <b> element holds the name's inner word
    assert frame.locator("b", has_text=re.compile(r"^网格$")).count() == 0
    browser_page.get_by_text("我已核对问题和差异").first.click()
    press_while_rerunning(
        browser_page, runs, browser_page.get_by_role("button", name="发布为新版本")
    )
    browser_page.get_by_text("已发布为版本").first.wait_for(timeout=60_000)
    browser_page.screenshot(path=str(ARTIFACTS / "boundaries_published.png"), full_page=True)
    with psycopg2.connect(boundary_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
        assert cur.fetchone()[0] == 17
        cur.execute("SELECT name FROM current_areas WHERE code = '620102001001009'")
        assert cur.fetchone()[0] == "新划<b>网格</b>"
        cur.execute("SELECT count(*) FROM incidents WHERE grid_code = '620102001001009'")
        moved_in = cur.fetchone()[0]
        cur.execute(
            "SELECT action, actor, target FROM audit_log WHERE action LIKE 'boundary_%' ORDER BY id"
        )
        audited = cur.fetchall()
    assert [(a, who) for a, who, _ in audited] == [
        ("boundary_upload", "admin"),
        ("boundary_publish", "admin"),
    ]
    assert audited[0][2] == path.name
    assert moved_in > 0
    browser_page.goto(f"{app_url}/?area=620102001001009", wait_until="networkidle")
    browser_page.get_by_text("新划").first.wait_for(timeout=60_000)
    browser_page.wait_for_timeout(1500)
    open_cases = browser_page.locator("[data-testid=stMetric]").filter(has_text="在办").first
    assert open_cases.inner_text().split()[-1] == str(moved_in)  # its incidents moved with it
    browser_page.screenshot(path=str(ARTIFACTS / "boundaries_live.png"), full_page=True)
    browser_page.goto(f"{app_url}/overview", wait_until="networkidle")
    kpi = browser_page.locator("[data-testid=stMetric]").filter(has_text="网格数").first
    kpi.wait_for(timeout=60_000)
    assert "17" in kpi.inner_text()

    browser_page.goto(f"{app_url}/boundaries", wait_until="networkidle")
    browser_page.get_by_role("tab", name="版本与回滚").click()
    browser_page.get_by_text("我已核对问题和差异").last.click()
    press_while_rerunning(browser_page, runs, browser_page.get_by_role("button", name="回滚"))
    browser_page.get_by_text("已回滚").first.wait_for(timeout=60_000)
    with psycopg2.connect(boundary_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
        assert cur.fetchone()[0] == 16
        cur.execute("SELECT action FROM boundary_events ORDER BY id")
        assert [a for (a,) in cur.fetchall()][-2:] == ["publish", "rollback"]
    assert page.foreign_requests(app_url) == []


def _audited(url: str, target: str) -> list[str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT action FROM audit_log WHERE target = %s ORDER BY id", (target,))
        return [a for (a,) in cur.fetchall()]


def test_users_page_buttons_pressed_while_it_reruns_act_once(app_url, boundary_db, page):
    """新增, 停用, 启用, 更改角色 and 重置密码, each pressed while the page reruns: each
    confirmed and audited exactly once."""
    browser_page = page.page
    runs = Runs(browser_page, hold=partial(locked, boundary_db))
    browser_page.goto(app_url, wait_until="networkidle")
    login(browser_page, "admin")  # then the users page, which has a 用户名 field too
    browser_page.get_by_test_id("stSidebarNav").get_by_text("用户管理").click()
    browser_page.get_by_role("heading", name="用户管理").wait_for(timeout=60_000)
    browser_page.get_by_label("用户名").fill("press_user")
    browser_page.get_by_label("姓名").fill("按键测试")
    # the whole city (no area picked): a leader needs no center
    choose(browser_page, "角色", "领导", within=browser_page.locator(".st-key-users_add"))
    browser_page.get_by_label("密码", exact=True).fill("good password 1")
    press_while_rerunning(browser_page, runs, browser_page.get_by_role("button", name="新增"))
    browser_page.get_by_text("已新增用户 press_user。").wait_for(timeout=30_000)
    choose(browser_page, "用户", "press_user")
    press_while_rerunning(browser_page, runs, browser_page.get_by_role("button", name="停用"))
    browser_page.get_by_text("已停用 press_user").wait_for(timeout=30_000)
    press_while_rerunning(browser_page, runs, browser_page.get_by_role("button", name="启用"))
    browser_page.get_by_text("已启用 press_user。").wait_for(timeout=30_000)
    choose(browser_page, "角色", "GIS 人员", within=browser_page.locator(".st-key-users_role"))
    change = browser_page.get_by_role("button", name="更改角色")
    press_while_rerunning(browser_page, runs, change)
    browser_page.get_by_text("press_user 的角色已改为GIS 人员").wait_for(timeout=30_000)
    browser_page.get_by_label("新密码").fill("another password 2")
    press_while_rerunning(browser_page, runs, browser_page.get_by_role("button", name="重置密码"))
    browser_page.get_by_text("press_user 的密码已重置").wait_for(timeout=30_000)
    assert _audited(boundary_db, "press_user") == [
        "user_add", "user_disable", "user_enable", "user_role", "user_password",
    ]  # fmt: skip


def _lacking_file() -> bytes:
    """The grids without community 620102002001's (a filtered export), one grid shrunk (a gap)
    and one without a name: publishable, with warnings only."""
    gdf = grids_gdf()
    gdf = gdf[gdf["所属社区编码"] != "620102002001"].reset_index(drop=True)
    west, south, east, north = gdf.geometry.iloc[0].bounds
    gdf.loc[0, "geometry"] = shapely.box(west, south, east - 0.004, north)
    gdf.loc[3, "网格名称"] = None
    return geojson_bytes(gdf.set_crs(4490, allow_override=True))


def test_gis_officer_preview_list_zoom_refusal_and_sign_out(app_url, page, tmp_path):
    """As the GIS officer: the uploader speaks Chinese; the preview draws the outlines with
    their names and small problem markers listed beside it, and a click on the list zooms to
    the problem; a file lacking a community is refused naming its grids; the account menu
    signs out."""
    browser_page = page.page
    browser_page.goto(f"{app_url}/boundaries", wait_until="networkidle")
    login(browser_page, "gis")
    browser_page.get_by_role("heading", name="网格边界管理").wait_for(timeout=30_000)
    label = browser_page.locator(
        '.st-key-bnd_file [data-testid="stFileUploaderDropzone"] button '
        '[data-testid="stMarkdownContainer"]'
    )
    assert label.evaluate("e => getComputedStyle(e, '::after').content") == '"选择文件"'
    assert not browser_page.get_by_text("Upload", exact=True).is_visible()
    assert not browser_page.get_by_text("per file").first.is_visible()
    path = tmp_path / "城关区网格_筛选.geojson"
    path.write_bytes(_lacking_file())
    browser_page.locator("input[type=file]").set_input_files(str(path))
    browser_page.get_by_text("发布将删除").first.wait_for(timeout=60_000)
    frame = browser_page.frame_locator("iframe[title]").first
    frame.locator("#bnd-list li").first.wait_for(timeout=30_000)
    labels = frame.locator(".bnd-label")
    labels.first.wait_for(timeout=30_000)
    assert "2街2社区1号网格" in labels.all_inner_texts()
    assert frame.locator(".leaflet-bndProblems-pane canvas").count() == 1
    items = frame.locator("#bnd-list li")
    titles = items.all_inner_texts()
    assert len(titles) >= 3 and any("缺少名称" in t for t in titles)
    assert any("上级区域没有下级" in t for t in titles)
    preview = browser_page.locator("iframe[title]").first
    preview.scroll_into_view_if_needed()
    assert _drawn_share(preview.screenshot()) > 0.03, "the preview map is blank"
    zoom = "() => window.bndPreview.map.getZoom()"
    before = frame.locator("body").evaluate(zoom)
    gap = next(k for k, t in enumerate(titles) if "空隙" in t)
    items.nth(gap).click()
    browser_page.wait_for_timeout(800)
    assert frame.locator("body").evaluate(zoom) > before
    assert "active" in items.nth(gap).get_attribute("class")
    ARTIFACTS.mkdir(exist_ok=True)
    preview.screenshot(path=str(ARTIFACTS / "boundaries_gis_preview.png"))
    browser_page.get_by_text("我已核对问题和差异").first.click()
    browser_page.get_by_role("button", name="发布为新版本").click()
    refusal = browser_page.get_by_text("未发布：发布将删除").first
    refusal.wait_for(timeout=60_000)
    assert all(name in refusal.inner_text() for name in ("2街1社区1号网格", "2街1社区4号网格"))
    refusal.scroll_into_view_if_needed()
    browser_page.screenshot(path=str(ARTIFACTS / "boundaries_gis_refused.png"))
    browser_page.locator(".st-key-account_bar button").first.click()
    browser_page.get_by_role("button", name="退出登录").last.click()
    browser_page.get_by_label("用户名").wait_for(timeout=30_000)
    assert page.foreign_requests(app_url) == []
