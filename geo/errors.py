"""The error hierarchy: every failure a user can meet, each with a clear default message."""

from __future__ import annotations

from typing import ClassVar


class MinqingError(Exception):
    """Base of all errors the project raises on purpose; its message is meant for a person."""

    default_message = "民情地图 failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class ConfigError(MinqingError):
    """A setting is missing or malformed."""

    default_message = "A setting is missing or malformed"


class DatabaseError(MinqingError):
    """The database cannot be reached or refused what was asked."""

    default_message = "The database cannot be reached"


class DatabaseUnreachable(DatabaseError):
    """No server answers at the configured address."""

    default_message = "No PostgreSQL server answers at the configured address"


class PostGISMissing(DatabaseError):
    """The database answers but has no PostGIS extension and cannot create it."""

    default_message = "The database has no PostGIS extension"


class LocalClusterError(MinqingError):
    """The self-managed local PostgreSQL cluster cannot be created, started or stopped."""

    default_message = "The local PostgreSQL cluster failed"


class MissingSystemPackage(LocalClusterError):
    """A system package the local cluster needs (PostgreSQL, PostGIS) is not installed."""

    default_message = "PostgreSQL or PostGIS is not installed"


class MigrationError(DatabaseError):
    """A schema migration failed or the migration files are inconsistent."""

    default_message = "A schema migration failed"


class DataError(MinqingError):
    """Input data was rejected; nothing was written."""

    default_message = "The data was rejected; nothing was written"


class BilingualError(MinqingError):
    """A refusal whose reason exists in Chinese and English, by message key.

    Subclasses set `messages` ({key: {"zh": …, "en": …}}); `text(lang)` gives one language,
    the exception's message holds both (for the command line and logs).
    """

    messages: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(f"{self.text('zh')} / {self.text('en')}")

    def text(self, lang: str = "zh") -> str:
        """The reason in one language ('zh', else English)."""
        lang = "zh" if lang == "zh" else "en"
        return self.messages[self.key][lang].format(**self.values(lang))

    def values(self, lang: str) -> dict[str, str]:
        """The parameters the message is formatted with (a subclass may add names)."""
        return dict(self.params)
