-- A warehouse made before tier 1 was split (schema.sql: measurement_judgments, a view over
-- ruled_judgments and judged_days): its measurement_judgments table, holding every judgment, fast
-- path's included, has just been renamed ruled_judgments. Run once, in the same transaction. What the
-- old layout could hold that the view must not show:
-- 1. judgments of measurements their day no longer holds (the old take-over of a re-uploaded
--    measurement, and the old reload, left them behind): removed;
-- 2. days judged only in part (a reload that brought new measurements and was not judged since) or
--    with a measurement judged twice: their judgments are removed, so they show none until judged
--    again (verdicts_check.sql and the month_upload_days_judged check name them);
-- 3. every other day that holds measurements is complete: recorded as judged, by the rules alone.
DELETE FROM ruled_judgments r
WHERE NOT EXISTS (SELECT 1 FROM measurements m
                  WHERE m.ingest_day = r.ingest_day AND m.measurement_key = r.measurement_key);
CREATE OR REPLACE TEMP TABLE imap_migrated_days AS
SELECT m.ingest_day, m.measurements, coalesce(r.judgments, 0) = m.measurements
       AND coalesce(r.keys, 0) = m.measurements AS complete
FROM (SELECT ingest_day, count(*) AS measurements FROM measurements GROUP BY ingest_day) m
LEFT JOIN (SELECT ingest_day, count(*) AS judgments, count(DISTINCT measurement_key) AS keys
           FROM ruled_judgments GROUP BY ingest_day) r USING (ingest_day);
DELETE FROM ruled_judgments
WHERE ingest_day IN (SELECT ingest_day FROM imap_migrated_days WHERE NOT complete);
INSERT INTO judged_days
SELECT ingest_day, measurements, measurements, 0, now() FROM imap_migrated_days
WHERE complete AND ingest_day NOT IN (SELECT ingest_day FROM judged_days);
DROP TABLE imap_migrated_days;
