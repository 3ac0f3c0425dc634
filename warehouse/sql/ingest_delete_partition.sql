-- Empty one ingest partition (an ingest day) before it is loaded again, inside the load's transaction.
-- Parameter: $ingest_day.
DELETE FROM measurements WHERE ingest_day = $ingest_day;
DELETE FROM ingest_files WHERE ingest_day = $ingest_day;
DELETE FROM ingest_skips WHERE ingest_day = $ingest_day;
