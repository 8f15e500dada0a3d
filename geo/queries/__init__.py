"""Read queries, one module per subject; each function answers one question."""
