"""The spatial core of 民情地图: settings, PostGIS, rules, ingest and the CLI (no Streamlit)."""
