-- The measurements with ingest_day in [$first_day, $last_day] that go through the rules of
-- classify_judgments.sql, as the temporary table imap_rule_rows: their DuckDB row number (valid
-- within the judging transaction) and what the fingerprint matching needs to know of them. With
-- $fast_path, all but those every rule calls `ok` with nothing to report (imap_fast_ok,
-- classify_macros.sql: plain successes, verified HTTPS pages whose answers are explained and matched
-- no DNS fingerprint), whose judgments the view measurement_judgments derives (schema.sql); without
-- it, all of them. Only the narrow columns of the test are read here, mostly the answer checks
-- stored at ingest; the rules then read their measurements in full by row number
-- (classify_rule_input.sql).
--
-- page_candidate: a page worth matching against block page fingerprints. A response whose title or
-- status differs from the control's, or that came through an answer neither the control nor a
-- verified handshake vouches for, or has no control; a verified HTTPS response of the input URL
-- itself is the site's page (https_proof) and is left out. Each condition rules out a fast-path
-- measurement, and together they are a superset of the pages the rules consult.
-- dns_candidate: an answer matched a DNS fingerprint (imap_dns_matched_rows, which holds only
-- measurements where not every answer is one the control also got: answers the control also gave
-- cannot be block answers).
-- (CASEs, so the list tests run only on the rows that get that far.)
CREATE OR REPLACE TEMP TABLE imap_rule_rows AS
SELECT
    measurement_row,
    CASE
        WHEN http_experiment_failure IS NOT NULL OR http_status IS NULL OR http_failure IS NOT NULL THEN false
        WHEN coalesce(starts_with(coalesce(http_request_url, input), 'https://') AND coalesce(http_redirects, 0) = 0
                      AND (coalesce(tls_attempts, 0) = 0 OR len(tls_ok_ips) > 0), true) THEN false
        WHEN http_title IS DISTINCT FROM control_http_title OR http_status IS DISTINCT FROM control_http_status
             OR control_http_status IS NULL THEN true
        -- every answer is one the control got (trivially so without answers)
        WHEN len(coalesce(dns_answers, [])) = 0 OR imap_answers_in_control(m) THEN false
        ELSE NOT list_has_all(coalesce(tls_ok_ips, []), dns_answers)
    END AS page_candidate,
    answer_matched AS dns_candidate
FROM (
    SELECT *, rowid AS measurement_row, rowid IN (SELECT measurement_row FROM imap_dns_matched_rows) AS answer_matched
    FROM measurements
    WHERE ingest_day BETWEEN $first_day AND $last_day
) m
WHERE NOT ($fast_path AND imap_fast_ok(m, answer_matched));
