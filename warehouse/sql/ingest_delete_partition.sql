-- Empty one ingest partition (an ingest day) before it is loaded again, inside the load's transaction.
-- Its judgments wait for ingest_settle_judgments.sql (ingest_snapshot_rows.sql kept what it compares
-- with, when the day was judged). Parameter: $ingest_day.
DELETE FROM measurements WHERE ingest_day = $ingest_day;
DELETE FROM ingest_files WHERE ingest_day = $ingest_day;
DELETE FROM ingest_skips WHERE ingest_day = $ingest_day;
