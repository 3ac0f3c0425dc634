-- Insert the partition's parsed rows (registered as `ingest_batch`, in the measurements schema), keeping
-- a measurement once: its first occurrence (by file, then line). The partition was emptied just before,
-- in the same transaction. The caller counts the rows left out as `duplicate`.
INSERT INTO measurements BY NAME
SELECT *
FROM ingest_batch
QUALIFY row_number() OVER (PARTITION BY measurement_key ORDER BY source_file, source_line NULLS LAST) = 1;
