-- After a judged day is loaded again (inside the load's transaction, once other days' copies of its
-- measurements are removed): its judgments stay when it holds the same measurements as before, each
-- as stored before (key and content; where it was read from aside, see ingest_snapshot_rows.sql),
-- as re-running a day from the same files does. Otherwise (measurements added, gone, taken by another
-- day, or parsed differently by a newer imap) they go: the rules' rows and the record that the day was
-- judged, from which the view measurement_judgments derives the fast path's `ok` (schema.sql). Until
-- the day is judged again it has no judgments, rather than judgments of rows it no longer holds or
-- `ok` for rows never judged, and verdicts_check.sql names it. Parameter: $ingest_day.
CREATE OR REPLACE TEMP TABLE ingest_day_changed AS
WITH current_rows AS (
    SELECT measurement_key, hash(*COLUMNS(* EXCLUDE (ingest_day, ingest_source, source_file, source_line))) AS content
    FROM measurements WHERE ingest_day = $ingest_day
)
SELECT EXISTS (SELECT * FROM current_rows EXCEPT SELECT * FROM ingest_previous_rows)
    OR EXISTS (SELECT * FROM ingest_previous_rows EXCEPT SELECT * FROM current_rows) AS changed;
DELETE FROM ruled_judgments WHERE ingest_day = $ingest_day AND (SELECT changed FROM ingest_day_changed);
DELETE FROM judged_days WHERE ingest_day = $ingest_day AND (SELECT changed FROM ingest_day_changed);
