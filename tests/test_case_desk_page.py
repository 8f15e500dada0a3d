"""The case desk in Streamlit's AppTest against a hand-made world: the queue's order, an
action through its form, a refused action's message, the language switch."""

from __future__ import annotations

from pathlib import Path

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
    at.button[0].click()
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
    at.button[0].click()
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
    """An operator of a workstation: its own center fixed (no selector), only its community's
    cases, and an action that goes through as the app role under row-level security."""
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
    # cases["soon"] lies in the other district (GRID_C): held by WS here, but out of scope
    assert _queue_ids(at) == [cases["later"]]
    _case_box(at).set_value(cases["later"]).run()
    at.radio(key=f"desk_action_{cases['later']}").set_value("accept").run()
    at.button[0].click()
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
    at.button[0].click()
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
