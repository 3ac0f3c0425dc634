-- The body samples of the candidate pages of imap_rule_input (classify_rule_input.sql), read by row
-- number so the scan decodes no other page; matching.py matches them once per distinct body.
SELECT measurement_key, http_body_sample AS body
FROM measurements
WHERE rowid IN (SELECT measurement_row FROM imap_rule_input WHERE page_candidate)
  AND http_body_sample IS NOT NULL
