"""Generated incidents and events: places, sources, rhythm, the schema's rules, the closed loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.demo.areas import build_area_tree
from geo.demo.centers import build_centers
from geo.demo.incidents import CATEGORY_CODES, SUBCATEGORY_CODES, generate_incidents
from geo.demo.lifecycle import LEVELS, RESULTS, STATUSES
from geo.demo.load import read_districts
from geo.demo.texts import DESCRIPTIONS, OPENINGS
from geo.vocabulary import CATEGORIES, SOURCES

NOW = datetime(2026, 3, 15, 3, 30, tzinfo=UTC)
N = 8_000
OPEN = ["reported", "assigned", "in_progress"]


@pytest.fixture(scope="module")
def areas():
    return build_area_tree(read_districts(), scale=0.02, seed=7)


@pytest.fixture(scope="module")
def centers(areas):
    return build_centers(areas)


@pytest.fixture(scope="module")
def generated(areas, centers):
    return generate_incidents(areas, centers, N, seed=11, now=NOW)


@pytest.fixture(scope="module")
def incidents(generated):
    return generated[0]


@pytest.fixture(scope="module")
def events(generated):
    return generated[1]


def test_count_ids_and_order(incidents):
    """n incidents with ids 1..n in reported_at order (the BRIN index relies on it)."""
    assert len(incidents) == N
    assert incidents["id"].tolist() == list(range(1, N + 1))
    assert incidents["reported_at"].is_monotonic_increasing


def test_every_point_in_its_grid(incidents, areas):
    """Each point lies inside the grid it is assigned to."""
    grids = areas[areas["level"] == "grid"].set_index("code").geometry
    polygons = grids.loc[incidents["grid_code"].astype(str)].to_numpy()
    assert shapely.contains_xy(polygons, incidents["lon"], incidents["lat"]).all()


def test_area_codes_follow_the_tree(incidents, areas):
    """community, street and district codes are the grid's ancestors."""
    parent = areas.set_index("code")["parent_code"]
    community = parent.loc[incidents["grid_code"].astype(str)].to_numpy()
    street = parent.loc[community].to_numpy()
    assert (incidents["community_code"].astype(str).to_numpy() == community).all()
    assert (incidents["street_code"].astype(str).to_numpy() == street).all()
    assert (
        incidents["district_code"].astype(str).to_numpy() == parent.loc[street].to_numpy()
    ).all()


def test_sources_and_categories(incidents):
    """All eight sources appear, the 12345 hotline most; codes come from the vocabulary."""
    shares = incidents["source"].value_counts(normalize=True)
    assert set(shares.index) == set(SOURCES)
    assert shares.idxmax() == "hotline_12345"
    assert set(incidents["category"]) == set(CATEGORY_CODES) == set(CATEGORIES) - {"other"}
    for category, subcategory in zip(incidents["category"], incidents["subcategory"], strict=True):
        assert subcategory in CATEGORIES[category].subcategories
    disputes = incidents["subcategory"][incidents["category"] == "dispute"]
    assert {"wage_arrears", "property_management", "neighbour"} <= set(disputes)


def test_severity_and_major_risks(incidents):
    """Severity 1-4; a few major risks, all severity 4."""
    assert incidents["severity"].between(1, 4).all()
    major = incidents[incidents["is_major_risk"]]
    assert 0 < len(major) < 0.01 * N
    assert (major["severity"] == 4).all()


def test_within_the_two_years_before_now(incidents, events):
    """Every time lies within the two years before now; nothing happens after now."""
    now = pd.Timestamp(NOW)
    assert incidents["reported_at"].min() >= now - timedelta(days=731)
    assert incidents["reported_at"].min() < now - timedelta(days=700)
    for column in ("reported_at", "resolved_at", "closed_at"):
        assert (incidents[column].dropna() < now).all()
    assert (events["at"] <= now).all()


def test_weekly_rhythm_and_daytime_peak_in_cst(incidents):
    """Fewer reports at weekends and at night, counted in China Standard Time."""
    cst = incidents["reported_at"].dt.tz_convert("Asia/Shanghai")
    per_day = cst.dt.date.value_counts()
    weekday = pd.to_datetime(pd.Series(per_day.index)).dt.day_of_week.to_numpy()
    assert per_day.to_numpy()[weekday < 5].mean() > 1.2 * per_day.to_numpy()[weekday >= 5].mean()
    hours = cst.dt.hour
    assert hours.between(9, 11).sum() > 3 * hours.between(2, 4).sum()


def test_growth_over_the_year(incidents):
    """More reports in the last quarter than in the same quarter a year before."""
    age = (pd.Timestamp(NOW) - incidents["reported_at"]).dt.days
    assert (age < 91).sum() > 1.03 * age.between(365, 455).sum()


def test_hotspots_repeat_addresses_share_a_point(incidents):
    """Some addresses recur many times; every address stands at one point."""
    assert incidents["address"].value_counts().iloc[0] >= 20
    points = incidents.groupby("address")[["lon", "lat"]].nunique()
    assert (points == 1).all().all()
    assert (
        incidents["address"]
        .str.startswith(
            ("城关区", "七里河区", "西固区", "安宁区", "红古区", "永登县", "皋兰县", "榆中县")
        )
        .all()
    )


def test_descriptions_open_by_source(incidents):
    """The text opens with the channel's phrase; every subcategory has templates."""
    openings = incidents["source"].map(OPENINGS).astype(str)
    assert all(d.startswith(o) for d, o in zip(incidents["description"], openings, strict=True))
    assert set(DESCRIPTIONS) == set(SUBCATEGORY_CODES)


def test_schema_rules(incidents):
    """The CHECK constraints of 001_schema.sql hold for every row."""
    done = incidents["status"].isin(["resolved", "closed"])
    assert set(incidents["status"]) <= set(STATUSES)
    assert (incidents["deadline_at"] > incidents["reported_at"]).all()
    assert (incidents["resolved_at"].dropna() >= incidents["reported_at"][done]).all()
    closed = incidents["closed_at"].notna()
    assert (incidents["closed_at"][closed] >= incidents["resolved_at"][closed]).all()
    assert done.eq(incidents["result"].notna() & incidents["resolved_at"].notna()).all()
    assert (incidents["status"] == "closed").eq(closed).all()
    assert set(incidents["result"].dropna()) <= set(RESULTS)
    assert (incidents["escalations"] >= 0).all()


def test_status_mix(incidents):
    """Old cases are mostly closed, recent ones partly open; some overdue; ~97% disputes solved."""
    age = (pd.Timestamp(NOW) - incidents["reported_at"]).dt.days
    is_open = incidents["status"].isin(OPEN)
    assert is_open[age > 180].mean() < 0.02
    assert is_open[age < 3].mean() > 0.3
    late = incidents["resolved_at"] > incidents["deadline_at"]
    open_overdue = is_open & (incidents["deadline_at"] < pd.Timestamp(NOW))
    assert late.sum() > 0.02 * N and open_overdue.sum() > 0
    disputes = incidents[(incidents["category"] == "dispute") & incidents["result"].notna()]
    assert 0.94 < (disputes["result"] == "resolved").mean() < 0.995


def test_centers_follow_the_grid_and_level(incidents, centers):
    """The assigned center serves the grid's community, street or district at the handling level."""
    parent = centers.set_index("code")["parent_code"]
    assigned = incidents[incidents["assigned_center"].notna()]
    workstation = "ws-" + assigned["community_code"].astype(str)
    chain = [workstation.to_numpy()]
    for _ in range(3):
        chain.append(parent.loc[chain[-1]].to_numpy())
    level = assigned["handling_level"].astype(str).map(LEVELS.index).to_numpy()
    expected = np.choose(level, chain)
    assert (assigned["assigned_center"].astype(str).to_numpy() == expected).all()
    assert incidents["handling_level"].isna().eq(incidents["status"] == "reported").all()
    escalated = incidents[incidents["escalations"] > 0]
    assert len(escalated) > 0
    assert (escalated["handling_level"].astype(str) != "workstation").all()


def test_events_form_the_closed_loop(incidents, events):
    """Per incident: starts with `reported`, times never go back, each step starts where the
    last ended, and the last step's status is the incident's."""
    assert events["incident_id"].is_monotonic_increasing
    first = events.groupby("incident_id").head(1)
    assert (first["action"] == "reported").all() and first["from_status"].isna().all()
    assert len(first) == N
    same = events["incident_id"].eq(events["incident_id"].shift())
    assert (events["at"][same] >= events["at"].shift()[same]).all()
    previous = events["to_status"].astype(object).shift()
    assert (events["from_status"].astype(object)[same] == previous[same]).all()
    last = events.groupby("incident_id").tail(1).set_index("incident_id")["to_status"]
    assert (last.astype(str).to_numpy() == incidents["status"].astype(str).to_numpy()).all()
    allowed = {
        "reported",
        "assigned",
        "accepted",
        "escalated",
        "returned",
        "urged",
        "supervised",
        "resolved",
        "closed",
        "reopened",
    }
    assert set(events["action"]) <= allowed
    assert {"escalated", "returned", "urged", "supervised"} <= set(events["action"])


def test_events_agree_with_the_incident(incidents, events):
    """Escalation counts, resolved and closed times match the events."""
    by = events.groupby("incident_id")
    escalations = by["action"].apply(lambda a: (a == "escalated").sum())
    assert (escalations.to_numpy() == incidents["escalations"].to_numpy()).all()
    # a reopened case (重新办理) is resolved again: the incident keeps its last resolution
    last = events[events["action"].isin(["resolved", "reopened"])].groupby("incident_id").tail(1)
    resolved = last[last["action"] == "resolved"].set_index("incident_id")["at"]
    assert resolved.equals(incidents.set_index("id")["resolved_at"].dropna().rename("at"))
    supervised = events[events["action"] == "supervised"]["incident_id"]
    late = incidents.set_index("id").loc[supervised]
    assert (late["resolved_at"].isna() | (late["resolved_at"] > late["deadline_at"])).all()


def test_urging_and_supervision_come_from_the_center_above_the_holder(events, centers):
    """催办 and 督办 are taken by the holder's parent center: the city center, above all, is
    never urged or supervised (the workflow refuses it: nobody is above it)."""
    pushed = events[events["action"].isin(["urged", "supervised"])]
    parent = centers.set_index("code")["parent_code"]
    holders = pushed["center_code"].astype(str)
    assert len(pushed) > 0 and parent.loc[holders].notna().all()
    assert (pushed["acting_center"].astype(str).to_numpy() == parent.loc[holders].to_numpy()).all()


def test_same_seed_same_data_other_seed_other_data(areas, centers, generated):
    """Deterministic for a seed; another seed gives other incidents."""
    again = generate_incidents(areas, centers, N, seed=11, now=NOW)
    pd.testing.assert_frame_equal(again[0], generated[0])
    pd.testing.assert_frame_equal(again[1], generated[1])
    other = generate_incidents(areas, centers, N, seed=12, now=NOW)[0]
    assert not other["grid_code"].equals(generated[0]["grid_code"])


def test_now_must_be_aware(areas, centers):
    """A naive `now` is refused (periods are counted in CST, so the instant must be known)."""
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_incidents(areas, centers, 10, seed=1, now=datetime(2026, 1, 1))


def test_few_incidents(areas, centers):
    """A handful of incidents (no clusters) still works."""
    few, few_events = generate_incidents(areas, centers, 5, seed=3, now=NOW)
    assert len(few) == 5 and len(few_events) >= 5
