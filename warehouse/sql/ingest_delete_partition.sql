-- Empty one ingest partition (an ingest day) before it is loaded again, inside the load's transaction.
-- Its judgments wait for ingest_settle_judgments.sql, which keeps them if the day's measurements come
-- back as they were: what it compares with is kept here (ingest_previous_rows: each row's key and a
-- hash of everything stored but where it was read from, the same expression as there).
-- Parameter: $ingest_day.
CREATE OR REPLACE TEMP TABLE ingest_previous_rows AS
SELECT measurement_key, hash(*COLUMNS(* EXCLUDE (ingest_day, ingest_source, source_file, source_line))) AS content
FROM measurements WHERE ingest_day = $ingest_day;
DELETE FROM measurements WHERE ingest_day = $ingest_day;
DELETE FROM ingest_files WHERE ingest_day = $ingest_day;
DELETE FROM ingest_skips WHERE ingest_day = $ingest_day;
