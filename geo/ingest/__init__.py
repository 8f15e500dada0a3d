"""Intake: incidents from the eight sources' exports (CSV, JSON lines, GeoJSON) into PostGIS.

`read.read_file` turns a file into raw rows, `store.ingest_incidents` (shared by the CLI, the
dashboard and future services) checks, places, routes and stores them in one transaction.
"""
