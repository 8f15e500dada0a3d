"""Checking against the current tree, publishing, rolling back, and bad input on a real PostGIS."""

from __future__ import annotations

import threading

import pandas as pd
import psycopg2
import pytest
import shapely

from geo import db
from geo.boundaries.errors import PublishBusy, RemovalNotConfirmed, StaleUpload, UploadHasErrors
from geo.boundaries.mapping import FieldMapping
from geo.boundaries.prepare import UploadOptions, prepare_upload
from geo.boundaries.problems import in_language
from geo.boundaries.publish import PUBLISH_LOCK, publish, rollback
from geo.errors import MinqingError
from tests.boundary_fixtures import (
    geojson_bytes,
    grids_gdf,
    load_tree,
    shapefile_zip,
    table_checksums,
    tree_frame,
)
from tests.support import checksums

pytestmark = pytest.mark.db


@pytest.fixture
def tree_db(scratch) -> str:
    """A fresh database with the small tree (version 1) and 400 incidents."""
    url = scratch.create_migrated("minqing_bnd")
    load_tree(url)
    return url


@pytest.fixture(scope="module")
def shared_tree_db(scratch) -> str:
    """One tree database for the read-only checks of this module."""
    url = scratch.create_migrated("minqing_bnd_ro")
    load_tree(url)
    return url


def _prepare(url: str, gdf, **options):
    conn = db.connect(url)
    try:
        return prepare_upload(conn, geojson_bytes(gdf), "grids.geojson", UploadOptions(**options))
    finally:
        conn.close()


def _kinds(prepared) -> dict[str, list[int | None]]:
    out: dict[str, list] = {}
    for p in prepared.problems:
        out.setdefault(p.kind, []).append(p.feature)
    return out


def _box(west, south, east, north):
    return shapely.MultiPolygon([shapely.box(west, south, east, north)])


# --- the checks, feature by feature ----------------------------------------------------------


def test_clean_file_has_no_problems_and_no_changes(shared_tree_db):
    """The current grids re-uploaded: nothing to report, nothing changes."""
    prepared = _prepare(shared_tree_db, grids_gdf())
    assert prepared.problems == [] and prepared.can_publish
    assert prepared.diff.counts()["unchanged"] == 16


def test_each_problem_is_found_where_it_is(shared_tree_db):
    """Every kind of problem, each on the feature it is in, with a place to show."""
    gdf = grids_gdf()
    w, s, e, n = gdf.geometry.iloc[0].bounds
    gdf.loc[0, "geometry"] = shapely.Polygon([(w, s), (e, n), (e, s), (w, n), (w, s)])  # bow-tie
    gdf.loc[1, "网格编码"] = gdf.loc[2, "网格编码"]  # duplicate code
    gdf.loc[3, "网格编码"] = None  # missing code
    gdf.loc[4, "所属社区编码"] = "620102009009"  # parent that does not exist
    w, s, e, n = gdf.geometry.iloc[5].bounds
    gdf.loc[5, "geometry"] = _box(w - 0.01, s - 0.01, e, n)  # overlaps feature 5, leaves parent
    gdf.loc[6, "网格类型"] = "商业"  # unknown kind
    gdf.loc[7, "geometry"] = _box(w + 2, s, e + 2, n)  # outside the city
    w, s, e, n = gdf.geometry.iloc[8].bounds
    gdf.loc[8, "geometry"] = _box(w, s, e - 0.002, n)  # leaves a gap in its community
    w, s, e, n = gdf.geometry.iloc[9].bounds
    gdf.loc[9, "geometry"] = shapely.MultiPolygon(
        [shapely.box(w, s, e - 1e-4, n), shapely.box(e - 5e-5, s, e - 4.99e-5, n)]
    )  # a sliver part, 1 cm wide
    gdf.loc[10, "网格名称"] = None  # missing name: the previous name is kept
    prepared = _prepare(shared_tree_db, gdf)
    kinds = _kinds(prepared)
    assert kinds["invalid_geometry"] == [1]
    assert sorted(kinds["duplicate_code"]) == [2, 3]
    assert kinds["missing_code"] == [4]
    assert kinds["parent_not_found"] == [5]
    assert 6 in kinds["outside_parent"]
    overlap = next(p for p in prepared.problems if p.kind == "overlap")
    assert overlap.feature == 5 and "要素 6" in overlap.detail
    assert kinds["bad_kind"] == [7]
    assert kinds["outside_city"] == [8]
    assert None in kinds["gap"]
    assert 10 in kinds["sliver"]
    assert kinds["missing_name"] == [11]
    assert not prepared.can_publish
    for problem in prepared.problems:
        if problem.kind not in ("missing_code", "duplicate_code", "bad_kind", "missing_name"):
            assert problem.lon is not None and 102 < problem.lon < 106, problem
    invalid = next(p for p in prepared.problems if p.kind == "invalid_geometry")
    assert "自相交" in invalid.detail and invalid.fix == "repair"
    # every detail also in English (the page in English shows these)
    assert in_language(overlap.detail, "en").startswith("overlaps feature 6 (")
    assert in_language(invalid.detail, "en").startswith("Self-intersection: choose")
    assert all(in_language(p.detail, "en") != p.detail for p in prepared.problems)
    gap = next(p for p in prepared.problems if p.kind == "gap")
    assert "is covered by none of its areas" in in_language(gap.detail, "en")


def test_repair_and_clip_fix_what_they_can(shared_tree_db):
    """make_valid repairs the bow-tie (and says what changed); clipping trims the overflow."""
    gdf = grids_gdf()
    w, s, e, n = gdf.geometry.iloc[0].bounds
    gdf.loc[0, "geometry"] = shapely.Polygon([(w, s), (e, n), (e, s), (w, n), (w, s)])
    gdf.loc[15, "geometry"] = _box(*gdf.geometry.iloc[15].bounds[:2], 103.81, 36.1)
    prepared = _prepare(shared_tree_db, gdf, repair=True, clip_to_parent=True)
    kinds = _kinds(prepared)
    assert kinds["repaired"] == [1] and kinds["clipped"] == [16]
    repair = prepared.result.repairs[0]
    assert repair.parts_before == 1 and repair.parts_after == 2
    assert prepared.result.candidates.geom[15].bounds[2] <= 103.8 + 1e-9
    assert prepared.can_publish  # only warnings are left (the gap the bow-tie leaves)


def test_diff_names_added_removed_reshaped_renamed(shared_tree_db):
    """One split, one renamed, one reshaped, one removed: the diff says exactly that."""
    gdf = grids_gdf()
    w, s, e, n = gdf.geometry.iloc[0].bounds
    mid = (w + e) / 2
    gdf.loc[0, "geometry"] = _box(w, s, mid, n)
    extra = gdf.iloc[[0]].copy()
    extra["网格编码"], extra["网格名称"] = "620102001001009", "新网格"
    extra["geometry"] = [_box(mid, s, e, n)]
    gdf.loc[1, "网格名称"] = "改了名字"
    removed_code = gdf.loc[2, "网格编码"]
    gdf = pd.concat([gdf.drop(index=2), extra], ignore_index=True).set_crs(
        4490, allow_override=True
    )
    prepared = _prepare(shared_tree_db, gdf)
    counts = prepared.diff.counts()
    assert (counts["added"], counts["removed"], counts["reshaped"], counts["renamed"]) == (
        1,
        1,
        1,
        1,
    )
    assert list(prepared.diff.removed["code"]) == [removed_code]
    share = prepared.diff.reshaped["share"].iat[0]
    assert 0.49 < share < 0.51


def test_parent_from_code_and_remembered_mapping(tree_db):
    """Parent codes can come from the code; the mapping chosen is remembered after publishing."""
    gdf = grids_gdf().drop(columns=["所属社区编码"]).rename(columns={"网格编码": "WGBM"})
    prepared = _prepare(tree_db, gdf)
    assert prepared.mapping.code == "WGBM" and prepared.mapping.parent_from_code
    assert prepared.can_publish
    mapping = FieldMapping(code="WGBM", name="网格名称", kind="网格类型", parent_from_code=True)
    chosen = _prepare(tree_db, gdf, mapping=mapping)
    conn = db.connect(tree_db)
    try:
        publish(conn, chosen, "张工")
    finally:
        conn.close()
    again = _prepare(tree_db, gdf)
    assert again.mapping_how == "remembered" and again.mapping.population is None


# --- publish, rollback, incidents --------------------------------------------------------------


def _incident_codes(url: str) -> dict[int, tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT id, grid_code, community_code, street_code, district_code FROM incidents"
        )
        return {row[0]: row[1:] for row in cur.fetchall()}


def _truth(url: str) -> dict[int, str]:
    """Each incident's containing current grid, by PostGIS itself."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT i.id, min(a.code) FROM incidents i JOIN current_areas a"
            " ON a.level = 'grid' AND ST_Intersects(a.geom, i.geom) GROUP BY i.id"
        )
        return dict(cur.fetchall())


def test_publish_reassigns_incidents_and_rollback_restores(tree_db):
    """Publishing moves incidents to the grids now containing them; rollback moves them back."""
    before = _incident_codes(tree_db)
    frame = tree_frame()
    gdf = grids_gdf()
    # move the line between two grids of one community 1 km east
    w0, s0, e0, n0 = gdf.geometry.iloc[0].bounds
    w2, s2, e2, n2 = gdf.geometry.iloc[2].bounds
    gdf.loc[0, "geometry"] = _box(w0, s0, e0 + 0.01, n0)
    gdf.loc[2, "geometry"] = _box(w2 + 0.01, s2, e2, n2)
    prepared = _prepare(tree_db, gdf)
    assert prepared.can_publish, prepared.problems
    conn = db.connect(tree_db)
    try:
        result = publish(conn, prepared, "张工", "调整网格")
    finally:
        conn.close()
    after = _incident_codes(tree_db)
    truth = _truth(tree_db)
    assert all(after[i][0] == truth[i] for i in after)
    moved = [i for i in after if after[i] != before[i]]
    assert len(moved) == result.reassigned.moved > 0
    community = frame.set_index("code").loc[gdf.loc[0, "网格编码"], "parent_code"]
    assert all(after[i][1] == community for i in moved)
    with psycopg2.connect(tree_db) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM current_areas WHERE geom_display IS NULL")
        assert cur.fetchone()[0] == 0
        cur.execute(
            "SELECT actor, action, file_name, summary->'diff'->>'reshaped' FROM boundary_events"
        )
        assert cur.fetchall() == [("张工", "publish", "grids.geojson", "2")]
        cur.execute("SELECT count(*) FROM areas WHERE version_id = 1")
        assert cur.fetchone()[0] == 24  # the previous version is kept
    assert _tile_cuts(tree_db) == {2}
    conn = db.connect(tree_db)
    try:
        back = rollback(conn, 1, "李工", "撤回")
    finally:
        conn.close()
    assert back.version_id == 1 and _incident_codes(tree_db) == before
    assert _tile_cuts(tree_db) == {1}


def _tile_cuts(url: str) -> set[int]:
    """The versions whose grids and communities are cut for the tiles (migration 253), each
    with the cuts of all its grids and communities at every zoom 0–15."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version_id, level, max_zoom FROM area_tile_cut_sets")
        sets = cur.fetchall()
        cur.execute(
            "SELECT c.version_id, c.level, count(DISTINCT c.code), count(DISTINCT c.z),"
            "  (SELECT count(*) FROM areas a WHERE a.version_id = c.version_id"
            "   AND a.level = c.level)"
            " FROM area_tile_cuts c GROUP BY 1, 2"
        )
        cuts = cur.fetchall()
    versions = {version for version, *_ in sets}
    assert sorted((level, zoom) for _, level, zoom in sets) == [
        ("community", 15), ("grid", 15)
    ] * len(versions)  # fmt: skip
    assert sorted((v, level, areas, 16) for v, level, _, _, areas in cuts) == sorted(
        (v, level, cut, zooms) for v, level, cut, zooms, _ in cuts
    )
    assert {version for version, *_ in cuts} == versions
    return versions


def test_incidents_outside_every_grid_follow_the_rule(tree_db):
    """Near a grid: snapped to it. Far: kept on its old grid and listed for review."""
    gdf = grids_gdf()
    w, s, e, n = gdf.geometry.iloc[0].bounds
    gdf.loc[0, "geometry"] = _box(w, s, e, n - 0.005)  # a 550 m strip belongs to no grid now
    with psycopg2.connect(tree_db) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4490) WHERE id = 1;"
            "UPDATE incidents SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4490),"
            " grid_code = %s WHERE id = 2",
            ((w + e) / 2, n - 0.0049, (w + e) / 2, n - 0.0025, gdf.loc[0, "网格编码"]),
        )
    prepared = _prepare(tree_db, gdf)
    conn = db.connect(tree_db)
    try:
        result = publish(conn, prepared, "张工")
    finally:
        conn.close()
    assert result.reassigned.snapped >= 1 and result.reassigned.unplaced >= 1
    with psycopg2.connect(tree_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT incident_id, previous_grid, assigned_grid, distance_m"
                    " FROM boundary_unplaced_incidents")  # fmt: skip
        rows = {r[0]: r[1:] for r in cur.fetchall()}
    assert 2 in rows and rows[2][0] == rows[2][1] and rows[2][2] > 50
    assert 1 not in rows


def test_publish_refuses_a_file_with_errors(tree_db):
    """Errors block publication, and nothing is written."""
    gdf = grids_gdf()
    gdf.loc[1, "网格编码"] = gdf.loc[2, "网格编码"]
    prepared = _prepare(tree_db, gdf)
    before = table_checksums(tree_db)
    conn = db.connect(tree_db)
    try:
        with pytest.raises(UploadHasErrors):
            publish(conn, prepared, "张工")
    finally:
        conn.close()
    assert table_checksums(tree_db) == before


def test_two_uploads_at_once(tree_db):
    """While one publication runs, a second is refused at once; a stale check is refused after."""
    first = _prepare(tree_db, grids_gdf())
    second = _prepare(tree_db, grids_gdf())
    holder = psycopg2.connect(tree_db)
    with holder.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (PUBLISH_LOCK,))
    before = table_checksums(tree_db)
    conn = db.connect(tree_db)
    try:
        with pytest.raises(PublishBusy):
            publish(conn, second, "李工")
        assert table_checksums(tree_db) == before
        holder.rollback()
        publish(conn, first, "张工")
        middle = table_checksums(tree_db)
        with pytest.raises(StaleUpload, match="重新检查"):
            publish(conn, second, "李工")
        assert table_checksums(tree_db) == middle
    finally:
        conn.close()
        holder.close()


def test_concurrent_publications_leave_one_winner(tree_db):
    """Two threads publishing the same base: exactly one succeeds, one clear error for the other."""
    uploads = [_prepare(tree_db, grids_gdf()) for _ in range(2)]
    outcomes: list[object] = []

    def run(prepared) -> None:
        conn = db.connect(tree_db)
        try:
            outcomes.append(publish(conn, prepared, "并发"))
        except MinqingError as exc:
            outcomes.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [o for o in outcomes if isinstance(o, MinqingError)]
    assert len(errors) == 1 and isinstance(errors[0], PublishBusy | StaleUpload)
    with psycopg2.connect(tree_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM boundary_versions")
        assert cur.fetchone()[0] == 2


def test_failure_half_way_through_publishing_changes_nothing(tree_db, monkeypatch):
    """A failure after the areas are written (here in re-assignment) rolls everything back."""
    import geo.boundaries.publish as publishing

    def broken(*_args, **_kwargs):
        raise psycopg2.OperationalError("server closed the connection unexpectedly")

    gdf = grids_gdf()
    gdf.loc[0, "网格名称"] = "新名字"
    prepared = _prepare(tree_db, gdf)
    before = table_checksums(tree_db)
    monkeypatch.setattr(publishing, "reassign", broken)
    conn = db.connect(tree_db)
    try:
        with pytest.raises(MinqingError, match="数据库未作任何改动"):
            publish(conn, prepared, "张工")
    finally:
        conn.close()
    assert table_checksums(tree_db) == before


BAD_FILES = {
    "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "grids.geojson"),
    "html": (b"<!doctype html><title>error</title>", "grids.zip"),
    "truncated": (None, "grids.zip"),
    "no_dbf": (None, "no_dbf.zip"),
    "degrees_lie": (None, "lie.zip"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_input_leaves_the_database_exactly_as_before(tree_db, case, tmp_path):
    """Through the CLI's own path: one clear message, the same rows and the same current version."""
    from geo.boundaries.cli_support import import_file

    data, name = BAD_FILES[case]
    gdf = grids_gdf()
    if case == "truncated":
        whole = shapefile_zip(gdf)
        data = whole[: len(whole) // 2]
    elif case == "no_dbf":
        data = shapefile_zip(gdf, drop=(".dbf",))
    elif case == "degrees_lie":
        data = shapefile_zip(gdf.to_crs(4544).set_crs(4490, allow_override=True))
    path = tmp_path / name
    path.write_bytes(data)
    before = table_checksums(tree_db)
    conn = db.connect(tree_db)
    try:
        with pytest.raises(MinqingError) as caught:
            import_file(
                conn, path, level="grid", layer=None, crs=None, encoding=None, gcj02=False,
                mapping=(), parent_from_code=False, repair=False, clip=False, partial=False,
                dry_run=False, allow_removal=False, report_path=None, actor="张工", note="",
                echo=lambda _: None,
            )  # fmt: skip
    finally:
        conn.close()
    assert str(caught.value) and "Traceback" not in str(caught.value)
    assert table_checksums(tree_db) == before


def test_partial_update_keeps_other_parents(tree_db):
    """A file with one community's grids replaces only that community's grids."""
    gdf = grids_gdf()
    one = gdf[gdf["所属社区编码"] == "620102001001"].copy()
    w, s, e, n = one.geometry.iloc[0].bounds
    one.iloc[0, one.columns.get_loc("网格名称")] = "局部更新"
    prepared = _prepare(tree_db, one, partial=True)
    assert prepared.can_publish and prepared.diff.counts()["removed"] == 0
    conn = db.connect(tree_db)
    try:
        publish(conn, prepared, "张工")
    finally:
        conn.close()
    with psycopg2.connect(tree_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
        assert cur.fetchone()[0] == 16
        cur.execute("SELECT count(*) FROM current_areas WHERE name = '局部更新'")
        assert cur.fetchone()[0] == 1


def _incidents_by_grid(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT grid_code, count(*) FROM incidents GROUP BY grid_code")
        return dict(cur.fetchall())


def test_a_file_lacking_a_community_is_refused_unless_the_removal_is_confirmed(tree_db):
    """A file without one community's grids (a filtered export) would delete them and move
    their incidents: refused with the count, names and incidents, nothing written; published
    only when the removal is confirmed."""
    gdf = grids_gdf()
    lacking = gdf[gdf["所属社区编码"] != "620102001001"].reset_index(drop=True)
    gone = gdf[gdf["所属社区编码"] == "620102001001"]
    held = _incidents_by_grid(tree_db)
    prepared = _prepare(tree_db, lacking)
    assert prepared.can_publish  # the file itself is sound
    removal = prepared.removal
    assert {a.code: a.incidents for a in removal.areas} == {
        code: held.get(code, 0) for code in gone["网格编码"]
    }
    assert removal.incidents == sum(held.get(code, 0) for code in gone["网格编码"]) > 0
    assert [(p.code, p.before, p.removed, p.after) for p in removal.emptied] == [
        ("620102001001", 4, 4, 0)
    ]
    before = table_checksums(tree_db)
    conn = db.connect(tree_db)
    try:
        with pytest.raises(RemovalNotConfirmed) as refused:
            publish(conn, prepared, "张工")
        assert table_checksums(tree_db) == before
        text = str(refused.value)
        assert "删除 4 个现有网格" in text and f"共 {removal.incidents} 条" in text
        assert all(name in text for name in gone["网格名称"])
        assert "第1街道第1社区（620102001001）：现有 4 个网格全部删除" in text
        result = publish(conn, prepared, "张工", allow_removal=True)
    finally:
        conn.close()
    after = _incidents_by_grid(tree_db)
    assert not set(after) & set(gone["网格编码"])
    assert result.reassigned.moved >= removal.incidents
    assert sum(after.values()) == sum(held.values())
    with psycopg2.connect(tree_db) as c, c.cursor() as cur:
        cur.execute("SELECT summary->'removal'->>'removed' FROM boundary_events")
        assert cur.fetchall() == [("4",)]


def test_partial_update_that_recodes_a_community_says_all_its_grids_go(tree_db):
    """部分更新 with one community's grids under new codes: the summary says that every current
    grid of that community goes (not only "删除 4"), and which new ones take their place."""
    from geo.boundaries.report import describe_lines

    one = grids_gdf()
    one = one[one["所属社区编码"] == "620102001002"].copy()
    old_codes = list(one["网格编码"])
    one["网格编码"] = [f"620102001002{k:03d}" for k in range(11, 15)]
    prepared = _prepare(tree_db, one, partial=True)
    assert prepared.diff.counts()["removed"] == 4
    text = "\n".join([*describe_lines(prepared), *prepared.removal.lines()])
    assert "第1街道第2社区（620102001002）：现有 4 个网格全部删除，发布后有 4 个" in text
    assert {a.code: a.recoded_as for a in prepared.removal.areas} == dict(
        zip(old_codes, one["网格编码"], strict=True)
    )
    assert "疑似改编码为 620102001002011" in text


ROLLUPS = ("incident_daily_flows", "incident_daily_stocks", "incident_daily_handling")


def test_codes_rotated_in_every_community_move_every_incident(tree_db):
    """Nearly every incident moves (the worst case for re-assignment): each gets the grid that
    contains it, and the daily rollups (communities and up) do not change."""
    rollups = checksums(tree_db, ROLLUPS)
    gdf = grids_gdf().sort_values(["所属社区编码", "网格编码"]).reset_index(drop=True)
    gdf["网格编码"] = gdf.groupby("所属社区编码")["网格编码"].transform(
        lambda codes: list(codes)[1:] + list(codes)[:1]
    )
    prepared = _prepare(tree_db, gdf)
    assert prepared.can_publish
    conn = db.connect(tree_db)
    try:
        result = publish(conn, prepared, "张工")
    finally:
        conn.close()
    assert result.reassigned.moved > 300
    truth = _truth(tree_db)
    assert all(codes[0] == truth[i] for i, codes in _incident_codes(tree_db).items())
    assert checksums(tree_db, ROLLUPS) == rollups


def test_readers_are_not_blocked_while_incidents_are_reassigned(tree_db, monkeypatch):
    """While a publication has re-assigned incidents and not yet committed, the live map's
    reads (incidents by grid, the current outlines) answer at once with the old state."""
    import geo.boundaries.publish as publishing
    from geo.boundaries.reassign import reassign

    inside, release = threading.Event(), threading.Event()

    def paused(*args, **kwargs):
        result = reassign(*args, **kwargs)
        inside.set()
        release.wait(60)
        return result

    monkeypatch.setattr(publishing, "reassign", paused)
    before = _incident_codes(tree_db)
    gdf = grids_gdf().sort_values(["所属社区编码", "网格编码"]).reset_index(drop=True)
    gdf["网格编码"] = gdf.groupby("所属社区编码")["网格编码"].transform(
        lambda codes: list(codes)[1:] + list(codes)[:1]
    )
    prepared = _prepare(tree_db, gdf)
    failures: list[BaseException] = []

    def run() -> None:
        conn = db.connect(tree_db)
        try:
            publish(conn, prepared, "张工")
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert inside.wait(60)
        with psycopg2.connect(tree_db) as reader, reader.cursor() as cur:
            cur.execute("SET statement_timeout = '3s'")
            cur.execute("SELECT id, grid_code FROM incidents ORDER BY id")
            seen = dict(cur.fetchall())
            cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
            grids = cur.fetchone()[0]
    finally:
        release.set()
        thread.join(60)
    assert not failures
    assert seen == {i: codes[0] for i, codes in before.items()}
    assert grids == 16
    assert _incident_codes(tree_db) != before
