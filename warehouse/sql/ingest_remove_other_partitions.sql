-- A measurement uploaded twice (two files, two upload days) must be stored once: the partition being
-- loaded takes it over from any other partition holding the same measurement_key. The judgment the
-- rules made of it there is removed (a fast-path one simply goes with the row, which the view no
-- longer finds there); the day being loaded then holds a measurement it did not hold before, so
-- ingest_settle_judgments.sql leaves it to be judged again.
-- Parameter: $ingest_day. The last statement returns the number of rows removed from other partitions.
DELETE FROM ruled_judgments
WHERE ingest_day <> $ingest_day
  AND measurement_key IN (SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day);
DELETE FROM measurements
WHERE ingest_day <> $ingest_day
  AND measurement_key IN (SELECT measurement_key FROM measurements WHERE ingest_day = $ingest_day);
