-- Scalar helpers of the classification SQL, as temporary macros of the connection
-- (warehouse.classification.sql_support applies this file before any classification statement).

-- A private, loopback, link-local, shared, documentation, benchmark, multicast or reserved address
-- (RFC 6890; IPv6: unspecified, loopback, unique-local fc00::/7, link-local fe80::/10, documentation
-- 2001:db8::/32 and IPv4-mapped bogons). A DNS answer there cannot be the public website: it is
-- blocking (127.0.0.1, 0.0.0.0), a device on the probe's own network (10.10.10.1) or a broken record.
-- One anchored RE2 match per address: this runs on every DNS answer of a year of measurements.
CREATE OR REPLACE TEMP MACRO imap_is_bogon(ip) AS (
    CASE
        WHEN ip IS NULL THEN NULL
        WHEN contains(ip, ':') THEN regexp_matches(lower(ip),
            '^(::1?$|f[cd][0-9a-f]{0,2}:|fe[89ab][0-9a-f]?:|2001:db8:|::ffff:((0|10|127|22[4-9]|2[3-5][0-9])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|169\.254\.|172\.(1[6-9]|2[0-9]|3[01])\.|192\.168\.|198\.1[89]\.|192\.0\.[02]\.|198\.51\.100\.|203\.0\.113\.))')
        ELSE regexp_matches(ip, '^((0|10|127|22[4-9]|2[3-5][0-9])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|169\.254\.|172\.(1[6-9]|2[0-9]|3[01])\.|192\.168\.|198\.1[89]\.|192\.0\.[02]\.|198\.51\.100\.|203\.0\.113\.)[0-9.]*$')
    END
);

-- Failure strings (OONI's vocabulary; the parser maps common `unknown_failure: ...` texts onto it)
-- grouped by what they mean for a judgment. `site` failures are the website's own doing (a broken
-- redirect, a redirect loop), `local` ones the probe's own network (no IPv6 route, no network).
CREATE OR REPLACE TEMP MACRO imap_failure_kind(f) AS (
    CASE
        WHEN f IS NULL THEN NULL
        WHEN f IN ('dns_nxdomain_error', 'dns_name_error', 'android_dns_cache_no_data') THEN 'nxdomain'
        WHEN f IN ('dns_no_answer', 'dns_no_data') THEN 'no_answer'
        WHEN f IN ('dns_refused_error') THEN 'dns_refused'
        WHEN f IN ('dns_server_misbehaving', 'dns_servfail_error') THEN 'servfail'
        WHEN starts_with(f, 'dns_') OR starts_with(f, 'android_dns') THEN 'dns_other'
        WHEN f IN ('network_unreachable', 'host_unreachable', 'network_down', 'address_family_not_supported')
            OR contains(f, 'unreachable') OR contains(f, 'no route to host') THEN 'unreachable'
        WHEN contains(f, 'redirect') OR f IN ('http_request_failed', 'http_unexpected_status_code') THEN 'site'
        WHEN contains(f, 'timeout') OR contains(f, 'timed out') THEN 'timeout'
        WHEN contains(f, 'reset') THEN 'reset'
        WHEN f IN ('eof_error', 'connection_closed') OR contains(f, 'eof') THEN 'eof'
        WHEN contains(f, 'refused') THEN 'refused'
        WHEN starts_with(f, 'ssl_') OR contains(f, 'certificate') THEN 'cert'
        ELSE 'other'
    END
);

CREATE OR REPLACE TEMP MACRO imap_is_dns_kind(kind) AS (
    kind IN ('nxdomain', 'no_answer', 'dns_refused', 'servfail', 'dns_other')
);

-- The method label of a failure at a layer: dns.nxdomain, tcp.timeout, tls.reset, http.eof, ...
CREATE OR REPLACE TEMP MACRO imap_failure_method(layer, kind) AS (
    layer || '.' || CASE
        WHEN kind IS NULL THEN 'failure'
        WHEN layer = 'dns' AND kind = 'timeout' THEN 'timeout'
        WHEN layer = 'dns' AND NOT imap_is_dns_kind(kind) THEN 'failure'
        WHEN kind = 'dns_other' THEN 'failure'
        WHEN kind = 'dns_refused' THEN 'refused'
        WHEN kind = 'other' THEN 'failure'
        ELSE kind
    END
);

-- Hostname of a URL, lower-case, without port or credentials (string functions: a capturing
-- regular expression costs microseconds a call).
CREATE OR REPLACE TEMP MACRO imap_url_authority(url) AS (
    split_part(split_part(split_part(split_part(url, '://', 2), '/', 1), '?', 1), '#', 1)
);
CREATE OR REPLACE TEMP MACRO imap_url_host(url) AS (
    lower(CASE
        WHEN starts_with(split_part(imap_url_authority(url), '@', -1), '[')
            THEN split_part(split_part(split_part(imap_url_authority(url), '@', -1), ']', 1), '[', 2)
        ELSE split_part(split_part(imap_url_authority(url), '@', -1), ':', 1)
    END)
);

-- A page title as compared with the control's: lower-case, trimmed, runs of whitespace (RE2's \s:
-- tab, newline, form feed, carriage return, space) as one space. Most titles have no whitespace but
-- single spaces, and for them the regular expression, the costly part, is skipped (it would change
-- nothing).
CREATE OR REPLACE TEMP MACRO imap_title_key(t) AS (
    CASE
        WHEN NOT (contains(t, '  ') OR contains(t, chr(9)) OR contains(t, chr(10)) OR contains(t, chr(12))
                  OR contains(t, chr(13))) THEN lower(trim(t))
        ELSE lower(regexp_replace(trim(t), '\s+', ' ', 'g'))
    END
);

-- Two hostnames of the same site: equal once a leading "www." is dropped, or one a subdomain of
-- the other (example.com and m.example.com), as redirects within a site do.
CREATE OR REPLACE TEMP MACRO imap_strip_www(host) AS (
    CASE WHEN starts_with(host, 'www.') THEN substr(host, 5) ELSE host END
);
CREATE OR REPLACE TEMP MACRO imap_same_site(a, b) AS (
    a IS NOT NULL AND b IS NOT NULL AND (
        imap_strip_www(a) = imap_strip_www(b)
        OR ends_with(a, '.' || imap_strip_www(b))
        OR ends_with(b, '.' || imap_strip_www(a))
    )
);

-- The probe's own verdict was an anomaly (OONI Explorer's): its `blocking` was neither false nor null.
-- (The view measurement_judgments of schema.sql writes the same out, as views cannot use these macros.)
CREATE OR REPLACE TEMP MACRO imap_probe_anomaly(probe_blocking) AS (
    probe_blocking IS NOT NULL AND probe_blocking NOT IN ('false', 'none')
);

-- One-sided Wilson score bounds of k successes in n trials with normal quantile z.
CREATE OR REPLACE TEMP MACRO imap_wilson_lower(k, n, z) AS (
    CASE WHEN n > 0 THEN greatest(0.0,
        ((k / n) + z * z / (2 * n) - z * sqrt((k / n) * (1 - k / n) / n + z * z / (4 * n * n))) / (1 + z * z / n))
    END
);
CREATE OR REPLACE TEMP MACRO imap_wilson_upper(k, n, z) AS (
    CASE WHEN n > 0 THEN least(1.0,
        ((k / n) + z * z / (2 * n) + z * sqrt((k / n) * (1 - k / n) / n + z * z / (4 * n * n))) / (1 + z * z / n))
    END
);


-- The ingest-time checks of the system resolver's answers (measurements.dns_answers_in_control,
-- dns_answers_explained and dns_first_answer_bogon, ooni_ingest.extract.answer_checks), computed here
-- from the lists for rows stored before those columns existed (NULL). The first two are false without
-- answers, the third NULL. Take a `measurements` row.
CREATE OR REPLACE TEMP MACRO imap_answers_in_control(m) AS (
    coalesce(m.dns_answers_in_control,
             len(coalesce(m.dns_answers, [])) > 0 AND list_has_all(coalesce(m.control_dns_addrs, []), m.dns_answers))
);
CREATE OR REPLACE TEMP MACRO imap_answers_explained(m) AS (
    coalesce(m.dns_answers_explained,
             len(coalesce(m.dns_answers, [])) > 0
             AND list_has_all(coalesce(m.control_dns_addrs, []) || coalesce(m.doh_answers, []) || coalesce(m.tls_ok_ips, []),
                              m.dns_answers))
);
CREATE OR REPLACE TEMP MACRO imap_first_answer_bogon(m) AS (
    coalesce(m.dns_first_answer_bogon, imap_is_bogon(m.dns_answers[1]))
);

-- A measurement every judgment rule calls `ok` (the fast path of classify_judgments.sql): the
-- control answered, every DNS answer is one the control got too (and not a bogon), no failure,
-- and the final response has the control's status code and title. Takes a `measurements` row.
CREATE OR REPLACE TEMP MACRO imap_plainly_ok(m) AS (
    CASE
        WHEN m.control_failure IS NOT NULL OR m.control_http_failure IS NOT NULL OR m.control_http_status IS NULL THEN false
        WHEN m.http_experiment_failure IS NOT NULL OR m.http_failure IS NOT NULL OR m.http_status IS NULL THEN false
        WHEN m.http_status <> m.control_http_status OR m.http_title IS DISTINCT FROM m.control_http_title THEN false
        WHEN NOT imap_answers_in_control(m) THEN false
        ELSE NOT imap_first_answer_bogon(m)
    END
);

-- A verified HTTPS page that explains every DNS answer (the second fast path): the final response
-- came over TLS for the input URL itself (no redirect), with a verified handshake (0.4 verifies
-- inside the request, so its response is the proof), and every answer is one the control, DoH or a
-- verified handshake gave, or (0.4) the request verified them all; the first answer is no bogon.
-- The rules say `ok` (https_proof, no suspect answer) unless an answer matched a DNS fingerprint,
-- which imap_fast_ok checks. Takes a `measurements` row.
CREATE OR REPLACE TEMP MACRO imap_https_ok(m) AS (
    CASE
        WHEN m.http_experiment_failure IS NOT NULL OR m.http_failure IS NOT NULL OR m.http_status IS NULL THEN false
        WHEN coalesce(m.http_redirects, 0) <> 0 THEN false
        WHEN NOT starts_with(coalesce(m.http_request_url, m.input), 'https://') THEN false
        WHEN len(coalesce(m.dns_answers, [])) = 0 THEN false
        WHEN coalesce(imap_first_answer_bogon(m), true) THEN false
        WHEN coalesce(m.tls_attempts, 0) = 0 THEN true
        WHEN len(coalesce(m.tls_ok_ips, [])) = 0 THEN false
        ELSE imap_answers_explained(m)
    END
);

-- The fast path of the judgments (classify_rule_rows.sql leaves these out of the rules; the view
-- measurement_judgments of schema.sql derives their `ok`):
-- a plain success, or a verified HTTPS page none of whose answers matched a DNS fingerprint
-- (answer_matched: whether one did, from classify_dns_matched_rows.sql, which looks only at
-- measurements with an answer the control did not give: for the others the rules never consult DNS
-- fingerprints).
CREATE OR REPLACE TEMP MACRO imap_fast_ok(m, answer_matched) AS (
    CASE
        WHEN coalesce(imap_plainly_ok(m), false) THEN true
        ELSE coalesce(imap_https_ok(m), false) AND NOT answer_matched
    END
);
