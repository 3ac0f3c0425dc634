-- Insert one parsed batch (registered as `ingest_batch`, in the measurements schema) into the partition
-- being loaded, keeping a measurement once: the first occurrence in the batch, and none already loaded
-- into this partition by an earlier batch. The caller counts the rows left out as `duplicate`.
-- Parameter: $ingest_day.
INSERT INTO measurements BY NAME
SELECT batch.*
FROM ingest_batch AS batch
WHERE NOT EXISTS (
    SELECT 1 FROM measurements AS loaded
    WHERE loaded.ingest_day = $ingest_day AND loaded.measurement_key = batch.measurement_key
)
QUALIFY row_number() OVER (PARTITION BY batch.measurement_key ORDER BY batch.source_line NULLS LAST) = 1;
