-- The partition's per-file accounting (registered frames `ingest_files_batch`, `ingest_skips_batch`).
INSERT INTO ingest_files BY NAME SELECT * FROM ingest_files_batch;
INSERT INTO ingest_skips BY NAME SELECT * FROM ingest_skips_batch;
