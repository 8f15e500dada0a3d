"""Every text key a page uses exists in Chinese and English, and English text is English.

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
from geo import vocabulary
from geo.auth.audit import ACTIONS
from geo.rules.describe import FILES, KEYS, SECTIONS
from geo.settings import MEANINGS, Settings

DASHBOARD = Path(__file__).resolve().parent.parent / "dashboard"
PAGES = sorted(p for p in DASHBOARD.rglob("*.py") if not p.name.endswith("_text.py"))
# t("key"), tr("key"), t("key", TABLE), t('key')
_CALL = re.compile(r"""\b(?:t|tr)\(\s*["']([a-z][a-z0-9_]*)["']""")
_TABLE_IMPORT = re.compile(r"^from dashboard\.(\w+_text) import TABLE", re.MULTILINE)
_CJK = re.compile(r"[\u3400-\u9fff]")
# English text that names the other language on purpose
_BILINGUAL = {"language"}


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
