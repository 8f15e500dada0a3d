"""Boundary files from GIS staff: read, map, check, preview, diff, publish and roll back.

The flow is one way: `read` (bytes to raw features) → `crs` (to EPSG:4490) → `mapping`
(fields to code/name/parent/kind) → `check` (problems, feature by feature) → `diff` (against
the current version) → `publish` (one transaction: a new version, incidents re-assigned).
`prepare.prepare_upload` runs the steps before publication for the page and the CLI.
"""
