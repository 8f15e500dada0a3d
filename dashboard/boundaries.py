"""Boundary upload for GIS staff: read, check, preview, publish, and roll back versions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.actions import Refused, acting, acting_user, show_outcome
from dashboard.auth import client_address, require
from dashboard.boundaries_text import PREVIEW_TEXT, TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.long_lived import long_lived
from dashboard.resources import connection
from dashboard.widgets.markdown import literal
from dashboard.widgets.upload import file_upload
from geo import vocabulary
from geo.auth import User
from geo.auth.audit import record
from geo.boundaries.crs import CITY_ENVELOPE
from geo.boundaries.encoding import CHOICES
from geo.boundaries.errors import BoundaryFileError, CrsProblem, PublishError
from geo.boundaries.limits import DEFAULT_LIMITS, MIB
from geo.boundaries.mapping import PARENT_LEVEL, FieldMapping
from geo.boundaries.prepare import (
    BaseTree,
    PreparedUpload,
    UploadOptions,
    base_tree,
    choose_mapping,
    prepare_raw,
)
from geo.boundaries.problems import error_text, in_language
from geo.boundaries.publish import publish, rollback
from geo.boundaries.read import RawLayer, read_upload
from geo.boundaries.removal import NAMES_SHOWN, Removal
from geo.boundaries.store import current_version
from geo.boundaries.versions import boundary_events, boundary_versions
from geo.bounds import LngLatBbox
from geo.errors import DataError
from geo.settings import get_settings
from geo.timeutil import format_cst
from layers.preview import (
    LeafletAssets,
    Outline,
    ProblemMark,
    load_assets,
    offline_html,
    outlines_from,
    preview_map,
    problem_bounds,
)

tr = translator(TABLE)

LEVELS = ["grid", "community", "street"]
COMMON_CRS = [
    "EPSG:4490",
    "EPSG:4326",
    "EPSG:3857",
    "EPSG:4544",
    "EPSG:4543",
    "EPSG:4523",
    "EPSG:4522",
    "EPSG:4508",
    "EPSG:2383",
]
PAGE = "boundaries"
LEAFLET = Path(__file__).resolve().parent / "static" / "leaflet"
UPLOAD_TYPES = ("zip", "geojson", "json", "gpkg", "kml", "kmz")
UPLOAD_MB = DEFAULT_LIMITS.max_file_bytes // MIB


@st.cache_resource(show_spinner=False)
def _assets() -> LeafletAssets:
    return load_assets(LEAFLET)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=3600)
def _read(
    digest: str, _data: bytes, name: str, layer: str | None, encoding: str | None
) -> RawLayer:
    """The file read once per content and reading options (the digest is the cache key)."""
    return read_upload(_data, name, layer=layer, encoding=encoding)


# The spinner only while the upload is checked (a spinner shown on every run would push the
# page down under the pointer for a moment: a press aimed at a button would land elsewhere).
@st.cache_resource(show_spinner="…", max_entries=4, ttl=3600)
def _prepare(
    digest: str, _raw: RawLayer, options: UploadOptions, version_id: int | None, _user: User
) -> PreparedUpload:
    """The checked upload, once per file, options and current version."""
    tree = _tree(options.level, version_id, _user)
    with connection(_user) as conn:
        return prepare_raw(conn, _raw, options, tree)


@long_lived(max_entries=4, ttl=3600)
def _tree(level: str, version_id: int | None, _user: User) -> BaseTree:
    """The current version's areas a check of `level` needs, read once per level and version
    (for the suggested field mapping, the check and the preview alike)."""
    with connection(_user) as conn:
        return base_tree(conn, level, current_version(conn))


def _header(user: User) -> int | None:
    with shown_errors(), connection(user) as conn:
        version = current_version(conn)
    if version is None:
        st.info(tr("none"))
        return None
    st.caption(
        f"{tr('current')}: **{version.id}** · {version.created_by} · "
        f"{format_cst(version.created_at)} · {version.source}"
    )
    return version.id


def _read_options(raw_layers: list[str]) -> tuple[str | None, str | None, str | None, bool]:
    with st.expander(tr("read_options"), expanded=bool(st.session_state.get("bnd_crs_needed"))):
        cols = st.columns(3)
        encoding = cols[0].selectbox(tr("encoding"), [tr("auto"), *CHOICES], key="bnd_encoding")
        crs = cols[1].selectbox(tr("crs"), [tr("auto"), *COMMON_CRS], key="bnd_crs")
        typed = cols[2].text_input(tr("crs_other"), key="bnd_crs_text", placeholder="EPSG:4545")
        gcj02 = st.checkbox(tr("gcj02"), key="bnd_gcj02")
        layer = None
        if len(raw_layers) > 1:
            layer = st.selectbox(tr("layer"), raw_layers, key="bnd_layer")
    chosen_crs = typed.strip() or (None if crs == tr("auto") else crs)
    return (
        None if encoding == tr("auto") else encoding,
        chosen_crs,
        layer,
        gcj02,
    )


def _choose_crs(choice: str, gcj02: bool) -> None:
    """Take a suggested CRS (button callback)."""
    st.session_state["bnd_crs_text"] = choice
    st.session_state["bnd_gcj02"] = gcj02


def _mapping_form(raw: RawLayer, level: str, suggested: FieldMapping) -> FieldMapping:
    st.markdown(f"**{tr('mapping')}**")
    none = tr("no_field")
    options = [none, *raw.fields]
    roles = ["code", "name", "parent"] + (["kind"] if level == "grid" else []) + ["population"]
    cols = st.columns(len(roles))
    chosen: dict[str, str | None] = {}
    for col, role in zip(cols, roles, strict=True):
        current = getattr(suggested, role)
        value = col.selectbox(
            tr(f"role_{role}"),
            options,
            index=options.index(current) if current in options else 0,
            key=f"bnd_map_{role}_{raw.info.sha256[:8]}_{level}",
        )
        chosen[role] = None if value == none else value
    from_code = st.checkbox(
        tr("parent_from_code"),
        value=suggested.parent_from_code,
        key=f"bnd_from_code_{raw.info.sha256[:8]}_{level}",
    )
    return FieldMapping(**chosen, parent_from_code=from_code)


def _problem_table(prepared: PreparedUpload) -> pd.DataFrame:
    zh = lang() == "zh"
    return pd.DataFrame(
        {
            tr("col_severity"): [
                (tr("errors") if p.severity == "error" else tr("warnings"))
                for p in prepared.problems
            ],
            tr("col_feature"): [str(p.feature or "") for p in prepared.problems],
            tr("col_code"): [p.code or "" for p in prepared.problems],
            tr("col_problem"): [p.title("zh" if zh else "en") for p in prepared.problems],
            tr("col_detail"): [in_language(p.detail, lang()) for p in prepared.problems],
            tr("col_where"): [
                "" if p.lon is None else f"{p.lon:.5f}, {p.lat:.5f}" for p in prepared.problems
            ],
        }
    )


def _bounds(geoms: list) -> LngLatBbox:
    present = [g for g in geoms if g is not None]
    if not present:
        return CITY_ENVELOPE
    return LngLatBbox(*shapely.total_bounds(present))


def _focus(marks: list[ProblemMark], candidates: list, selected: int | None) -> LngLatBbox:
    if selected is not None and selected < len(marks):
        box = problem_bounds(marks[selected])
        if box is not None:
            return box
    return _bounds(candidates)


@st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
def _preview_html(_prepared: PreparedUpload, key: str, selected: int | None, language: str) -> str:
    """The preview map's HTML (cached per upload, selected problem and language)."""
    prepared = _prepared
    parents = prepared.base_parents
    c = prepared.result.candidates
    in_file = set(prepared.result.scope_parents)
    parents = parents[parents["code"].isin(in_file)] if len(in_file) else parents
    diff = prepared.diff
    changed = set(diff.reshaped["code"]) | set(diff.removed["code"])
    base = prepared.base_in_scope
    current = outlines_from(base[base["code"].isin(changed)]) if len(base) else []
    new = [
        Outline(str(code), str(name), geom)
        for code, name, geom in zip(c.code, c.name, c.geom, strict=True)
        if geom is not None
    ]
    changes = {
        "added": outlines_from(diff.added),
        "removed": outlines_from(diff.removed),
        "reshaped": outlines_from(diff.reshaped, "new"),
        "renamed": [o for o in new if o.code in set(diff.renamed["code"])],
    }
    marks = [
        ProblemMark(
            p.severity,
            p.title(language),
            in_language(p.detail, language),
            p.feature,
            p.code,
            p.lon,
            p.lat,
            p.geometry,
        )  # fmt: skip
        for p in prepared.problems
    ]
    labels = {key: tr(key) for key in PREVIEW_TEXT} | {"current": tr("current_layer")}
    fmap = preview_map(
        outlines_from(parents),
        current,
        new,
        changes,
        marks,
        _focus(marks, list(c.geom), selected),
        labels,
        get_settings().basemap_url,
    )
    return offline_html(fmap, _assets())


def _metrics(prepared: PreparedUpload) -> None:
    errors = sum(p.severity == "error" for p in prepared.problems)
    counts = prepared.diff.counts()
    cols = st.columns(8)
    cols[0].metric(tr("features"), f"{len(prepared.result.candidates.code):,}")
    cols[1].metric(tr("errors"), f"{errors:,}")
    cols[2].metric(tr("warnings"), f"{len(prepared.problems) - errors:,}")
    for col, key in zip(
        cols[3:], ["added", "removed", "reshaped", "renamed", "reparented"], strict=True
    ):
        col.metric(tr(key), f"{counts[key]:,}")


def _diff_tables(prepared: PreparedUpload) -> None:
    diff = prepared.diff
    with st.expander(tr("diff")):
        for key, frame in [
            ("added", diff.added.drop(columns="geom")),
            ("removed", diff.removed.drop(columns="geom")),
            ("reshaped", diff.reshaped.drop(columns=["old", "new"])),
            ("renamed", diff.renamed),
            ("reparented", diff.reparented),
            ("recoded", diff.recoded),
        ]:
            if len(frame):
                st.markdown(f"**{tr(key)}** ({len(frame):,})")
                st.dataframe(frame.round(1), hide_index=True, width="stretch")


def _units(level: str) -> tuple[str, str]:
    """The words for the level and its parent level in the page's language."""
    codes = (level, PARENT_LEVEL[level])
    words = [vocabulary.name(vocabulary.AREA_LEVELS, code, lang()) for code in codes]
    return (words[0], words[1]) if lang() == "zh" else (words[0].lower(), words[1].lower())


def _named(removal: Removal) -> str:
    """The first removed areas as 'name (code)', markdown-safe, and how many more."""
    shown = [f"{literal(a.name)} ({literal(a.code)})" for a in removal.areas[:NAMES_SHOWN]]
    more = len(removal.areas) - NAMES_SHOWN
    return ("、" if lang() == "zh" else ", ").join(shown) + (
        tr("and_more").format(n=f"{len(removal.areas):,}") if more > 0 else ""
    )


def _removal_notice(removal: Removal) -> None:
    """Under the figures: what the file's missing areas mean, parent by parent."""
    if not removal:
        return
    unit, parent_unit = _units(removal.level)
    lines = [
        tr("removal_summary").format(
            n=f"{len(removal.areas):,}",
            unit=unit,
            incidents=f"{removal.incidents:,}",
            open=f"{removal.open_incidents:,}",
        )  # fmt: skip
    ]
    for p in removal.parents[:NAMES_SHOWN]:
        gone = tr("removal_all" if p.removed >= p.before else "removal_some").format(
            name=literal(p.name), code=literal(p.code), before=p.before, removed=p.removed,
            unit=unit,
        )  # fmt: skip
        after = tr("removal_empty" if p.after == 0 else "removal_after")
        lines.append(f"- {gone}{after.format(after=p.after, unit=unit, parent=parent_unit)}")
    if len(removal.parents) > NAMES_SHOWN:
        more = f"{len(removal.parents) - NAMES_SHOWN:,}"
        lines.append(f"- {tr('removal_more_parents').format(n=more, parent=parent_unit)}")
    st.warning("\n".join(lines))


def _removal_confirmation(removal: Removal) -> bool:
    """Inside the publish form: the areas that would go, and a confirmation naming them."""
    if not removal:
        return False
    unit, _ = _units(removal.level)
    st.dataframe(
        pd.DataFrame(
            {
                tr("col_code"): [a.code for a in removal.areas],
                tr("col_name"): [a.name for a in removal.areas],
                tr("col_parent"): [a.parent_code for a in removal.areas],
                tr("col_incidents"): [a.incidents for a in removal.areas],
                tr("col_open"): [a.open_incidents for a in removal.areas],
                tr("col_recoded"): [a.recoded_as or "" for a in removal.areas],
            }
        ),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(removal.areas) + 1) + 3, 250),
    )
    return st.checkbox(
        tr("removal_confirm").format(
            n=f"{len(removal.areas):,}",
            unit=unit,
            names=_named(removal),
            incidents=f"{removal.incidents:,}",
        ),  # fmt: skip
        key=_removal_key(removal),
    )


def _removal_key(removal: Removal) -> str:
    """The removal checkbox's key: a confirmation holds only for the areas it named."""
    codes = "|".join(a.code for a in removal.areas)
    return f"bnd_confirm_removal_{hashlib.sha256(codes.encode()).hexdigest()[:12]}"


def _publish_form(prepared: PreparedUpload, user: User) -> None:
    st.subheader(tr("publish"))
    if not prepared.can_publish:
        st.warning(tr("cannot_publish"))
        return
    removal = prepared.removal
    with st.form("bnd_publish"):
        cols = st.columns([1, 2])
        cols[0].text_input(tr("actor"), value=user.username, disabled=True, key="bnd_actor")
        cols[1].text_input(tr("note"), key="bnd_note")
        _removal_confirmation(removal)
        st.checkbox(tr("confirm"), key="bnd_confirm")
        st.form_submit_button(
            tr("publish_button"), type="primary", on_click=_publish, args=(prepared,)
        )


def _publish(prepared: PreparedUpload) -> None:
    """The publish button (its callback, once): the upload checked and shown when it was
    pressed becomes the new version (a second press is refused: its base is no longer
    current). Areas the file leaves out go only when their own confirmation is ticked."""
    user = acting_user("boundaries")
    if user is None:
        return
    removal = prepared.removal
    allow_removal = bool(removal) and bool(st.session_state.get(_removal_key(removal)))
    with acting(PAGE, "{reason}", lang()) as outcome:
        if removal and not allow_removal:
            unit, _ = _units(removal.level)
            raise Refused(
                tr("removal_refused").format(
                    n=f"{len(removal.areas):,}",
                    unit=unit,
                    names=_named(removal),
                    incidents=f"{removal.incidents:,}",
                    open=f"{removal.open_incidents:,}",
                )  # fmt: skip
            )
        if not st.session_state.get("bnd_confirm"):
            raise Refused(tr("confirm"))
        try:
            with connection(user) as conn:
                result = publish(
                    conn, prepared, user.username, st.session_state.get("bnd_note") or "",
                    client_address(), allow_removal=allow_removal,
                )  # fmt: skip
        except (PublishError, DataError) as exc:
            raise Refused(error_text(exc, lang())) from exc
        _prepare.clear()
        _preview_html.clear()
        moved = result.reassigned
        outcome.done = (
            f"{tr('published')} {result.version_id} · {tr('moved')} {moved.moved:,} · "
            f"{tr('unplaced')} {moved.unplaced:,} · {result.seconds:.1f} s"
        )


def _audit_upload(name: str, data: bytes, digest: str, user: User) -> None:
    """One audit entry per file uploaded in this session."""
    if st.session_state.get("bnd_audited") == digest:
        return
    with shown_errors(), connection(user) as conn:
        record(
            conn, user.username, "boundary_upload", name,
            {"bytes": len(data), "sha256": digest}, client_address(),
        )  # fmt: skip
    st.session_state["bnd_audited"] = digest


def _upload_tab(version_id: int | None, user: User) -> None:
    upload, level, partial = _upload_inputs()
    if upload is None:
        return
    digest = hashlib.sha256(upload.getvalue()).hexdigest()
    reading = _read_upload(upload, digest, user)
    if reading is None:
        return
    raw = reading.raw
    with shown_errors(), connection(user) as conn:
        tree = _tree(level, version_id, user)
        suggested, how = choose_mapping(conn, raw, level, set(tree.parents["code"]))
    mapping = _mapping_form(raw, level, suggested)
    cols = st.columns(2)
    options = UploadOptions(
        level=level,
        layer=reading.layer,
        encoding=reading.encoding,
        crs=reading.crs,
        gcj02=reading.gcj02,
        mapping=mapping,
        repair=cols[0].checkbox(tr("repair"), key="bnd_repair"),
        clip_to_parent=cols[1].checkbox(tr("clip"), key="bnd_clip"),
        partial=partial,
    )
    prepared = _checked(digest, raw, options, version_id, user)
    if prepared is not None:
        _show_checked(prepared, digest, f"{digest}-{options}-{version_id}", how, user)


def _upload_inputs() -> tuple[UploadedFile | None, str, bool]:
    """The file, its level and whether it updates part of the level."""
    cols = st.columns([3, 2])
    upload = file_upload(
        tr("file"), UPLOAD_TYPES, "bnd_file", button=tr("upload_button"),
        limits=tr("upload_limits").format(mb=UPLOAD_MB),
        max_mb=UPLOAD_MB, container=cols[0],
    )  # fmt: skip
    level = cols[1].radio(
        tr("level"),
        LEVELS,
        format_func=lambda v: vocabulary.name(vocabulary.AREA_LEVELS, v, lang()),
        horizontal=True,
        key="bnd_level",
    )
    partial = cols[1].checkbox(tr("partial"), key="bnd_partial")
    return upload, level, partial


@dataclass(frozen=True)
class _Reading:
    """A file read, with the reading options the person chose."""

    raw: RawLayer
    layer: str | None
    encoding: str | None
    crs: str | None
    gcj02: bool


def _read_upload(upload: UploadedFile, digest: str, user: User) -> _Reading | None:
    """The uploaded file read (audited), with the reading options chosen; None if unreadable."""
    data = upload.getvalue()
    _audit_upload(upload.name, data, digest, user)
    layers = st.session_state.get("bnd_layers", [])
    encoding, crs, layer, gcj02 = _read_options(layers)
    try:
        raw = _read(digest, data, upload.name, layer, encoding)
    except BoundaryFileError as exc:
        st.error(error_text(exc, lang()))
        return None
    if raw.info.layers != layers:
        st.session_state["bnd_layers"] = raw.info.layers
        if len(raw.info.layers) > 1:
            st.rerun()
    encoding_used = raw.info.encoding
    st.markdown(
        f"**{tr('read_as')}**: {raw.info.format} · {raw.info.layer} · "
        f"{len(raw.geometries):,} {tr('features')} · "
        f"{tr('encoding')} {encoding_used.name if encoding_used else '—'}"
    )
    for notice in raw.info.notices:
        st.caption(f"ℹ️ {notice}")
    st.caption(tr("attributes"))
    st.dataframe(raw.attributes.head(5), hide_index=True, width="stretch")
    return _Reading(raw, layer, encoding, crs, gcj02)


def _checked(
    digest: str, raw: RawLayer, options: UploadOptions, version_id: int | None, user: User
) -> PreparedUpload | None:
    """The upload checked against the current version; None (with the reason shown) if not."""
    try:
        prepared = _prepare(digest, raw, options, version_id, user)
        st.session_state["bnd_crs_needed"] = False
    except CrsProblem as exc:
        st.session_state["bnd_crs_needed"] = True
        st.error(error_text(exc, lang()))
        if exc.candidates:
            st.markdown(f"**{tr('crs_candidates')}**")
        for k, candidate in enumerate(exc.candidates):
            st.button(
                f"{candidate.choice} · {candidate.name} · {candidate.inside_share:.0%}",
                key=f"bnd_candidate_{k}",
                on_click=_choose_crs,
                args=(candidate.choice, candidate.gcj02),
            )
        return None
    except (BoundaryFileError, DataError) as exc:
        st.error(error_text(exc, lang()))
        return None
    return prepared


def _show_checked(
    prepared: PreparedUpload, digest: str, preview_key: str, how: str, user: User
) -> None:
    """What the check found, the preview, the differences and the publish form."""
    st.caption(
        f"{tr('crs')}: {prepared.crs.label} · {tr('mapping_how')}: {how} · "
        f"{tr('timings')}: " + ", ".join(f"{k} {v:.2f}s" for k, v in prepared.timings.items())
    )
    if prepared.crs.note:
        st.warning(prepared.crs.note)
    _metrics(prepared)
    _removal_notice(prepared.removal)
    st.subheader(tr("problems"))
    selected = None
    if prepared.problems:
        st.caption(tr("pick_problem"))
        event = st.dataframe(
            _problem_table(prepared),
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key=f"bnd_problems_{digest[:8]}",
        )
        rows = event.selection.rows if event is not None else []
        selected = rows[0] if rows else None
    else:
        st.success(tr("no_problems"))
    st.subheader(tr("preview"))
    html = _preview_html(prepared, preview_key, selected, lang())
    st.iframe(html, height=620)
    _diff_tables(prepared)
    _publish_form(prepared, user)


def _versions_tab(user: User) -> None:
    with shown_errors(), connection(user) as conn:
        versions = boundary_versions(conn)
        events = boundary_events(conn)
    st.subheader(tr("versions"))
    st.dataframe(
        pd.DataFrame(
            {
                tr("col_id"): [v.id for v in versions],
                tr("col_current"): ["✔" if v.is_current else "" for v in versions],
                tr("col_time"): [format_cst(v.created_at) for v in versions],
                tr("col_by"): [v.created_by for v in versions],
                tr("col_source"): [v.source for v in versions],
                tr("col_sizes"): [v.sizes_text for v in versions],
                tr("col_changes"): [v.changes_text for v in versions],
                tr("col_note"): [v.note for v in versions],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(tr("events"))
    st.dataframe(
        pd.DataFrame(
            {
                tr("col_time"): [format_cst(e.at) for e in events],
                tr("col_by"): [e.actor for e in events],
                tr("col_action"): [e.action_text for e in events],
                tr("col_source"): [e.file_name for e in events],
                tr("col_changes"): [e.summary_text for e in events],
                tr("col_note"): [e.note for e in events],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    older = [v.id for v in versions if not v.is_current]
    if not older:
        return
    with st.form("bnd_rollback"):
        cols = st.columns([1, 1, 2])
        cols[0].selectbox(tr("rollback_to"), older, key="bnd_rollback_target")
        cols[1].text_input(
            tr("actor"), value=user.username, disabled=True, key="bnd_rollback_actor"
        )
        cols[2].text_input(tr("note"), key="bnd_rollback_note")
        st.checkbox(tr("confirm"), key="bnd_rollback_confirm")
        st.form_submit_button(tr("rollback_button"), on_click=_rollback)


def _rollback() -> None:
    """The rollback button (its callback, once): back to the version chosen in its form."""
    user = acting_user("boundaries")
    target = st.session_state.get("bnd_rollback_target")
    if user is None or target is None or not st.session_state.get("bnd_rollback_confirm"):
        return
    with acting(PAGE, "{reason}", lang()) as outcome:
        try:
            with connection(user) as conn:
                result = rollback(
                    conn, int(target), user.username,
                    st.session_state.get("bnd_rollback_note") or "", client_address(),
                )  # fmt: skip
        except (PublishError, DataError) as exc:
            raise Refused(error_text(exc, lang())) from exc
        _prepare.clear()
        _preview_html.clear()
        outcome.done = (
            f"{tr('rolled_back')} {result.version_id} · {tr('moved')} "
            f"{result.reassigned.moved:,} · {result.seconds:.1f} s"
        )


def render(user: User) -> None:
    """Draw the page."""
    st.title(tr("page"))
    st.caption(tr("caption"))
    show_outcome(PAGE)
    version_id = _header(user)
    upload_tab, versions_tab = st.tabs([tr("tab_upload"), tr("tab_versions")])
    with upload_tab:
        _upload_tab(version_id, user)
    with versions_tab:
        _versions_tab(user)


render(require("boundaries"))
