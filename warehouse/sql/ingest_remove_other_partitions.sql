-- A measurement uploaded twice (two files, two upload days) must be stored once: the partition being
-- loaded takes it over from any other partition holding the same measurement_key, with the judgment
-- the rules made of it there (a fast-path judgment goes with the row: the view derives it).
-- Parameter: $ingest_day. The last statement returns the number of rows removed from other partitions.
DELETE FROM ruled_judgments
WHERE ingest_day <> $ingest_day
  AND measurement_key IN (SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day);
DELETE FROM measurements
WHERE ingest_day <> $ingest_day
  AND measurement_key IN (SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day);
