-- Per upload day (ingest_day) in $first..$last: measurements stored, source files read and their
-- lines. For the data-health checks (warehouse/health.py). A day with neither rows nor files is absent.
SELECT
    day,
    coalesce(m.measurements, 0) AS measurements,
    coalesce(f.files, 0) AS files,
    coalesce(f.lines, 0) AS lines
FROM (
    SELECT ingest_day AS day, count(*) AS measurements
    FROM measurements WHERE ingest_day BETWEEN $first AND $last GROUP BY 1
) AS m
FULL OUTER JOIN (
    SELECT ingest_day AS day, count(DISTINCT source_file) AS files, sum(lines)::BIGINT AS lines
    FROM ingest_files WHERE ingest_day BETWEEN $first AND $last GROUP BY 1
) AS f USING (day)
ORDER BY day
