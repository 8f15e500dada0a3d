"""Benchmark of the map service at full scale (2.4 million incidents): tiles beside TiPg,
features pages, push intake (single reports and batches), and a database restart mid-push.

Run on demand (it is not a test):

    .venv/bin/python bench/service.py --url postgresql://…/minqing_service_bench
    .venv/bin/python bench/service.py --seed           # makes that database first (minutes)

Parts (`--parts tiles,features,push,batch,restart`, all by default):

- tiles: the same sample of z10–z15 tiles over the city (around randomly chosen grids) from
  the service and from TiPg serving the same tables (views of the current grids and of the
  open incidents with the points' properties the service's layer has; TiPg draws with the
  service's buffer of 64), fetched one after the other, in random order per tile, each once
  (the service's tile cache off: every tile drawn), then the service again with its cache on
  (a proxy or a second viewer). `--other-root` adds the service of another checkout (e.g.
  main's, its own .venv) to the same alternation, for paired before/after figures. The
  features are counted twice: all, and those crossing the tile itself (TiPg selects only
  these; the service also those in the buffer ring only, as MVT renderers need).
  `--tile-rounds N` goes over the sample N times (the first round, which finds each tile
  once, left out of the times) and prints each service's median of its tile times over
  TiPg's in the same turn: steadier figures on a busy machine than one fetch per tile. TiPg is
  installed for the benchmark only, in its own virtual environment under the state folder
  (`pip install tipg uvicorn[standard]`: httptools and uvloop, as the service runs).
- features: pages of 1,000 incidents with filters (category, status, datetime, bbox, area).
- push: single reports from concurrent clients; batch: batches (`--batch-size`, 500) from a
  few clients (`--batch-clients`, 4), 10 × `--reports` reports in all;
  restart: single reports while the local PostgreSQL restarts: every client retries with the
  same source ids until answered, and the stored count must be exact. The reports are sent by
  a lean HTTP/1.1 client (`http_load.py`; `--client httpx` for the one used before, which
  cost more CPU than the service), in `--client-processes` processes. Each run also prints the
  CPU time a report cost the service's processes, the database's backends and the client.

The load average is printed with each figure: on a shared machine the figures mean little
without it. Servers run on this machine; the database must be the local cluster for restart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg2
from bench_db import CpuMeter, descendants, recreate_database, sibling_url
from http_load import send_all

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.serve import free_port, server_process  # noqa: E402
from geo import db  # noqa: E402
from geo.mapapi.clients import ClientError, add_client, rotate_token  # noqa: E402
from geo.mapapi.tiles import BUFFER, EXTENT, Tile  # noqa: E402
from geo.settings import Settings, get_settings  # noqa: E402
from geo.timeutil import CST, now_utc  # noqa: E402
from geo.vocabulary import CATEGORIES  # noqa: E402

BENCH_DATABASE = "minqing_service_bench"
ZOOMS = range(10, 16)
TIPG_VIEWS = """
CREATE SCHEMA IF NOT EXISTS bench_tipg;
CREATE OR REPLACE VIEW bench_tipg.grids AS
    SELECT code, name, parent_code, geom FROM current_areas WHERE level = 'grid';
CREATE OR REPLACE VIEW bench_tipg.incidents AS
    SELECT id, source, category, subcategory, severity, is_major_risk, status, grid_code, geom,
           deadline_at < now() AS overdue,
           to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS+08:00')
               AS reported_at
    FROM incidents WHERE status IN ('reported', 'assigned', 'in_progress');
"""


def load() -> str:
    """The 1-minute load average (the machine is shared)."""
    return Path("/proc/loadavg").read_text().split()[0]


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def line(label: str, values: list[float]) -> str:
    """p50 / p95 in ms of a list of seconds, with the count and the load."""
    return (
        f"{label}: p50 {pct(values, 50) * 1000:.1f} ms, p95 {pct(values, 95) * 1000:.1f} ms "
        f"(n={len(values)}, load {load()})"
    )


def token_for(url: str, name: str, role: str, sources: tuple[str, ...] = ()) -> str:
    """A token of a bench client (added, or its token rotated), city-wide, without a limit."""
    conn = db.connect(url)
    try:
        try:
            _, token = add_client(conn, name, role, "620100", sources, 1_000_000, "benchmark")
        except ClientError:
            conn.rollback()
            token = rotate_token(conn, name)
        conn.commit()
        return token
    finally:
        conn.close()


def app_url(url: str) -> str:
    """The service's login on the bench database: the app's role, as for the pages
    (MINQING_APP_PASSWORD, or the local cluster's)."""
    settings = get_settings()
    password = settings.app_password or db.local_cluster(settings).app_password()
    return db.app_database_url(Settings(database_url=url, app_password=password))


@contextmanager
def service(
    url: str, port: int | None = None, root: Path | None = None, **env: str
) -> Iterator[str]:
    """The map service in its own process on `port` (a free one by default), logged in as the
    app's role, from this checkout or the one at `root` (with its own virtual environment);
    its base URL."""
    port = port or free_port()
    python = str(root / ".venv" / "bin" / "python") if root else sys.executable
    args = [python, "-m", "service.serve", "--port", str(port)]
    login = {"DATABASE_URL": url, "MINQING_APP_DATABASE_URL": app_url(url)}
    with server_process(args, {**login, **env}, port, "/conformance",
                        "the map service", cwd=root) as base:  # fmt: skip
        yield base


def tipg_python() -> Path:
    """TiPg's own virtual environment (made on first use)."""
    venv = get_settings().state_dir / "bench-tipg"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # uvicorn[standard]: httptools and uvloop, as the service runs
        install = ["-m", "pip", "install", "-q", "tipg", "uvicorn[standard]"]
        subprocess.run([str(python), *install], check=True)
    return python


@contextmanager
def tipg(url: str, port: int | None = None) -> Iterator[str]:
    """TiPg serving the bench views on `port` (a free one by default), drawing with the
    service's tile buffer (`BUFFER`, 64 of 4,096: TiPg's default is 256); its base URL."""
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute(TIPG_VIEWS)
    conn.commit()
    conn.close()
    port = port or free_port()
    env = {
        "DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["bench_tipg"]',
        "TIPG_DB_SPATIAL_EXTENT": "false", "TIPG_DB_DATETIME_EXTENT": "false",
        "TIPG_MAX_FEATURES_PER_TILE": "20000", "TIPG_TILE_BUFFER": str(BUFFER),
    }  # fmt: skip
    args = [str(tipg_python()), "-m", "uvicorn", "tipg.main:app", "--port", str(port),
            "--log-level", "warning"]  # fmt: skip
    with server_process(args, env, port, "/collections", "TiPg") as base:
        yield base


def tile_sample(url: str, per_zoom: int, rng: random.Random) -> list[tuple[int, int, int]]:
    """Tiles z10–z15 around randomly chosen grids (their label points)."""
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p"
            " FROM current_areas WHERE level = 'grid') g"
        )
        points = cur.fetchall()
    conn.close()
    tiles = []
    for z in ZOOMS:
        chosen = set()
        while len(chosen) < per_zoom:
            lon, lat = rng.choice(points)
            tile = Tile.containing(lon, lat, z)
            chosen.add((z, tile.x, tile.y))
        tiles += sorted(chosen)
    return tiles


def bench_tiles(
    url: str, per_zoom: int, rng: random.Random, ports: int | None, other: Path | None,
    rounds: int = 1,
) -> None:  # fmt: skip
    """Grids and open-incident points, z10–z15: the service (cold, then cached) and TiPg, and
    the service of another checkout (`other`, e.g. main's) in the same alternation; `rounds`
    times over the tiles (the first round left out of the times when there are more, and the
    median of each tile's time against TiPg's in the same turn printed too)."""
    token = token_for(url, "bench-reader", "reader")
    tiles = tile_sample(url, per_zoom, rng)
    layers = {"grids": (ZOOMS, "grids"), "incidents": (range(14, 16), "incidents")}
    fast = {"MINQING_SERVICE_STATUS_SECONDS": "86400"}
    cold = {"MINQING_SERVICE_TILE_CACHE_MB": "0", **fast}
    port = (lambda n: ports + n) if ports else (lambda n: None)
    with ExitStack() as stack:
        servers = {"TiPg": stack.enter_context(tipg(url, port(0)))}
        servers["service"] = stack.enter_context(service(url, port(1), **cold))
        if other is not None:
            servers["other"] = stack.enter_context(service(url, port(2), other, **cold))
        http = stack.enter_context(httpx.Client(timeout=120))
        auth = {"Authorization": f"Bearer {token}"}
        for name in servers.keys() - {"TiPg"}:
            http.get(f"{servers[name]}/collections/grids/tiles/WebMercatorQuad/10/395/808",
                     headers=auth)  # fmt: skip
        for name, (zooms, collection) in layers.items():
            spent = {who: {z: [] for z in zooms} for who in servers}
            against = {who: [] for who in servers}  # each tile's time ÷ TiPg's in its turn
            sizes = {who: 0 for who in servers}
            counts = {who: [0, 0] for who in servers}
            for turn in range(rounds):
                kept = rounds == 1 or turn > 0
                for z, x, y in tiles:
                    if z not in zooms:
                        continue
                    order = list(servers)
                    rng.shuffle(order)
                    took = {}
                    for who in order:
                        if who == "TiPg":
                            at = f"collections/bench_tipg.{name}/tiles/WebMercatorQuad/{z}/{x}/{y}"
                            headers = {}
                        else:
                            at = f"collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}"
                            headers = auth
                        start = time.perf_counter()
                        response = http.get(f"{servers[who]}/{at}", headers=headers)
                        took[who] = time.perf_counter() - start
                        response.raise_for_status()
                        if kept:
                            spent[who][z].append(took[who])
                        if turn == 0:
                            sizes[who] += len(response.content)
                            every, inside = _features(response.content)
                            counts[who][0] += every
                            counts[who][1] += inside
                    if kept:
                        for who in servers:
                            against[who].append(took[who] / took["TiPg"])
            print(f"tiles · {name} (features, all · crossing the tile itself, not only its "
                  "buffer; bytes):")  # fmt: skip
            for who in servers:
                print(f"  {who}: {counts[who][0]:,} · {counts[who][1]:,}; {sizes[who]:,} bytes")
            for z in zooms:
                for who in servers:
                    print("  " + line(f"z{z} {who}", spent[who][z]))
            for who in servers:
                print("  " + line(f"all zooms, {who}", [v for z in zooms for v in spent[who][z]]))
            if rounds > 1:
                for who in servers.keys() - {"TiPg"}:
                    print(f"  {who} ÷ TiPg, tile by tile: median {pct(against[who], 50):.2f} "
                          f"(n={len(against[who])}, load {load()})")  # fmt: skip
    with service(url, port(3), **fast) as warm, httpx.Client(timeout=120) as http:
        auth = {"Authorization": f"Bearer {token}"}
        addresses = [
            f"{warm}/collections/grids/tiles/WebMercatorQuad/{z}/{y}/{x}" for z, x, y in tiles
        ]
        for address in addresses:
            http.get(address, headers=auth)
        again = []
        for address in addresses:
            start = time.perf_counter()
            http.get(address, headers=auth).raise_for_status()
            again.append(time.perf_counter() - start)
        print("  " + line("grids z10–z15, service with its tile cache (second viewer)", again))


INTERIOR = "T********"  # DE-9IM: the insides share a point


def _features(tile: bytes) -> tuple[int, int]:
    """The features of a tile, and those crossing the tile itself (not only its buffer): a
    point in it or on its edge, an outline sharing some of its inside (not only its edge)."""
    import mapbox_vector_tile
    from shapely.geometry import box, shape

    inside = box(0, 0, EXTENT, EXTENT)
    features = [f for layer in mapbox_vector_tile.decode(tile).values() for f in layer["features"]]
    shapes = [shape(f["geometry"]) for f in features]
    crossing = sum(
        1
        for g in shapes
        if (g.intersects(inside) if "Point" in g.geom_type else g.relate_pattern(inside, INTERIOR))
    )
    return len(features), crossing


def bench_features(url: str, repeat: int) -> None:
    """Pages of 1,000 incidents with filters, and the pages after them."""
    token = token_for(url, "bench-reader", "reader")
    month = (now_utc() - timedelta(days=30)).astimezone(CST).isoformat(timespec="seconds")
    queries = {
        "category + datetime (30 d)": {"category": "dispute", "datetime": f"{month}/.."},
        "status open + major risk": {
            "status": "reported,assigned,in_progress",
            "major_risk": "true",
        },
        "bbox 城关 + datetime": {"bbox": "103.70,36.00,103.95,36.12", "datetime": f"{month}/.."},
        "area 620102 + category": {"area": "620102", "category": "livelihood"},
        "source + status closed": {"source": "police_110", "status": "closed"},
    }
    with service(url) as base, httpx.Client(timeout=120) as http:
        auth = {"Authorization": f"Bearer {token}"}
        every = []
        for label, query in queries.items():
            spent = []
            for _ in range(repeat):
                address = f"{base}/collections/incidents/items"
                params = {**query, "limit": "1000"}
                for _page in range(3):
                    start = time.perf_counter()
                    response = http.get(address, params=params, headers=auth)
                    spent.append(time.perf_counter() - start)
                    response.raise_for_status()
                    body = response.json()
                    following = [ln["href"] for ln in body["links"] if ln["rel"] == "next"]
                    if not following:
                        break
                    address, params = following[0], None
            every += spent
            print("features · " + line(f"{label}, 1,000 per page", spent))
        print("features · " + line("every page", every))


def reports(n: int, points: list[tuple[float, float]], rng: random.Random, tag: str) -> list[dict]:
    """n 12345 reports at stored cases' places, now, each with its own source id."""
    at = now_utc().astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")
    codes = list(CATEGORIES)
    out = []
    for i in range(n):
        lon, lat = rng.choice(points)
        out.append({
            "source_id": f"bench-{tag}-{i}", "reported_at": at, "category": rng.choice(codes),
            "description": "压力测试", "lon": lon, "lat": lat,
        })  # fmt: skip
    return out


def places(url: str, rng: random.Random) -> list[tuple[float, float]]:
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT ST_X(geom), ST_Y(geom) FROM incidents TABLESAMPLE SYSTEM (1) LIMIT 20000"
        )
        rows = cur.fetchall()
    conn.close()
    rng.shuffle(rows)
    return rows


async def _send_all(
    base: str, token: str, items: list, path: str, workers: int, stats: dict
) -> None:
    """Each worker sends its share one after the other; 503 or a lost connection: the same
    item again after a pause, until it is answered."""
    queue: asyncio.Queue = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        headers = {"Authorization": f"Bearer {token}"}

        async def worker() -> None:
            while not queue.empty():
                item = queue.get_nowait()
                while True:
                    start = time.perf_counter()
                    try:
                        response = await http.post(path, json=item, headers=headers)
                    except httpx.TransportError:
                        stats["retries"] += 1
                        await asyncio.sleep(0.5)
                        continue
                    if response.status_code in (502, 503, 504):
                        stats["retries"] += 1
                        await asyncio.sleep(0.5)
                        continue
                    stats["latency"].append(time.perf_counter() - start)
                    stats["status"][response.status_code] = (
                        stats["status"].get(response.status_code, 0) + 1
                    )
                    break

        await asyncio.gather(*(worker() for _ in range(workers)))


@dataclass(frozen=True)
class Load:
    """How the reports are sent: the client ("raw": http_load.py, or "httpx") and its processes."""

    client: str = "raw"
    processes: int = 1
    batch_size: int = 500
    batch_clients: int = 4


def push(base: str, url: str, token: str, items: list, path: str, workers: int, how: Load) -> dict:
    """Send the items; the run's figures, with the CPU seconds of the service's processes, the
    database's (`url`) backends and the client (this process and its client processes)."""
    service_pids = descendants(_listener(base))
    before = _client_cpu()
    with (
        _backend_pids(url) as backends,
        CpuMeter(lambda: service_pids) as service_cpu,
        CpuMeter(backends) as database_cpu,
    ):
        if how.client == "httpx":
            stats = {"latency": [], "status": {}, "retries": 0}
            start = time.perf_counter()
            asyncio.run(_send_all(base, token, items, path, workers, stats))
            stats["seconds"] = time.perf_counter() - start
        else:
            stats = send_all(base, token, items, path, workers, how.processes)
    own = service_cpu.own_seconds + database_cpu.own_seconds
    stats["cpu"] = (service_cpu.seconds, database_cpu.seconds, _client_cpu() - before - own)
    return stats


def cpu_line(stats: dict, reports: int, how: Load) -> str:
    """CPU milliseconds a report: the service's processes, the database, the client."""
    service_cpu, database_cpu, client_cpu = (1000 * s / reports for s in stats["cpu"])
    return (
        f"  CPU a report: service {service_cpu:.2f} ms + PostgreSQL {database_cpu:.2f} ms;"
        f" client {client_cpu:.2f} ms ({how.client}, {how.processes} process(es))"
    )


def _client_cpu() -> float:
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def _listener(base: str) -> int:
    """The process of the service at `base` (started by `service`), from /proc."""
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"service.serve" in words and port.encode() in words:
            return int(entry.name)
    raise RuntimeError(f"no service process for {base}")


@contextmanager
def _backend_pids(url: str) -> Iterator[Callable[[], set[int]]]:
    """The server processes of the bench database as they come and go (the restart's lost
    connection: none)."""
    conn = db.connect(url)
    conn.autocommit = True

    def pids() -> set[int]:
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                return {row[0] for row in cur.fetchall()}
        except psycopg2.Error:
            return set()

    try:
        yield pids
    finally:
        conn.close()


def stored(url: str, tag: str) -> tuple[int, int]:
    """Incidents and linked reports stored with this run's source ids (each id once at most)."""
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM incidents WHERE source = 'hotline_12345'"
            "        AND source_id LIKE %(p)s),"
            "       (SELECT count(*) FROM incident_links WHERE source = 'hotline_12345'"
            "        AND source_id LIKE %(p)s)",
            {"p": f"bench-{tag}-%"},
        )
        found = cur.fetchone()
    conn.close()
    return found


def bench_push(
    url: str, parts: list[str], n: int, workers: int, rng: random.Random, how: Load
) -> None:
    """Single reports and batches; and a restart of the database in the middle of a run."""
    token = token_for(url, "bench-hotline", "source", ("hotline_12345",))
    where = places(url, rng)
    with service(url) as base:
        if "push" in parts:
            tag = uuid.uuid4().hex[:8]
            items = reports(n, where, rng, tag)
            stats = push(base, url, token, items, "/intake/hotline_12345/reports", workers, how)
            rate = n / stats["seconds"]
            head = f"push · single reports, {workers} clients: {rate:,.0f} reports/s; "
            print(head + line("per report", stats["latency"]) + f"; answers {stats['status']}")
            print(cpu_line(stats, n, how))
            print(f"  stored {sum(stored(url, tag)):,} of {n:,}")
        if "batch" in parts:
            tag = uuid.uuid4().hex[:8]
            items = reports(n * 10, where, rng, tag)
            size, clients = how.batch_size, how.batch_clients
            batches = [items[i : i + size] for i in range(0, len(items), size)]
            path = "/intake/hotline_12345/reports/batch"
            stats = push(base, url, token, batches, path, clients, how)
            rate = len(items) / stats["seconds"]
            head = f"push · batches of {size}, {clients} clients: {rate:,.0f} reports/s; "
            print(head + line("per batch", stats["latency"]) + f"; answers {stats['status']}")
            print(cpu_line(stats, len(items), how))
            print(f"  stored {sum(stored(url, tag)):,} of {len(items):,}")
    if "restart" in parts:
        bench_restart(url, token, n, workers, where, rng, how)


def bench_restart(
    url: str, token: str, n: int, workers: int, where: list, rng: random.Random, how: Load
) -> None:
    """Single reports while the local PostgreSQL stops and starts again: none lost, none twice."""
    settings = get_settings()
    if not settings.uses_local_cluster:
        print("restart: skipped (DATABASE_URL is set; the restart needs the local cluster)")
        return
    cluster = db.local_cluster(settings)
    tag = uuid.uuid4().hex[:8]
    items = reports(n, where, rng, tag)
    with service(url) as base:

        def restart() -> None:
            time.sleep(3)
            cluster.down()
            time.sleep(2)
            cluster.up(already_running_ok=True)

        import threading

        thread = threading.Thread(target=restart)
        thread.start()
        if how.client == "httpx":
            stats = {"latency": [], "status": {}, "retries": 0}
            start = time.perf_counter()
            asyncio.run(_send_all(base, token, items, "/intake/hotline_12345/reports", workers,
                                  stats))  # fmt: skip
            stats["seconds"] = time.perf_counter() - start
        else:
            stats = send_all(
                base, token, items, "/intake/hotline_12345/reports", workers, how.processes
            )
        thread.join()
    incidents, links = stored(url, tag)
    exact = "exact" if incidents + links == n else "NOT EXACT"
    print(f"restart · {n:,} reports, {workers} clients, database restarted after 3 s:"
          f" {stats['retries']:,} retries, answers {stats['status']};"
          f" stored {incidents:,} cases + {links:,} linked = {incidents + links:,} of {n:,}"
          f" ({exact}) in {stats['seconds']:.1f} s (load {load()})")  # fmt: skip


def seed(base_url: str) -> str:
    """A scratch database beside the configured one with the 2.4 M demo; its URL."""
    from geo.demo.load import seed_demo
    from geo.migrate import migrate
    from geo.warnings import scan_warnings

    admin = psycopg2.connect(base_url)
    admin.autocommit = True
    recreate_database(admin, BENCH_DATABASE)
    admin.close()
    url = sibling_url(base_url, BENCH_DATABASE)
    conn = db.connect(url)
    try:
        db.check_postgis(conn)
        conn.commit()
        migrate(conn)
        seed_demo(conn, incidents=2_400_000, seed=7, progress=print, pool=db.get_pool(url))
        scan_warnings(conn)
        conn.commit()
    finally:
        conn.close()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a seeded database (default: the bench database beside)")
    parser.add_argument("--seed", action="store_true", help="make the bench database first")
    parser.add_argument("--parts", default="tiles,features,push,batch,restart")
    parser.add_argument("--tiles-per-zoom", type=int, default=30)
    parser.add_argument(
        "--tile-rounds", type=int, default=1,
        help="tiles: rounds over the sample (the first left out of the times when more)",
    )  # fmt: skip
    parser.add_argument(
        "--ports", type=int, help="tiles: the servers on this port and the next three (else free)"
    )
    parser.add_argument(
        "--other-root", type=Path,
        help="tiles: also the service of the checkout there (its .venv), e.g. main's, alternated",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=10, help="runs of each features query")
    parser.add_argument("--reports", type=int, default=5000, help="single reports per push run")
    parser.add_argument("--clients", type=int, default=32, help="concurrent pushing clients")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the pushing HTTP client: http_load.py's, or httpx (as before)",
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=1,
        help="processes the raw client's connections are spread over",
    )
    parser.add_argument("--batch-size", type=int, default=500, help="reports per batch")
    parser.add_argument("--batch-clients", type=int, default=4, help="concurrent batch clients")
    args = parser.parse_args()
    base_url = db.database_url(get_settings())
    url = seed(base_url) if args.seed else args.url or sibling_url(base_url, BENCH_DATABASE)
    parts = args.parts.split(",")
    rng = random.Random(7)
    print(json.dumps({"database": url.rsplit("/", 1)[-1], "parts": parts, "load": load()}))
    if "tiles" in parts:
        bench_tiles(url, args.tiles_per_zoom, rng, args.ports, args.other_root, args.tile_rounds)
    if "features" in parts:
        bench_features(url, args.repeat)
    if {"push", "batch", "restart"} & set(parts):
        how = Load(args.client, args.client_processes, args.batch_size, args.batch_clients)
        bench_push(url, parts, args.reports, args.clients, rng, how)
    db.close_pools()


if __name__ == "__main__":
    main()
