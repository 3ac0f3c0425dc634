-- What the rules (classify_judgments.sql) and the fingerprint matching read of the measurements of
-- imap_rule_rows (classify_rule_rows.sql), by row number, with the row's candidate flags. matching.py
-- fetches it as Arrow record batches and registers it as imap_rule_input: compact vectors in small
-- batches, which the rules' list functions and lambdas run on several times faster than on the rows
-- picked out of the table scan, and in parallel (a temporary table of 130,000 rows is one or two row
-- groups, so one or two threads).
SELECT
    m.rowid AS measurement_row, measurement_key, input, domain, ingest_day, measurement_day, probe_cc, probe_asn,
    resolver_asn, dns_experiment_failure, dns_failure, dns_answers, dns_answer_asns, doh_answers,
    tcp_failure, tcp_ok_ips, tls_attempts, tls_failure, tls_ok_ips, tls_failed_ips,
    http_experiment_failure, http_failure, http_request_url, http_redirects, http_status,
    http_body_length, http_body_truncated, http_title,
    control_failure, control_dns_failure, control_dns_addrs, control_dns_asns, control_tcp_ok,
    control_tcp_failures, control_tls_ok, control_tls_failures, control_http_failure,
    control_http_status, control_http_body_length, control_http_title, headers_match, probe_blocking,
    r.page_candidate, r.dns_candidate
FROM measurements m
JOIN imap_rule_rows r ON m.rowid = r.measurement_row
