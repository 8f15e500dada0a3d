"""Small widgets shared by pages: filters, the KPI strip, the map panel."""
