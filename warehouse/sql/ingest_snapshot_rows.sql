-- Before a judged day is emptied and loaded again (inside the load's transaction): each of its rows'
-- key and a hash of everything stored but where it was read from, which ingest_settle_judgments.sql
-- compares with the rows loaded (the same expression there). Only judged days pay for it: a day loaded
-- for the first time, or never judged, has no judgments to keep. Parameter: $ingest_day.
CREATE OR REPLACE TEMP TABLE ingest_previous_rows AS
SELECT measurement_key, hash(*COLUMNS(* EXCLUDE (ingest_day, ingest_source, source_file, source_line))) AS content
FROM measurements WHERE ingest_day = $ingest_day;
