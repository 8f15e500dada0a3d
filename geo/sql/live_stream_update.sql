-- One step of an open case; resolved_at, closed_at and result are set once and then kept.
UPDATE incidents
SET status = %(status)s, assigned_center = %(center)s, handling_level = %(level)s,
    escalations = %(escalations)s,
    resolved_at = coalesce(resolved_at, %(resolved_at)s),
    closed_at = coalesce(closed_at, %(closed_at)s),
    result = coalesce(result, %(result)s)
WHERE id = %(id)s
