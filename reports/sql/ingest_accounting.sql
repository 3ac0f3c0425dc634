-- Files read and lines skipped by the ingest partitions that can hold the period's measurements
-- (upload days of the period plus the late-upload margin).
SELECT
    'files' AS kind, NULL AS reason, count(*) AS count,
    count(*) FILTER (WHERE NOT coalesce(complete, true)) AS incomplete
FROM ingest_files
WHERE ingest_day BETWEEN $start AND $ingest_end
UNION ALL
SELECT 'skipped' AS kind, reason, sum(count)::BIGINT AS count, NULL AS incomplete
FROM ingest_skips
WHERE ingest_day BETWEEN $start AND $ingest_end
GROUP BY reason
ORDER BY kind, count DESC, reason
