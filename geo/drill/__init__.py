"""The drill-down: a step per area and period from the daily rollups, and the safety index."""
