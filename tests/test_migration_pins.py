"""Released migrations keep their text: an edit makes every migrated database refuse to start."""

from pathlib import Path

from geo.migrate import load_migrations

PINS = Path(__file__).with_name("migration_checksums.txt")


def _pins() -> dict[int, str]:
    rows = (line.split() for line in PINS.read_text().splitlines() if not line.startswith("#"))
    return {int(version): checksum for version, checksum in rows}


def test_every_migration_is_pinned_and_unchanged() -> None:
    """Each packaged migration's checksum equals its pin; a new one needs its pin added."""
    pins = _pins()
    for migration in load_migrations():
        assert migration.version in pins, (
            f"migration {migration.version:03d} is not pinned: add its checksum to {PINS.name}"
        )
        assert migration.checksum == pins[migration.version], (
            f"migration {migration.version:03d}_{migration.name} was edited after release: "
            "restore it and put the change in a new migration"
        )


def test_no_pinned_migration_was_removed() -> None:
    """A pinned migration is still packaged: databases that applied it expect it."""
    assert set(_pins()) <= {m.version for m in load_migrations()}
