"""The map service's core: API clients, OGC API collections and tiles, pushed reports, the
change feed and Open311's view of cases. No HTTP here (that is `service/`)."""
