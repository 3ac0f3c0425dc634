-- A measurement uploaded twice (two files, two upload days) must be stored once: the partition being
-- loaded takes it over from any other partition holding the same measurement_key.
-- Parameter: $ingest_day. Returns the number of rows removed from other partitions.
DELETE FROM measurements
WHERE ingest_day <> $ingest_day
  AND measurement_key IN (SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day);
