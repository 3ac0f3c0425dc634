-- Record the ingest days of [$first_day, $last_day] that hold measurements as judged (judged_days),
-- once their rule judgments are stored in ruled_judgments: how many measurements each had, how many
-- the rules judged and how many the fast path found plainly `ok`, which the view
-- measurement_judgments derives (schema.sql). Returns the fast-path count of each day.
INSERT INTO judged_days
SELECT d.ingest_day, d.measurements, coalesce(r.ruled, 0), d.measurements - coalesce(r.ruled, 0), now()
FROM (
    SELECT ingest_day, count(*) AS measurements FROM measurements
    WHERE ingest_day BETWEEN $first_day AND $last_day GROUP BY ingest_day
) d
LEFT JOIN (
    SELECT ingest_day, count(*) AS ruled FROM ruled_judgments
    WHERE ingest_day BETWEEN $first_day AND $last_day GROUP BY ingest_day
) r USING (ingest_day)
RETURNING fast_path
