-- Tier 1, the fast path: the measurements with ingest_day in [$first_day, $last_day] that are not
-- in imap_rule_rows (classify_rule_rows.sql) are `ok`, with no layer, method, failure, suspect
-- answer or fingerprint. Those are the measurements every rule of classify_judgments.sql says that
-- about (imap_fast_ok, classify_macros.sql):
--   plain successes (imap_plainly_ok): the control answered, every DNS answer is one the control
--     got too (and not a bogon), nothing failed, and the final response has the control's status
--     code and title; their answers and page are never candidates for a fingerprint match;
--   verified HTTPS pages (imap_https_ok) whose answers the control, DoH or the handshakes explain,
--     none of which matched a DNS fingerprint (imap_dns_matched_rows: the measurements with an answer
--     that did); a verified page is never matched against page fingerprints.
-- The tests run both ways over the synthetic corpus and OONI's QA samples and compare
-- (fast_path=False sends everything through the rules).
SELECT
    m.measurement_key,
    m.ingest_day,
    m.measurement_day,
    m.probe_cc,
    m.probe_asn,
    m.domain,
    'ok' AS outcome,
    false AS confirmed,
    false AS local_filtering,
    m.probe_blocking IS NOT NULL AND m.probe_blocking NOT IN ('false', 'none') AS probe_anomaly
FROM measurements m
WHERE m.ingest_day BETWEEN $first_day AND $last_day
  AND m.rowid NOT IN (SELECT measurement_row FROM imap_rule_rows)
