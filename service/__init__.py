"""The map service: HTTP routes over geo/ (OGC API Features and Tiles, push intake, Open311)."""
