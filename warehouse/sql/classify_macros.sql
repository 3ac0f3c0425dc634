-- Scalar helpers of the classification SQL, as temporary macros of the connection
-- (warehouse.classification.sql_support applies this file before any classification statement).

-- A private, loopback, link-local, shared, documentation, benchmark, multicast or reserved IPv4
-- address (RFC 6890). A DNS answer there cannot be the public website: it is either blocking
-- (127.0.0.1, 0.0.0.0), a device on the probe's own network (10.10.10.1) or a broken record.
CREATE OR REPLACE TEMP MACRO imap_is_bogon_v4(ip) AS (
    CASE
        WHEN NOT regexp_full_match(ip, '[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}') THEN NULL
        ELSE (
            TRY_CAST(split_part(ip, '.', 1) AS INTEGER) IN (0, 10, 127)
            OR TRY_CAST(split_part(ip, '.', 1) AS INTEGER) >= 224
            OR (split_part(ip, '.', 1) = '100' AND TRY_CAST(split_part(ip, '.', 2) AS INTEGER) BETWEEN 64 AND 127)
            OR (split_part(ip, '.', 1) = '169' AND split_part(ip, '.', 2) = '254')
            OR (split_part(ip, '.', 1) = '172' AND TRY_CAST(split_part(ip, '.', 2) AS INTEGER) BETWEEN 16 AND 31)
            OR (split_part(ip, '.', 1) = '192' AND split_part(ip, '.', 2) = '168')
            OR (split_part(ip, '.', 1) = '198' AND split_part(ip, '.', 2) IN ('18', '19'))
            OR starts_with(ip, '192.0.0.') OR starts_with(ip, '192.0.2.')
            OR starts_with(ip, '198.51.100.') OR starts_with(ip, '203.0.113.')
        )
    END
);

-- IPv4 as above; IPv6: unspecified, loopback, unique-local (fc00::/7), link-local (fe80::/10),
-- documentation (2001:db8::/32) and IPv4-mapped bogons.
CREATE OR REPLACE TEMP MACRO imap_is_bogon(ip) AS (
    CASE
        WHEN ip IS NULL THEN NULL
        WHEN contains(ip, ':') THEN (
            lower(ip) IN ('::', '::1')
            OR regexp_matches(lower(ip), '^(f[cd][0-9a-f]{0,2}|fe[89ab][0-9a-f]?):')
            OR starts_with(lower(ip), '2001:db8:')
            OR (starts_with(lower(ip), '::ffff:') AND coalesce(imap_is_bogon_v4(substr(ip, 8)), false))
        )
        ELSE coalesce(imap_is_bogon_v4(ip), false)
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

-- Hostname of a URL, lower-case, without port or credentials.
CREATE OR REPLACE TEMP MACRO imap_url_host(url) AS (
    lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)', 1))
);

-- Two hostnames of the same site: equal once a leading "www." is dropped, or one a subdomain of
-- the other (example.com and m.example.com), as redirects within a site do.
CREATE OR REPLACE TEMP MACRO imap_same_site(a, b) AS (
    a IS NOT NULL AND b IS NOT NULL AND (
        regexp_replace(a, '^www\.', '') = regexp_replace(b, '^www\.', '')
        OR ends_with(a, '.' || regexp_replace(b, '^www\.', ''))
        OR ends_with(b, '.' || regexp_replace(a, '^www\.', ''))
    )
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

