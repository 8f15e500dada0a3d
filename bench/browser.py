"""Benchmark of the dashboard in a real browser: time to a drawn map, drill clicks, page runs.

    .venv/bin/minqing run --port 8642 --headless      # on the seeded database, elsewhere
    .venv/bin/python -m bench.browser --url http://127.0.0.1:8642 --loads 10 --clicks 10

Seed first, e.g. `minqing demo seed --incidents 2400000 --seed 7`; DATABASE_URL (or the local
cluster) must be the database the app uses (the page-run split reads its statistics).
Headless Chromium with SwiftShader, the tests' flags, a 1400×1300 window (every page's map in
view), signed in as --user. It reports:

- for each page, the seconds from navigation to the map drawn (the first screenshot of the
  map's canvas that shows what it settles on), the first load apart (cold caches), then
  p50/p95 over --loads loads, beside the floor: a bare Streamlit page with one pydeck polygon
  (bench/bare_map.py), served and measured in the same run;
- page switches: from a click on 全市概览 in the live map's sidebar to the overview's map
  drawn, p50/p95 over --switches switches;
- drill clicks: from a click on a district (the drill-down's city map; the live map's) to
  the next map drawn, p50/p95 over --clicks clicks, and the median seconds from the click
  to each step on the way, read from the page's websocket: the rerun asked for (the
  browser handled the click), the run started (the server took it), the new map's spec
  received, the run ended;
- one run of each page split: the server's script time (from the browser's request to the
  script's end), the database's time (pg_stat_database.active_time over the run), its
  transactions and session checks (scans of user_sessions: with a few sessions the
  planner reads the table rather than its index), and the bytes sent
  (websocket messages; the static data files the browser fetched).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import psycopg2.extensions
from PIL import Image
from playwright.sync_api import Page, sync_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from dashboard.serve import served
from geo import db
from geo.auth.demo import DEMO_PASSWORD
from geo.settings import get_settings, hide_password
from geo.timeutil import CST, now_utc
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.frames import watch_frames
from tests.map_clicks import CANVASES, MAP, DeckSpecs, MapBox, labelled_areas
from tests.support import login, session_cookie

ROOT = Path(__file__).resolve().parent.parent
WINDOW = {"width": 1400, "height": 1300}
DRAWN = 0.01  # a canvas with fewer non-background pixels is blank
SAME = 0.01  # two screenshots differing in fewer pixels show the same map


@dataclass
class Traffic:
    """What one page's websocket carried: bytes received, and its script runs."""

    bytes_in: int = 0
    runs: list[float] = field(default_factory=list)  # seconds from request to finish
    _asked: float | None = None

    def watch(self, page: Page) -> None:
        watch_frames(page, self._sent, self._received)

    def _sent(self, message: BackMsg) -> None:
        if message.WhichOneof("type") == "rerun_script" and self._asked is None:
            self._asked = time.perf_counter()

    def _received(self, message: ForwardMsg, size: int) -> None:
        self.bytes_in += size
        if self._asked is not None and message.WhichOneof("type") == "script_finished":
            self.runs.append(time.perf_counter() - self._asked)
            self._asked = None


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def _drawn(pixels: np.ndarray) -> float:
    return float((pixels.min(axis=2) < 235).mean())


def _differ(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=2) > 40).mean())


def time_to_drawn(page: Page, t0: float, timeout: float = 120) -> float:
    """Seconds from `t0` to the first screenshot of the map that shows what it settles on
    (unchanged over three screenshots in a row)."""
    canvas = page.locator(CANVASES).first  # the floor's map is Streamlit's own element
    shots: list[tuple[float, np.ndarray]] = []
    same = 0
    while time.perf_counter() - t0 < timeout:
        box = canvas.bounding_box() if canvas.count() else None
        if box is None or box["width"] < 100:
            page.wait_for_timeout(50)
            continue
        before = time.perf_counter()
        pixels = _pixels(page.screenshot(clip=box))
        at = (before + time.perf_counter()) / 2 - t0
        if _drawn(pixels) < DRAWN:
            continue
        same = same + 1 if shots and _differ(pixels, shots[-1][1]) < SAME else 0
        shots.append((at, pixels))
        if same >= 3:
            final = shots[-1][1]
            return next(t for t, p in shots if _differ(p, final) < SAME)
        page.wait_for_timeout(100)
    raise TimeoutError(f"no map drawn within {timeout} s")


def _sign_in(page: Page, url: str, user: str, password: str) -> None:
    """Sign in through the form; once its cookie is set it signs in every tab of the context."""
    page.goto(url, wait_until="networkidle")
    login(page, user, password)
    session_cookie(page, seconds=120)
    page.close()


def _load(context, url: str) -> tuple[float, Traffic, int]:  # noqa: ANN001 - BrowserContext
    """Open `url` in a new tab: seconds to the map drawn, its traffic, static bytes fetched."""
    page = context.new_page()
    traffic = Traffic()
    traffic.watch(page)
    static: list[int] = []
    page.on(
        "response",
        lambda r: (
            static.append(int(r.headers.get("content-length") or 0))
            if "/app/static/" in r.url
            else None
        ),
    )
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    seconds = time_to_drawn(page, t0)
    page.close()
    return seconds, traffic, sum(static)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _row(label: str, first: float, loads: list[float], floor: float | None) -> str:
    p50, p95 = statistics.median(loads), _p(loads, 0.95)
    ratio = f"{p50 / floor:5.2f}×" if floor else "     "
    return f"{label:<38} {first:6.2f} {p50:6.2f} {p95:6.2f}  {ratio}"


@dataclass(frozen=True)
class DbCounters:
    """Cumulative statistics of the app's database."""

    active_ms: float
    transactions: int
    session_checks: int


def _counters(conn: psycopg2.extensions.connection) -> DbCounters:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT d.active_time, d.xact_commit + d.xact_rollback,"
            " coalesce(t.idx_scan, 0) + coalesce(t.seq_scan, 0)"
            " FROM pg_stat_database d LEFT JOIN pg_stat_user_tables t"
            " ON t.relname = 'user_sessions' WHERE d.datname = current_database()"
        )
        active, transactions, checks = cur.fetchone()
    conn.rollback()
    return DbCounters(float(active), int(transactions), int(checks))


def _split(context, url: str, conn: psycopg2.extensions.connection) -> str:  # noqa: ANN001
    """One page run of `url`: script time, database time, transactions, session checks,
    bytes. Statistics reach pg_stat_database when a backend has been idle a while: read
    them again after 12 s (the page closed, nothing else querying)."""
    time.sleep(12)
    before = _counters(conn)
    page = context.new_page()
    traffic = Traffic()
    traffic.watch(page)
    page.goto(url, wait_until="commit")
    deadline = time.perf_counter() + 120
    while not traffic.runs and time.perf_counter() < deadline:
        page.wait_for_timeout(20)
    page.wait_for_timeout(300)  # the last messages of the run
    sent = traffic.bytes_in
    page.close()
    time.sleep(12)
    after = _counters(conn)
    script = traffic.runs[0] * 1000 if traffic.runs else float("nan")
    return (
        f"{url.split('/', 3)[-1]:<38} script {script:6.0f} ms · database "
        f"{after.active_ms - before.active_ms:5.0f} ms in "
        f"{after.transactions - before.transactions - 1} transactions · "
        f"{after.session_checks - before.session_checks} session checks · "
        f"{sent / 1024:7.1f} KB sent"
    )


def _last_month() -> str:
    first = now_utc().astimezone(CST).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def _areas(conn: psycopg2.extensions.connection) -> tuple[str, str, str]:
    """The city, a district (城关区 when present) and its first street."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT d.parent_code, d.code, min(s.code) FROM current_areas d JOIN current_areas s"
            " ON s.parent_code = d.code AND s.level = 'street' WHERE d.level = 'district'"
            " GROUP BY d.parent_code, d.code ORDER BY d.code <> '620102', d.code LIMIT 1"
        )
        city, district, street = cur.fetchone()
    conn.rollback()
    return city, district, street


def _click_targets(specs: DeckSpecs, box: MapBox, live: bool) -> list[tuple[str, float, float]]:
    """Districts to click at their label on the city map (on the live map, clear of the
    centers' dots, which would open a center's own area)."""
    if live:
        labels = specs.layer("labels")["data"]
        dots = [(box.pixel(*c["p"]), c["r"]) for c in specs.layer("centers")["data"]]
        out = []
        for label in labels:
            x, y = box.pixel(*label["position"])
            room = min((math.dist((x, y), d) - r for d, r in dots), default=99)
            if room > 12 and box.inside(x, y, 30):
                out.append((label["name"], x, y))
        return out
    areas = labelled_areas(specs, "children", "labels")
    return [
        (code, *box.pixel(*point))
        for code, (_, point) in areas.items()
        if box.inside(*box.pixel(*point), 30)
    ]


@dataclass
class Timeline:
    """When a page's websocket sent a rerun and received a map spec and a run's end."""

    events: list[tuple[float, str]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        watch_frames(page, self._sent, self._received)

    def _sent(self, message: BackMsg) -> None:
        if message.WhichOneof("type") == "rerun_script":
            self.events.append((time.perf_counter(), "rerun"))

    def _received(self, message: ForwardMsg, _size: int) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.events.append((time.perf_counter(), "start"))
        elif kind == "script_finished":
            self.events.append((time.perf_counter(), "end"))
        elif (
            kind == "delta"
            and message.delta.WhichOneof("type") == "new_element"
            and message.delta.new_element.WhichOneof("type")
            in ("deck_gl_json_chart", "bidi_component")
        ):
            self.events.append((time.perf_counter(), "map"))

    def first(self, kind: str, since: float) -> float:
        """Seconds from `since` to the first event `kind` after it (nan if none)."""
        return next((at - since for at, k in self.events if k == kind and at >= since), math.nan)


CLICK_SPLIT = ("rerun", "start", "map", "end")  # rerun asked, run started, map spec, run ended
LOST_S = 60  # a click that opened nothing within this is lost


def _drill_clicks(
    context,  # noqa: ANN001 - BrowserContext
    url: str,
    view: str,
    clicks: int,
    live: bool,
) -> tuple[list[float], dict[str, list[float]], int]:
    """Seconds from a click on a district of the city map at `url` to the next map drawn,
    to each step on the way there (CLICK_SPLIT, from the page's websocket), and how many
    clicks opened nothing within LOST_S."""
    times: list[float] = []
    split: dict[str, list[float]] = {kind: [] for kind in CLICK_SPLIT}
    lost = 0
    for k in range(clicks):
        page = context.new_page()
        specs = DeckSpecs(page)
        timeline = Timeline()
        timeline.watch(page)
        page.goto(url, wait_until="commit")
        time_to_drawn(page, time.perf_counter())
        canvas = page.locator(f"{MAP} canvas").first.bounding_box()
        assert specs.latest is not None
        box = MapBox(canvas["x"], canvas["y"], canvas["width"], canvas["height"],
                     specs.latest["initialViewState"])  # fmt: skip
        targets = _click_targets(specs, box, live)
        _, x, y = targets[k % len(targets)]
        page.mouse.move(x, y)
        page.locator(".deck-tooltip").first.wait_for(state="visible", timeout=60_000)
        t0 = time.perf_counter()
        page.mouse.click(x, y)
        while _view_of(specs) == view and time.perf_counter() - t0 < LOST_S:
            page.wait_for_timeout(10)
        if _view_of(specs) == view:  # the click opened nothing: counted, not timed
            lost += 1
            page.close()
            continue
        times.append(time_to_drawn(page, t0))
        for kind in CLICK_SPLIT:
            split[kind].append(timeline.first(kind, t0))
        page.close()
    return times, split, lost


def _page_switches(context, url: str, switches: int) -> list[float]:  # noqa: ANN001
    """Seconds from a click on 全市概览 in the sidebar of the live map at `url` to the city
    overview's map drawn (a page switch: the second page's map takes the first one's deck)."""
    times: list[float] = []
    for _ in range(switches):
        page = context.new_page()
        page.goto(f"{url}/live", wait_until="commit")
        time_to_drawn(page, time.perf_counter())
        canvas = page.locator(CANVASES).first
        before = _pixels(page.screenshot(clip=canvas.bounding_box()))
        t0 = time.perf_counter()
        page.get_by_role("link", name="全市概览").click()
        page.wait_for_url("**/overview**")
        while time.perf_counter() - t0 < LOST_S:  # until the canvas shows another map
            box = canvas.bounding_box() if canvas.count() else None
            if box and box["width"] > 100:
                if _differ(_pixels(page.screenshot(clip=box)), before) > SAME:
                    break
            page.wait_for_timeout(20)
        times.append(time_to_drawn(page, t0))
        page.close()
    return times


def _view_of(specs: DeckSpecs) -> str | None:
    """The view of the last map spec (from its clickable layers' ids)."""
    for layer in (specs.latest or {}).get("layers", []):
        if "@" in layer["id"]:
            return layer["id"].split("@", 1)[1]
    return None


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GB, {platform.platform()}"


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


PAGE_NAMES = ("live", "district", "street", "overview")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the running app, e.g. http://127.0.0.1:8642")
    parser.add_argument("--user", default="city_leader")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--switches", type=int, default=5, help="page switches (0: none)")
    parser.add_argument(
        "--pages",
        default=",".join(PAGE_NAMES),
        help=f"which pages to load, comma-separated among {','.join(PAGE_NAMES)} (the floor and "
        "the drill clicks are always measured: --clicks 0 to skip the clicks)",
    )
    args = parser.parse_args()
    url = args.url.rstrip("/")
    database = db.database_url(get_settings())
    conn = db.connect(database)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents")
        incidents = cur.fetchone()[0]
    conn.rollback()
    city, district, street = _areas(conn)
    period = _last_month()
    drill = f"{url}/drilldown?period={period}&area="
    every = {
        "live": ("/live", f"{url}/live"),
        "district": (f"/drilldown at a district ({district})", drill + district),
        "street": (f"/drilldown at a street ({street})", drill + street),
        "overview": ("/overview", f"{url}/overview"),
    }
    asked = args.pages.split(",")
    if unknown := set(asked) - set(every):
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    pages = dict(every[name] for name in PAGE_NAMES if name in asked)
    print(f"machine: {_machine()}")
    print(f"database: {hide_password(database)} · {incidents:,} incidents")
    print(f"load average before: {_load_average()}")
    with served(ROOT / "bench" / "bare_map.py", {}) as floor_url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=WINDOW, locale="zh-CN")
        _sign_in(context.new_page(), url, args.user, args.password)
        print(f"\ntime to the map drawn, s: first load, then p50 / p95 of {args.loads} loads")
        print(f"{'page':<38} {'first':>6} {'p50':>6} {'p95':>6}  p50/floor")
        firsts = {name: _load(context, page_url)[0] for name, page_url in pages.items()}
        floor_first = _load(context, floor_url)[0]
        loads: dict[str, list[float]] = {name: [] for name in ["floor", *pages]}
        for _ in range(args.loads):  # interleaved, so a busy spell hits every page alike
            loads["floor"].append(_load(context, floor_url)[0])
            for name, page_url in pages.items():
                loads[name].append(_load(context, page_url)[0])
        floor = statistics.median(loads["floor"])
        print(_row("bare page, one polygon (the floor)", floor_first, loads["floor"], None))
        for name in pages:
            print(_row(name, firsts[name], loads[name], floor))

        print(f"\ndrill click to the next map drawn, s: p50 / p95 of {args.clicks} clicks")
        for label, page_url, view, live in (
            ("drill-down, city → district", f"{url}/drilldown?period={period}",
             f"{city}-{period}", False),
            ("live map, city → district", f"{url}/live?period=7d", "city-7d", True),
        )[: 0 if not args.clicks else 2 if "live" in asked else 1]:  # fmt: skip
            times, split, lost = _drill_clicks(context, page_url, view, args.clicks, live)
            if lost:
                print(f"{label:<38} {lost} of {args.clicks} clicks opened nothing in {LOST_S} s")
            if times:
                print(f"{label:<38} {statistics.median(times):6.2f} {_p(times, 0.95):6.2f}")
                steps = " · ".join(f"{k} {statistics.median(v):.2f}" for k, v in split.items())
                print(f"{'  p50 s from the click to':<38} {steps}")

        if args.switches:
            switches = _page_switches(context, url, args.switches)
            print(f"\npage switch to the next map drawn, s: p50 / p95 of {args.switches}")
            print(f"{'/live → /overview (sidebar)':<38} "
                  f"{statistics.median(switches):6.2f} {_p(switches, 0.95):6.2f}")  # fmt: skip

        print("\none page run (signed in, caches warm)")
        for page_url in [*pages.values(), floor_url]:
            print(_split(context, page_url, conn))
        browser.close()
    conn.close()
    print(f"\nload average after: {_load_average()}")


if __name__ == "__main__":
    main()
