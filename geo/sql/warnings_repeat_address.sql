-- Rule repeat_address: one address (spaces ignored) reporting at least min_reports times in
-- the window. The window's reports are counted per address first (one short column); only
-- the reports of the addresses that qualify are then gathered in full. The warning shows the
-- address as most often written and sits at the mean of its reports' points, in the grid
-- most of them were assigned to.
WITH many AS (
    SELECT regexp_replace(address, '\s+', '', 'g') AS address
    FROM incidents
    WHERE reported_at >= %(start)s AND reported_at < %(now)s AND btrim(address) <> ''
    GROUP BY 1
    HAVING count(*) >= %(min_reports)s
),
s AS (
    SELECT m.address,
           count(*) AS n,
           count(DISTINCT i.category) AS categories,
           mode() WITHIN GROUP (ORDER BY i.category) AS category,
           mode() WITHIN GROUP (ORDER BY i.address) AS written,
           mode() WITHIN GROUP (
               ORDER BY ARRAY[i.district_code, i.street_code, i.community_code, i.grid_code]
           ) AS codes,
           ST_Centroid(ST_Collect(i.geom)) AS geom,
           min(i.reported_at) AS first_at,
           max(i.reported_at) AS last_at,
           (array_agg(i.id ORDER BY i.reported_at DESC))[1:20] AS ids
    FROM incidents i
    JOIN many m ON m.address = regexp_replace(i.address, '\s+', '', 'g')
    WHERE i.reported_at >= %(start)s AND i.reported_at < %(now)s
    GROUP BY m.address
)
SELECT 'repeat_address'::text AS kind,
       'repeat_address:' || md5(s.address) AS dedup_key,
       s.codes[1] AS district_code, s.codes[2] AS street_code, s.codes[3] AS community_code,
       s.codes[4] AS grid_code,
       s.geom,
       s.category,
       s.written AS address,
       jsonb_build_object(
           'observed', s.n,
           'days', %(days)s,
           'categories', s.categories,
           'first_at', s.first_at,
           'last_at', s.last_at,
           'incident_ids', s.ids) AS figures,
       %(start)s::timestamptz AS window_start,
       %(now)s::timestamptz AS window_end
FROM s
