-- Tier 2: fingerprint candidates for measurement days [$first_day, $last_day].
--
-- Among anomalous measurements (our judgment is not ok, or the probe itself flagged an anomaly):
--   dns        answers the control, DoH and verified TLS did not explain, shared by >= $min_domains_dns domains
--   http_body  non-empty response bodies (by SHA-1) shared by >= $min_domains_http domains
--   http_title response titles shared by >= $min_domains_http domains
-- with the evidence a reviewer needs. Reads measurements, measurement_judgments and the temporary
-- view imap_fingerprint_rules (classify_fingerprint_rules.sql).
WITH
period AS (
    SELECT m.*, j.outcome, j.method, j.suspect_answers
    FROM measurements m JOIN measurement_judgments j USING (measurement_key)
    WHERE m.measurement_day BETWEEN $first_day AND $last_day AND ($country IS NULL OR m.probe_cc = $country)
),
anomalous AS (
    SELECT * FROM period WHERE outcome <> 'ok' OR coalesce(probe_blocking NOT IN ('false', 'none'), false)
),
control_addrs AS (SELECT DISTINCT unnest(control_dns_addrs) AS addr FROM period),
verified_addrs AS (SELECT DISTINCT unnest(tls_ok_ips) AS addr FROM period),
control_titles AS (SELECT DISTINCT lower(control_http_title) AS title FROM period WHERE control_http_title IS NOT NULL),
dns_answers AS (
    SELECT a.measurement_uid, a.domain, a.probe_asn, a.measurement_day, u.answer,
           len(a.dns_answers) = 1 AND list_contains(a.dns_answer_asns, a.probe_asn) AS in_probe_asn
    FROM anomalous a, unnest(a.suspect_answers) AS u(answer)
),
domain_counts AS (
    SELECT answer, domain, count(*) AS n FROM dns_answers GROUP BY ALL
),
dns_candidates AS (
    SELECT
        'dns' AS kind, 'dns' AS location_found, d.answer AS pattern,
        count(DISTINCT d.domain)::INTEGER AS domain_count,
        list(DISTINCT d.probe_asn ORDER BY d.probe_asn) AS asns,
        count(*)::INTEGER AS measurements,
        min(d.measurement_day) AS first_day, max(d.measurement_day) AS last_day,
        imap_is_bogon(d.answer) AS is_bogon,
        bool_or(d.in_probe_asn) AS in_probe_asn,
        d.answer IN (SELECT addr FROM control_addrs) AS control_returned,
        d.answer IN (SELECT addr FROM verified_addrs) AS verified_tls,
        (list(d.measurement_uid ORDER BY d.measurement_day DESC) FILTER (WHERE d.measurement_uid IS NOT NULL))[1:5]
            AS example_measurement_uids,
        NULL::VARCHAR AS sample
    FROM dns_answers d
    GROUP BY d.answer
    HAVING count(DISTINCT d.domain) >= $min_domains_dns
),
pages AS (
    SELECT * FROM anomalous
    WHERE http_body_sha1 IS NOT NULL AND coalesce(http_body_length, 0) > 0 AND http_failure IS NULL
),
page_groups AS (
    SELECT 'http_body' AS kind, 'body' AS location_found, http_body_sha1 AS pattern, * EXCLUDE (http_body_sha1)
    FROM pages
    UNION ALL BY NAME
    SELECT 'http_title' AS kind, 'title' AS location_found, http_title AS pattern, *
    FROM pages WHERE coalesce(trim(http_title), '') <> ''
),
http_candidates AS (
    SELECT
        kind, location_found, pattern,
        count(DISTINCT domain)::INTEGER AS domain_count,
        list(DISTINCT probe_asn ORDER BY probe_asn) AS asns,
        count(*)::INTEGER AS measurements,
        min(measurement_day) AS first_day, max(measurement_day) AS last_day,
        NULL::BOOLEAN AS is_bogon, NULL::BOOLEAN AS in_probe_asn,
        lower(any_value(http_title)) IN (SELECT title FROM control_titles) AS control_returned,
        NULL::BOOLEAN AS verified_tls,
        (list(measurement_uid ORDER BY measurement_day DESC) FILTER (WHERE measurement_uid IS NOT NULL))[1:5]
            AS example_measurement_uids,
        concat_ws(' | ', any_value(http_title), left(regexp_replace(any_value(http_body_sample), '\s+', ' ', 'g'), 300))
            AS sample
    FROM page_groups
    GROUP BY kind, location_found, pattern
    HAVING count(DISTINCT domain) >= $min_domains_http
),
candidates AS (
    SELECT * FROM dns_candidates UNION ALL BY NAME SELECT * FROM http_candidates
),
top_domains AS (
    SELECT c.kind, c.pattern, list(p.domain ORDER BY p.n DESC, p.domain)[1:25] AS domains
    FROM candidates c
    JOIN (
        SELECT 'dns' AS kind, answer AS pattern, domain, n FROM domain_counts
        UNION ALL
        SELECT kind, pattern, domain, count(*) AS n FROM page_groups GROUP BY ALL
    ) p USING (kind, pattern)
    GROUP BY c.kind, c.pattern
),
known AS (
    SELECT c.kind, c.pattern, min(r.name) AS matched_fingerprint
    FROM candidates c
    JOIN imap_fingerprint_rules r ON (
        (c.kind = 'dns' AND r.location_found = 'dns' AND CASE r.pattern_type
            WHEN 'full' THEN c.pattern = r.pattern WHEN 'prefix' THEN starts_with(c.pattern, r.pattern)
            WHEN 'contains' THEN contains(c.pattern, r.pattern) ELSE regexp_matches(c.pattern, r.pattern) END)
        OR (c.kind <> 'dns' AND r.location_found = 'body' AND r.pattern_type = 'contains'
            AND contains(c.sample, r.pattern)))
    GROUP BY c.kind, c.pattern
)
SELECT $label AS period_label, c.*, t.domains, k.matched_fingerprint
FROM candidates c
LEFT JOIN top_domains t USING (kind, pattern)
LEFT JOIN known k USING (kind, pattern)
ORDER BY c.domain_count DESC, c.measurements DESC
