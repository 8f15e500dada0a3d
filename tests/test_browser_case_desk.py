"""The case desk in a real headless Chromium: one case opened by a click on its row and worked
from new to closed (reported → assigned → in progress → resolved with its confirmation →
closed), the history showing each step; an operator's desk with the case's surroundings."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from geo import db
from geo.timeutil import now_utc
from tests.live_world import GRID_A, Incidents, build_world
from tests.presses import Runs, choose, locked, press_while_rerunning
from tests.support import add_account, login, owner_rows, streamlit_server

pytestmark = [pytest.mark.db, pytest.mark.browser]
ARTIFACTS = Path(__file__).parent / "artifacts"
WORDS = "小区路灯不亮，夜间出行不便"


@pytest.fixture(scope="module")
def desk_world(scratch) -> tuple[str, int]:
    """A scratch database with the tiny world, a few open cases, one new case to work."""
    url = scratch.create_migrated("minqing_desk_browser")
    conn = db.connect(url)
    build_world(conn)
    made = Incidents(conn, now_utc())
    for k in range(4):
        made.add(GRID_A, 1 + k, "reported", deadline_days=2 + k, description=f"油烟扰民 {k}")
    case = made.add(GRID_A, 0.2, "reported", deadline_days=5, description=WORDS)
    with conn.cursor() as cur:
        cur.execute("UPDATE incidents SET assigned_center = NULL, handling_level = NULL")
    conn.commit()
    conn.close()
    add_account(url, "desk_admin", "admin", "620100")
    add_account(url, "city_operator", "operator", "620100", center="city-620100")
    return url, case


def _open_row(browser_page, row: int) -> None:
    """Click the selection box at the start of a row of the queue (0: the first case)."""
    table = browser_page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=30_000)
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    header = row_height = 35  # Streamlit's data grid: a header row, then rows of 35 px
    browser_page.mouse.click(box["x"] + 18, box["y"] + header + row_height * row + row_height / 2)


def _act(
    browser_page, runs: Runs, action: str, case: int, note: str, confirm: str = "", **choices: str
) -> None:
    """Choose an action, fill its form (and tick its confirmation), submit while the page
    reruns, and wait for the outcome."""
    browser_page.get_by_test_id("stRadio").get_by_text(action, exact=True).click()
    form = browser_page.get_by_test_id("stForm")
    form.get_by_role("button", name=action).wait_for(timeout=30_000)
    for label, option in choices.items():
        choose(browser_page, label, option)
    form.get_by_role("textbox").last.fill(note)
    if confirm:
        form.get_by_text(confirm).click()
    press_while_rerunning(browser_page, runs, form.get_by_role("button", name=action))
    browser_page.get_by_text(f"已{action}：案件 {case}").wait_for(timeout=30_000)
    # After an action the form starts again from no action chosen.
    form.wait_for(state="detached", timeout=30_000)


def test_work_a_case_from_new_to_closed(desk_world, page):
    """交办 to the community's workstation, which accepts, resolves and closes it after the
    feedback visit, each pressed while the page reruns; the timeline lists each step once;
    the database agrees; nothing foreign."""
    url, case = desk_world
    browser_page = page.page
    runs = Runs(browser_page, hold=partial(locked, url))
    with streamlit_server({"DATABASE_URL": url}) as app_url:
        browser_page.goto(f"{app_url}/desk", wait_until="networkidle")
        login(browser_page, "desk_admin")
        browser_page.get_by_text("案件工作台").first.wait_for(timeout=60_000)
        _open_row(browser_page, 4)  # the last of five: the latest deadline
        browser_page.get_by_text(WORDS, exact=False).first.wait_for(timeout=30_000)
        _act(browser_page, runs, "交办", case, "请社区核实处理", 目标中心="青关社区工作站 · 工作站")
        choose(browser_page, "本中心", "青关社区工作站 · 工作站")
        # the panel drawn for the previous center may linger while the page reruns: .first
        browser_page.get_by_text("承办中心：青关社区工作站").first.wait_for(timeout=30_000)
        _act(browser_page, runs, "受理", case, "网格员已到场")
        _act(
            browser_page, runs, "办结", case, "已更换灯泡", confirm="确认以所选结果办结此案",
            办结结果="化解",
        )  # fmt: skip
        _act(browser_page, runs, "回访归档", case, "回访居民，满意", 群众评价="满意")
        ARTIFACTS.mkdir(exist_ok=True)
        browser_page.screenshot(path=str(ARTIFACTS / "case_desk.png"))
        text = "\n".join(browser_page.get_by_test_id("stText").all_inner_texts())
        steps = [
            "交办 · 已上报 → 已交办 · desk_admin · 青关社区工作站：请社区核实处理",
            "受理办理 · 已交办 → 办理中 · desk_admin · 青关社区工作站：网格员已到场",
            "办结 · 办理中 → 已办结 · desk_admin · 青关社区工作站：已更换灯泡",
            "回访归档 · 已办结 → 已反馈归档 · desk_admin · 青关社区工作站 · 群众评价：满意"
            "：回访居民，满意",
        ]
        positions = [text.find(step) for step in steps]
        assert all(p >= 0 for p in positions), text
        assert positions == sorted(positions)
        assert browser_page.get_by_text("状态：已反馈归档").count() == 1
    assert page.foreign_requests(app_url) == []
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT action, from_status, to_status, satisfaction FROM incident_events "
            "WHERE incident_id = %s ORDER BY at, id",
            (case,),
        )
        assert cur.fetchall() == [
            ("assigned", "reported", "assigned", None),
            ("accepted", "assigned", "in_progress", None),
            ("resolved", "in_progress", "resolved", None),
            ("closed", "resolved", "closed", "satisfied"),
        ]  # fmt: skip
        cur.execute(
            "SELECT status, result, closed_at IS NOT NULL FROM incidents WHERE id = %s", (case,)
        )
        assert cur.fetchone() == ("closed", "resolved", True)
    conn.close()


def test_an_operator_opens_a_case_by_its_row(desk_world, page):
    """The city center's operator (its center fixed, no picker): a click on a row opens that
    case, with its map of the streets, communities and grids around it and the cases nearby."""
    url, _ = desk_world
    browser_page = page.page
    with streamlit_server({"DATABASE_URL": url}) as app_url:
        browser_page.set_viewport_size({"width": 1400, "height": 1100})
        browser_page.goto(f"{app_url}/desk", wait_until="networkidle")
        login(browser_page, "city_operator")
        browser_page.get_by_text("本中心：小兰社会治理中心 · 市中心").wait_for(timeout=60_000)
        assert browser_page.get_by_role("combobox", name="本中心").count() == 0
        _open_row(browser_page, 1)
        browser_page.get_by_text("诉求内容：油烟扰民 1").wait_for(timeout=30_000)
        chart = browser_page.get_by_test_id("stDeckGlJsonChart").first
        chart.locator("canvas").first.wait_for(timeout=60_000)
        # every case of the world is in one grid: the others still open are all nearby (how
        # many depends on whether the module's other test closed one before)
        [(others,)] = owner_rows(
            url, "SELECT count(*) - 1 FROM incidents WHERE status IN ('reported', 'assigned',"
            " 'in_progress')",
        )  # fmt: skip
        assert others >= 3
        browser_page.get_by_text(f"附近其他在办/超期案件（{others} 件）", exact=False).wait_for(
            timeout=30_000
        )
        ARTIFACTS.mkdir(exist_ok=True)
        browser_page.screenshot(path=str(ARTIFACTS / "case_desk_operator.png"), full_page=True)
    assert page.foreign_requests(app_url) == []
