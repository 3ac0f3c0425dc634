-- The measurements with ingest_day in [$first_day, $last_day] with a DNS answer that matched a DNS
-- fingerprint (imap_dns_answer_matches, classify_dns_answer_matches.sql), by row number, as the
-- temporary table imap_dns_matched_rows: classify_rule_rows.sql sends them through the rules. Only
-- measurements with an answer the control did not also give, as there.
-- One hash join of the unnested answers, whatever the number of matched addresses (testing each
-- row's list against a constant list of them instead cost 0.3 CPU s per 1.5 million rows with five
-- addresses and 8.7 s with three hundred).
CREATE OR REPLACE TEMP TABLE imap_dns_matched_rows AS
SELECT DISTINCT a.measurement_row
FROM (
    SELECT rowid AS measurement_row, unnest(dns_answers) AS answer
    FROM measurements m
    WHERE ingest_day BETWEEN $first_day AND $last_day AND NOT imap_answers_in_control(m)
) a
SEMI JOIN imap_dns_answer_matches USING (answer);
