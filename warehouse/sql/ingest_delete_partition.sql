-- Empty one ingest partition (an ingest day) before it is loaded again, inside the load's transaction.
-- Its judgments go too: the rules' rows and the record that the day was judged, from which the view
-- measurement_judgments derives the fast path's `ok` rows (schema.sql). Until the day is judged again
-- it has no judgments, rather than judgments of measurements it no longer holds.
-- Parameter: $ingest_day.
DELETE FROM measurements WHERE ingest_day = $ingest_day;
DELETE FROM ingest_files WHERE ingest_day = $ingest_day;
DELETE FROM ingest_skips WHERE ingest_day = $ingest_day;
DELETE FROM ruled_judgments WHERE ingest_day = $ingest_day;
DELETE FROM judged_days WHERE ingest_day = $ingest_day;
