-- Rows each source file kept in the partition just loaded (the rest of its rows were duplicates).
SELECT source_file, count(*) FROM measurements WHERE ingest_day = $ingest_day GROUP BY source_file
