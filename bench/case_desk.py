"""Benchmark of the case desk (issue 6): a city center's queue of tens of thousands of cases.

    DATABASE_URL=postgresql://…/desk_bench .venv/bin/python bench/case_desk.py --queue 50000

Seed first, e.g. `minqing demo seed --incidents 2400000 --seed 7`. The demo spreads its open
cases over 1,300 centers; to measure the worst queue, the run moves `--queue` concluded cases
back into the city center's queue (half of them overdue) inside its transaction, which is
rolled back at the end: the database is left as it was. Prints p50/p95 per step as the page
does it (the queue's counts and one page of 50, filters, a later page, a sub-center's queue,
opening a case, one action), the data size and the load average. `--scope` works as the
dashboard does, as the app role under row-level security.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable

import psycopg2.extensions

from geo import db
from geo.filters import Scope
from geo.settings import get_settings, hide_password
from geo.timeutil import now_utc
from geo.workflow import desk
from geo.workflow.actions import apply_action

PAGE = 50
MOVE = """
UPDATE incidents i
SET status = 'assigned', assigned_center = %(center)s, handling_level = 'city_center',
    resolved_at = NULL, closed_at = NULL, result = NULL,
    deadline_at = greatest(i.reported_at + interval '1 hour',
                           %(now)s + (random() * 10 - 5) * interval '1 day')
WHERE i.id IN (SELECT id FROM incidents WHERE status = 'closed' ORDER BY id DESC LIMIT %(n)s)
"""


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    """Run the steps and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--queue", type=int, default=50_000, help="cases moved to the city")
    parser.add_argument("--scope", type=Scope.parse, help="city or LEVEL:CODE, as the app role")
    args = parser.parse_args()
    url = db.database_url(get_settings())
    conn = db.connect(url)
    now = now_utc()
    city = desk.root_center(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents")
        incidents = cur.fetchone()[0]
        started = time.perf_counter()
        cur.execute(MOVE, {"center": city, "now": now, "n": args.queue})
        moved = cur.rowcount
        cur.execute("ANALYZE incidents")
        setup = time.perf_counter() - started
        cur.execute(
            "SELECT assigned_center, count(*) FROM incidents "
            "WHERE status IN ('reported', 'assigned', 'in_progress') AND assigned_center <> %s "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            (city,),
        )
        busiest, busiest_n = cur.fetchone()
    if args.scope is not None:
        db.enter_scope(conn, args.scope)
    load = os.getloadavg()
    scope = ":".join(filter(None, (args.scope.level, args.scope.code))) if args.scope else "off"
    print(
        f"# Case desk benchmark\n\n{hide_password(url)} · {incidents:,} incidents · "
        f"{os.cpu_count()} CPUs · load {load[0]:.1f} · row-level security: {scope}\n"
    )
    first = desk.queue(conn, city, desk.QueueFilter(), now, PAGE)
    print(f"city center queue: {first.total:,} open cases ({first.overdue:,} overdue; "
          f"{moved:,} moved there for the run in {setup:.1f} s); busiest other center "
          f"{busiest} with {busiest_n:,}\n")  # fmt: skip
    case_id = desk.queue(conn, city, desk.QueueFilter(("assigned",)), now, 1).rows[0].id
    grid = desk.case_view(conn, case_id).grid_code
    steps: dict[str, Callable[[], object]] = {
        "city queue: counts + page 1": lambda: desk.queue(conn, city, desk.QueueFilter(), now),
        "city queue: overdue only": lambda: desk.queue(
            conn, city, desk.QueueFilter(overdue_only=True), now
        ),
        "city queue: status + category": lambda: desk.queue(
            conn, city, desk.QueueFilter(("assigned",), "dispute"), now
        ),
        "city queue: text search": lambda: desk.queue(
            conn, city, desk.QueueFilter(text="小区"), now
        ),
        "city queue: page 100": lambda: desk.queue(
            conn, city, desk.QueueFilter(), now, PAGE, 99 * PAGE
        ),
        f"{busiest} queue: counts + page 1": lambda: desk.queue(
            conn, busiest, desk.QueueFilter(), now
        ),
        "open a case (case, timeline, links, grid, actions)": lambda: (
            desk.case_view(conn, case_id),
            desk.history(conn, case_id),
            desk.linked_reports(conn, case_id),
            desk.grid_outline(conn, grid),
            desk.desk_actions(conn, case_id, city, now),
        ),  # fmt: skip
        "action: accept (lock, update with rollup trigger, event)": lambda: _action(
            conn, case_id, city
        ),
    }
    samples: dict[str, list[float]] = defaultdict(list)
    try:
        for _ in range(args.runs):
            for name, step in steps.items():
                began = time.perf_counter()
                step()
                samples[name].append((time.perf_counter() - began) * 1000)
    finally:
        conn.rollback()
        conn.close()
    print("| step | p50 ms | p95 ms |\n|---|---|---|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.1f} | {_p(values, 0.95):.1f} |")
    print(f"\nload average after: {os.getloadavg()}")


def _action(conn: psycopg2.extensions.connection, case_id: int, center: str) -> None:
    """One accept, undone (a savepoint) so every run acts on the same case."""
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT bench_action")
        apply_action(conn, case_id, "accept", "bench", center)
        cur.execute("ROLLBACK TO SAVEPOINT bench_action")


if __name__ == "__main__":
    main()
