-- The distinct body samples of the candidate pages (imap_rule_rows.page_candidate, classify_rule_rows.sql),
-- each with the row numbers of the measurements that show it: read by row number, so the scan decodes
-- no other page, and grouped here (DuckDB groups the stored, mostly repeated, bodies cheaply) so that
-- matching.py matches each distinct body once.
SELECT http_body_sample AS body, list(rowid) AS measurement_row
FROM measurements
WHERE rowid IN (SELECT measurement_row FROM imap_rule_rows WHERE page_candidate)
  AND http_body_sample IS NOT NULL
GROUP BY http_body_sample
