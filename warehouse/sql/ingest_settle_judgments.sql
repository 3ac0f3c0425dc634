-- After a day is loaded again (inside the load's transaction, once other days' copies of its
-- measurements are removed): its judgments stay when it holds the same measurements as before (the
-- same keys; a measurement's content does not change under its id), as re-running a day from the same
-- files does. Otherwise they go, the rules' rows and the record that the day was judged, from which
-- the view measurement_judgments derives the fast path's `ok` (schema.sql): until the day is judged
-- again it has no judgments, rather than judgments of rows it no longer holds or `ok` for rows never
-- judged, and verdicts_check.sql names it. Parameter: $ingest_day.
CREATE OR REPLACE TEMP TABLE ingest_day_changed AS
SELECT EXISTS (
    SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day
    EXCEPT SELECT measurement_key FROM ingest_previous_keys
) OR EXISTS (
    SELECT measurement_key FROM ingest_previous_keys
    EXCEPT SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day
) AS changed;
DELETE FROM ruled_judgments WHERE ingest_day = $ingest_day AND (SELECT changed FROM ingest_day_changed);
DELETE FROM judged_days WHERE ingest_day = $ingest_day AND (SELECT changed FROM ingest_day_changed);
