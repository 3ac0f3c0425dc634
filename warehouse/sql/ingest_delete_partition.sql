-- Empty one ingest partition (an ingest day) before it is loaded again, inside the load's transaction.
-- Its judgments wait for ingest_settle_judgments.sql, which keeps them if the day's measurements come
-- back as they were; the keys it compares with are kept here (ingest_previous_keys).
-- Parameter: $ingest_day.
CREATE OR REPLACE TEMP TABLE ingest_previous_keys AS
SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day;
DELETE FROM measurements WHERE ingest_day = $ingest_day;
DELETE FROM ingest_files WHERE ingest_day = $ingest_day;
DELETE FROM ingest_skips WHERE ingest_day = $ingest_day;
