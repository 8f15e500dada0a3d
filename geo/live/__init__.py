"""The live map: open cases, grid colour status, heat and workloads, shared per scope."""
