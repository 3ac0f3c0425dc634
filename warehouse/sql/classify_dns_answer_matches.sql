-- The DNS answers that match a DNS fingerprint rule, among the answers of measurements with
-- ingest_day in [$first_day, $last_day], as the temporary table imap_dns_answer_matches (answer and
-- rule): read by classify_fingerprint_matches.sql (which keeps the answers the control did not also
-- give: only those can be block answers) and by classify_dns_matched_rows.sql, which keeps their
-- measurements off the fast path. Each distinct address is matched once: a hash join for `full`
-- rules, the few other rules against the distinct addresses only. Only measurements with an answer
-- the control did not also give are looked at (14 % of the Cambodian mix): a DNS fingerprint counts
-- for no other (dns_candidate in classify_rule_rows.sql), and without one they take the same path.
CREATE OR REPLACE TEMP TABLE imap_dns_answer_matches AS
WITH
distinct_answers AS (
    SELECT DISTINCT unnest(dns_answers) AS answer
    FROM measurements m
    WHERE ingest_day BETWEEN $first_day AND $last_day AND NOT imap_answers_in_control(m)
)
-- `specificity` orders matches of equal strength: an exact address before a range or a pattern.
SELECT a.answer, r.name, r.scope, r.can_confirm, r.countries, 0 AS specificity
FROM distinct_answers a
JOIN imap_fingerprint_rules r ON r.location_found = 'dns' AND r.pattern_type = 'full' AND a.answer = r.pattern
UNION ALL
SELECT a.answer, r.name, r.scope, r.can_confirm, r.countries, 1 AS specificity
FROM distinct_answers a
JOIN imap_fingerprint_rules r ON r.location_found = 'dns' AND r.pattern_type <> 'full'
 AND CASE r.pattern_type
         WHEN 'prefix' THEN starts_with(a.answer, r.pattern)
         WHEN 'contains' THEN contains(a.answer, r.pattern)
         ELSE regexp_matches(a.answer, r.pattern) END;
