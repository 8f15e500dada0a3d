-- Seed speed (issue 2): schema work a bulk load commits first and finishes afterwards in
-- parallel connections (index builds, foreign-key validations, the rollup recount). Each row is
-- one statement written by the project itself (index definitions read from the catalog, fixed
-- statements), deleted in the same transaction that runs it; rows left over after a failure
-- are finished by `minqing db migrate`, so no index or check is ever lost.
CREATE TABLE deferred_statements (
    id         serial PRIMARY KEY,
    statement  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON deferred_statements FROM PUBLIC, minqing_app;
