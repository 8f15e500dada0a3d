"""Users, roles and what each role may open; the signed-in user's area scope."""

from __future__ import annotations

from dataclasses import dataclass

from geo.filters import Scope

ROLES = ("operator", "leader", "gis_staff", "admin")
AREA_LEVELS = ("city", "district", "street", "community")

# What each role may open: page permissions by url path. Admins may open everything.
# The city overview compares every district: it is for city-level users only.
CITY_ONLY = frozenset({"overview"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "operator": frozenset({"live", "desk", "warnings"}),
    "leader": frozenset({"live", "overview", "drilldown", "warnings", "reports"}),
    "gis_staff": frozenset({"boundaries"}),
    "admin": frozenset(
        {
            "live",
            "overview",
            "drilldown",
            "boundaries",
            "desk",
            "warnings",
            "users",
            "audit",
            "settings",
            "reports",
        }
    ),
}


@dataclass(frozen=True)
class User:
    """A signed-in user: a role, and one area of the tree it works in (the city for city staff)."""

    username: str
    role: str
    area_code: str
    area_level: str
    center_code: str | None
    display_name: str

    @property
    def scope(self) -> Scope:
        """The area this user may see, as a query scope (the whole city for city staff)."""
        if self.area_level == "city":
            return Scope()
        return Scope(self.area_level, self.area_code)

    def may(self, role_or_permission: str) -> bool:
        """True when the user has this role, or the role grants this permission (page key)."""
        if role_or_permission in ROLES:
            return self.role == role_or_permission or self.role == "admin"
        if role_or_permission in CITY_ONLY and self.area_level != "city":
            return False
        return role_or_permission in PERMISSIONS.get(self.role, frozenset())
