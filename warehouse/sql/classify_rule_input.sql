-- The measurements with ingest_day in [$first_day, $last_day] that go through the rules of
-- classify_judgments.sql, with what the rules and the fingerprint matching read, as the temporary
-- table imap_rule_input. With $fast_path, all but those every rule calls `ok` with nothing to
-- report (imap_fast_ok, classify_macros.sql: plain successes, verified HTTPS pages whose answers
-- are explained and matched no DNS fingerprint), which classify_fast_path.sql judges; without it,
-- all of them. The test runs on the few columns it needs first (imap_rule_rows, by DuckDB rowid,
-- valid within the judging transaction), then only those rows are read in full: filtering full
-- rows would copy every column of every row once more, and joining on the row number lets the scan
-- skip the page bodies of the others. The matching, the rules and the fast path then find their
-- measurements here.
--
-- page_candidate: a page worth matching against block page fingerprints. A response whose title or
-- status differs from the control's, or that came through an answer neither the control nor a
-- verified handshake vouches for, or has no control; a verified HTTPS response of the input URL
-- itself is the site's page (https_proof) and is left out. Each condition rules out a fast-path
-- measurement, and together they are a superset of the pages the rules consult. Their headers are
-- kept here; their body samples are read by row for these only (classify_candidate_pages.sql).
CREATE OR REPLACE TEMP TABLE imap_rule_rows AS
SELECT rowid AS measurement_row
FROM measurements m
WHERE ingest_day BETWEEN $first_day AND $last_day
  AND NOT ($fast_path AND imap_fast_ok(m, imap_dns_matched_answers()));

CREATE OR REPLACE TEMP TABLE imap_rule_input AS
SELECT
    measurement_row, measurement_key, input, domain, ingest_day, measurement_day, probe_cc, probe_asn, resolver_asn,
    dns_experiment_failure, dns_failure, dns_answers, dns_answer_asns, doh_answers,
    tcp_failure, tcp_ok_ips, tls_attempts, tls_failure, tls_ok_ips, tls_failed_ips,
    http_experiment_failure, http_failure, http_request_url, http_redirects, http_status,
    http_body_length, http_body_truncated, http_title,
    control_failure, control_dns_failure, control_dns_addrs, control_dns_asns, control_tcp_ok,
    control_tcp_failures, control_tls_ok, control_tls_failures, control_http_failure,
    control_http_status, control_http_body_length, control_http_title, headers_match, probe_blocking,
    page_candidate,
    CASE WHEN page_candidate THEN http_headers END AS http_headers
FROM (
    SELECT
        rowid AS measurement_row,
        *,
        -- (a CASE, so the list tests run only on the rows that get that far)
        CASE
            WHEN http_experiment_failure IS NOT NULL OR http_status IS NULL OR http_failure IS NOT NULL THEN false
            WHEN coalesce(starts_with(coalesce(http_request_url, input), 'https://') AND coalesce(http_redirects, 0) = 0
                          AND (coalesce(tls_attempts, 0) = 0 OR len(tls_ok_ips) > 0), true) THEN false
            WHEN http_title IS DISTINCT FROM control_http_title OR http_status IS DISTINCT FROM control_http_status
                 OR control_http_status IS NULL THEN true
            WHEN list_has_all(coalesce(control_dns_addrs, []), coalesce(dns_answers, [])) THEN false
            ELSE NOT list_has_all(coalesce(tls_ok_ips, []), coalesce(dns_answers, []))
        END AS page_candidate
    FROM measurements
    WHERE rowid IN (SELECT measurement_row FROM imap_rule_rows)
);
