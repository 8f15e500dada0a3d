"""Every text key a page uses exists in Chinese and English, English text is English, and every
key a table holds is used.

Pages look a key up in their own table (`dashboard/*_text.py`, imported as TABLE) and then in
the common one (`dashboard/i18n.TEXT`); the words of levels, statuses, sources, roles and
actions come from one vocabulary (`geo/vocabulary.py`).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from dashboard.i18n import TEXT
from dashboard.widgets.filters import WINDOWS
from geo import auth, vocabulary
from geo.auth.audit import ACTIONS
from geo.boundaries.cli_support import ROLES as MAPPING_ROLES
from geo.live.grid_status import COLORS, MEASURES
from geo.publish.rules import PERIOD_KINDS
from geo.rules.describe import FILES, KEYS, SECTIONS
from geo.settings import MEANINGS, Settings
from geo.warnings import actions as warning_actions
from geo.warnings.rules import KINDS as WARNING_KINDS
from geo.workflow.transitions import ANSWERS, RESULTS, TRANSITIONS
from layers.drill import CASE_COLOURS
from layers.forecast import CHART_LABELS

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "dashboard"
# The code that shows interface text: the pages, the layers they draw, the app's menu.
SHOWING = sorted(
    [*DASHBOARD.rglob("*.py"), *(ROOT / "layers").rglob("*.py"), ROOT / "streamlit_app.py"]
)
PAGES = sorted(p for p in DASHBOARD.rglob("*.py") if not p.name.endswith("_text.py"))
# t("key"), tr("key"), t("key", TABLE), t('key')
_CALL = re.compile(r"""\b(?:t|tr)\(\s*["']([a-z][a-z0-9_]*)["']""")
_TABLE_IMPORT = re.compile(r"^from dashboard\.(\w+_text) import TABLE", re.MULTILINE)
_CJK = re.compile(r"[\u3400-\u9fff]")
# English text that names the other language on purpose
_BILINGUAL = {"language"}
# A table's own entry ("key": {"zh": …), which is no use of the key
_ENTRY = re.compile(r"""^\s*["']([a-z][a-z0-9_]*)["']:\s*\{""", re.MULTILINE)
# Keys the code builds from a code (t("status_" + case.status), t(f"role_{r}")): each prefix
# with the codes it is built from. A key of a family counts as used only for those codes.
FAMILIES: dict[str, tuple[str, ...]] = {
    "role_": (*auth.ROLES, *MAPPING_ROLES),
    "level_": (*vocabulary.AREA_LEVELS, *vocabulary.CENTER_LEVELS),
    "center_level_": tuple(vocabulary.CENTER_LEVELS),
    "status_": tuple(vocabulary.STATUSES),
    "act_": tuple(TRANSITIONS),
    "event_": ("reported", *(step.event for step in TRANSITIONS.values())),
    "res_": RESULTS,
    "ans_": ANSWERS,
    "state_": tuple(CASE_COLOURS),
    "fc_": CHART_LABELS,
    # the live map's layer switches (LAYERS of dashboard/live_map.py: a page runs when imported)
    "layer_": ("grid_status", "heat", "centers", "incidents", "warnings", "forecast"),
    "window_": WINDOWS,
    "color_": COLORS,
    "area_status_": COLORS,
    "measure_": MEASURES,
    "rep_": PERIOD_KINDS,
    "warn_status_": tuple(vocabulary.WARNING_STATUSES),
    "warn_kind_": WARNING_KINDS,
    "warn_": tuple(warning_actions.ACTIONS),
    "action_": ("raised", *warning_actions.TO_STATUS.values()),
}


def _tables() -> dict[str, dict[str, dict[str, str]]]:
    names = sorted(p.stem for p in DASHBOARD.glob("*_text.py"))
    return {name: importlib.import_module(f"dashboard.{name}").TABLE for name in names}


def _keys_of(page: Path) -> tuple[set[str], list[dict[str, dict[str, str]]]]:
    source = page.read_text(encoding="utf-8")
    tables = [_tables()[name] for name in _TABLE_IMPORT.findall(source)]
    return set(_CALL.findall(source)), tables


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DASHBOARD)))
def test_every_key_a_page_uses_exists_in_both_languages(page):
    keys, tables = _keys_of(page)
    if not tables:  # widgets get the page's `t`: any page's table may hold the key
        tables = list(_tables().values())
    known = {k: v for table in [TEXT, *reversed(tables)] for k, v in table.items()}
    missing = []
    for key in sorted(keys):
        if key.endswith("_"):  # t("status_" + code): a family of keys, checked below
            found = [v for k, v in known.items() if k.startswith(key)]
        else:
            found = [known[key]] if key in known else []
        if not found or not all(entry.get("zh") and entry.get("en") for entry in found):
            missing.append(key)
    assert not missing, f"{page.name}: no text in both languages for {missing}"


@pytest.mark.parametrize("name", ["i18n", *sorted(_tables())])
def test_every_entry_has_chinese_and_english_text(name):
    table = TEXT if name == "i18n" else _tables()[name]
    for key, entry in table.items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key
        if key not in _BILINGUAL:
            assert not _CJK.search(entry["en"]), f"{name}.{key}: Chinese in the English text"


def _vocabulary_tables() -> dict[str, dict[str, vocabulary.Label]]:
    return {
        name: value
        for name, value in vars(vocabulary).items()
        if name.isupper() and isinstance(value, dict) and value
        and all(isinstance(v, vocabulary.Label) for v in value.values())
    }  # fmt: skip


def test_the_vocabulary_has_each_word_in_both_languages():
    tables = _vocabulary_tables()
    assert {"AREA_LEVELS", "CENTER_LEVELS", "STATUSES", "SOURCES", "ROLES", "AUDIT_ACTIONS"} <= (
        set(tables)
    )
    for name, table in tables.items():
        for code, label in table.items():
            assert _CJK.search(label.zh), f"{name}.{code}: no Chinese"
            assert label.en and not _CJK.search(label.en), f"{name}.{code}: English has Chinese"
    for category in vocabulary.CATEGORIES.values():
        assert _CJK.search(category.zh) and not _CJK.search(category.en)
        for label in category.subcategories.values():
            assert _CJK.search(label.zh) and not _CJK.search(label.en)


def test_one_word_for_each_level_and_status_everywhere():
    """The disagreements of issue 15 (街道 vs 街道(乡镇), 待分办 vs 已上报) cannot come back:
    pages, reports, messages and the boundary check take the same word."""
    from dashboard.auth_text import TABLE as AUTH
    from dashboard.desk_text import TABLE as DESK
    from dashboard.live_text import TABLE as LIVE
    from geo.boundaries.check import LEVEL_ZH as CHECK_LEVELS
    from geo.reports.labels import CENTER_LEVEL_ZH, LEVEL_ZH, STATUS_ZH
    from geo.workflow.messages import STATUS_NAMES

    for code, label in vocabulary.AREA_LEVELS.items():
        assert LEVEL_ZH[code] == label.zh
        assert code == "city" or CHECK_LEVELS[code] == label.zh
        assert code == "grid" or AUTH[f"level_{code}"]["zh"] == label.zh
    for code, label in vocabulary.STATUSES.items():
        assert STATUS_ZH[code] == LIVE[f"status_{code}"]["zh"] == label.zh
        assert STATUS_NAMES[code]["zh"] == DESK[f"status_{code}"]["zh"] == label.zh
    for code, label in vocabulary.CENTER_LEVELS.items():
        assert CENTER_LEVEL_ZH[code] == DESK[f"level_{code}"]["zh"] == label.zh
    for code in vocabulary.ROLES:
        assert AUTH[f"role_{code}"]["en"] == vocabulary.ROLES[code].en


def test_every_audit_action_setting_and_rule_has_a_meaning():
    assert set(ACTIONS) == set(vocabulary.AUDIT_ACTIONS)
    assert set(Settings.model_fields) == set(MEANINGS)
    for zh, en in MEANINGS.values():
        assert _CJK.search(zh) and not _CJK.search(en)
    for label in [*FILES.values(), *SECTIONS.values(), *KEYS.values()]:
        assert _CJK.search(label.zh) and not _CJK.search(label.en)


def _showing_code(*, entries: bool) -> str:
    """The text of the code that shows interface text (with or without the tables' entries)."""
    parts = []
    for path in SHOWING:
        source = path.read_text(encoding="utf-8")
        if path.name.endswith("_text.py") or path.name == "i18n.py":
            source = _ENTRY.sub("", source) if entries else ""
        parts.append(source)
    return "\n".join(parts)


def _in_family(key: str) -> bool:
    return any(
        key.startswith(prefix) and key[len(prefix) :] in codes for prefix, codes in FAMILIES.items()
    )


def test_every_key_a_table_holds_is_used():
    code = _showing_code(entries=True)
    tables = {"i18n": TEXT, **_tables()}
    unused = [
        f"{name}.{key}"
        for name, table in tables.items()
        for key in table
        if f'"{key}"' not in code and f"'{key}'" not in code and not _in_family(key)
    ]
    assert not unused, f"text no code shows: {unused}"


@pytest.mark.parametrize("prefix", sorted(FAMILIES))
def test_each_family_of_keys_is_built_by_the_code(prefix):
    built = re.compile(rf"""(["']){prefix}\1\s*\+|\bf(["']){prefix}\{{""")
    assert built.search(_showing_code(entries=False)), f"no code builds a key from {prefix!r}"
