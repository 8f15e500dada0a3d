"""定期发布: the safety reports published on a schedule, kept with their rules (issue 17)."""
