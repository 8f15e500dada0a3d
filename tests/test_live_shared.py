"""The live map's shared answers (issue 12): one count per scope, question and data change,
equal to an uncached count under row-level security, never crossing scopes, and renewed by a
new report."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import partial

import pytest

from geo import db
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.live.grid_status import load_rules
from geo.live.shared import SharedAnswers
from geo.live.view import LiveView, live_view, load_static, shared_live_view
from tests.live_world import GRID_A, GRID_C, Incidents, build_world, cst_noon

pytestmark = pytest.mark.db
CITY, DISTRICT = Scope(), Scope("district", "620102")


@pytest.fixture(scope="module")
def world(scratch):
    """The tiny world with cases in both districts, a pool and its static parts."""
    url = scratch.create_migrated("minqing_live_shared")
    conn = db.connect(url)
    build_world(conn)
    now = cst_noon(datetime.now(UTC))
    made = Incidents(conn, now)
    for grid, days in [(GRID_A, 0.2), (GRID_A, 3), (GRID_C, 0.1), (GRID_C, 2), (GRID_C, 9)]:
        made.add(grid, days, status="reported")
    static = load_static(conn, live.data_version(conn)[0])
    conn.commit()
    pool = db.get_pool(url)
    yield pool, made, now, static
    conn.close()


def _opener(pool, scope: Scope):
    return partial(db.scoped_transaction, pool, scope)


def _figures(view: LiveView) -> tuple:
    """What a screen shows of a view: totals, stocks, every grid's colour and measures."""
    return (
        view.flows.total.new, view.flows.total.previous, view.stocks.total.open,
        view.stocks.total.overdue,
        sorted((g.measures.code, g.measures, g.color) for g in view.grids),
        sorted((c.center.code, c.open, c.concluded) for c in view.centers),
    )  # fmt: skip


def _uncached(pool, scope: Scope, flt: IncidentFilter, now, static) -> LiveView:
    with db.scoped_transaction(pool, scope) as conn:
        return live_view(conn, flt, now, static, load_rules())


@pytest.mark.parametrize("viewer", [CITY, DISTRICT], ids=["city", "district"])
@pytest.mark.parametrize("period", ["today", "7d"])
def test_the_shared_view_is_the_uncached_one(world, viewer, period):
    """Under row-level security, for a city and a district viewer: the same figures."""
    pool, _, now, static = world
    flt = IncidentFilter(parse_period(period, now), scope=viewer)
    view, newest = shared_live_view(
        _opener(pool, viewer), viewer, flt, now, static, load_rules(), SharedAnswers()
    )
    assert _figures(view) == _figures(_uncached(pool, viewer, flt, now, static))
    assert newest > 0


def test_many_viewers_at_once_cost_one_count(world):
    """Twelve threads asking the same at once: one count, the same answer for all."""
    pool, _, now, static = world
    answers = SharedAnswers()
    flt = IncidentFilter(parse_period("7d", now))
    seen: list[LiveView] = []
    start = threading.Barrier(12)

    def viewer() -> None:
        start.wait()
        seen.append(shared_live_view(_opener(pool, CITY), CITY, flt, now, static,
                                     load_rules(), answers)[0])  # fmt: skip

    threads = [threading.Thread(target=viewer) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 12 and all(view is seen[0] for view in seen)
    assert answers.computed == 3  # the history, today before the checkpoint, the view


def test_a_district_viewer_never_gets_the_citys_answer(world):
    """The city's answer is kept first; a district viewer asking the same question of the whole
    city gets its own count, which sees only its district (as row-level security does)."""
    pool, _, now, static = world
    answers = SharedAnswers()
    flt = IncidentFilter(parse_period("7d", now))
    city, _ = shared_live_view(_opener(pool, CITY), CITY, flt, now, static, load_rules(), answers)
    mine, _ = shared_live_view(
        _opener(pool, DISTRICT), DISTRICT, flt, now, static, load_rules(), answers
    )
    assert mine is not city
    assert mine.flows.total.new < city.flows.total.new
    assert _figures(mine) == _figures(_uncached(pool, DISTRICT, flt, now, static))


def test_a_new_report_renews_the_answer(world):
    """Unchanged data: the kept answer. A report stored since: counted at the next refresh,
    within the same few seconds of the clock."""
    pool, made, now, static = world
    answers = SharedAnswers()
    flt = IncidentFilter(parse_period("7d", now))
    ask = partial(shared_live_view, _opener(pool, CITY), CITY, flt, now, static, load_rules(),
                  answers)  # fmt: skip
    first, newest = ask()
    assert ask()[0] is first
    added = made.add(GRID_A, 0.05, status="reported")
    try:
        second, newer = ask()
        assert second.flows.total.new == first.flows.total.new + 1
        assert newer == added > newest
        assert second.stocks.total.open == first.stocks.total.open + 1
    finally:
        with made.conn.cursor() as cur:
            cur.execute("DELETE FROM incidents WHERE id = %s", (added,))
        made.conn.commit()


def test_two_databases_never_share_an_answer(world, scratch):
    """The same viewer and question asked of another database (same boundary version, same
    change count) gets that database's own count, not the first one's."""
    pool, _, now, static = world
    other_url = scratch.create_migrated("minqing_live_shared_other")
    conn = db.connect(other_url)
    build_world(conn)
    Incidents(conn, now).add(GRID_A, 0.2, status="reported")
    conn.commit()
    conn.close()
    other = db.get_pool(other_url)
    answers = SharedAnswers()
    flt = IncidentFilter(parse_period("7d", now))
    first, _ = shared_live_view(_opener(pool, CITY), CITY, flt, now, static, load_rules(), answers)
    second, _ = shared_live_view(
        _opener(other, CITY), CITY, flt, now, static, load_rules(), answers
    )
    assert second is not first
    assert _figures(second) == _figures(_uncached(other, CITY, flt, now, static))


def test_shared_answers_keep_the_newest_stamp():
    """A newer stamp replaces an older answer; an older stamp is served the newer answer."""
    answers = SharedAnswers(max_slots=2)
    assert answers.get("a", 1, lambda: "one") == "one"
    assert answers.get("a", 2, lambda: "two") == "two"
    assert answers.get("a", 1, lambda: "again") == "two"
    answers.get("b", 1, lambda: "b")
    answers.get("c", 1, lambda: "c")  # the least recently used slot, "a", goes
    assert answers.get("a", 2, lambda: "recounted") == "recounted"
    assert answers.computed == 5
