-- Tier 1: one judgment per measurement, for measurements with ingest_day in [$first_day, $last_day].
--
-- Reads `measurements`, `networks` and the temporary view imap_fingerprint_rules; needs the macros
-- of classify_macros.sql and the page matchers imap_body_hits / imap_body_regexp_maybe
-- (warehouse.classification.sql_support: RE2 alternations of the body patterns).
-- The rules are explained in README "Classification"; in short, first match wins:
--   DNS   : a bogon answer, a fingerprinted answer, or an answer neither the control, DoH nor a
--           verified TLS handshake explains; a failed lookup where the name resolves out-of-band.
--   HTTPS : a response over verified TLS from the same site proves access.
--   pages : fingerprinted block pages; known false positives (Cloudflare challenges).
--   errors: the failing layer is compared with the control: the same failure there means `down`.
--   pages : a plain-HTTP page unlike the control's is `http.diff`.
WITH
-- Only what the rules read: page bodies and headers stay in `measurements` until the few
-- candidate pages need them (carrying 4 KB samples through every step costs more than the rules).
-- Not materialised: each reader scans the columns it needs, cheaper than copying them all once.
scope AS NOT MATERIALIZED (
    SELECT
        measurement_key, measurement_uid, report_id, input, domain, ingest_day, measurement_day,
        measurement_start_time, probe_cc, probe_asn, resolver_asn, test_version,
        dns_experiment_failure, dns_failure, dns_answers, dns_answer_asns, doh_answers,
        tcp_failure, tcp_ok_ips, tls_attempts, tls_failure, tls_ok_ips, tls_failed_ips,
        http_experiment_failure, http_failure, http_request_url, http_redirects, http_status,
        http_body_length, http_body_truncated, http_title,
        control_failure, control_dns_failure, control_dns_addrs, control_dns_asns, control_tcp_ok,
        control_tcp_failures, control_tls_ok, control_tls_failures, control_http_failure,
        control_http_status, control_http_body_length, control_http_title, headers_match, probe_blocking
    FROM measurements
    WHERE ingest_day BETWEEN $first_day AND $last_day
),
reference_networks AS (
    SELECT
        coalesce(list(asn) FILTER (WHERE kind = 'cdn'), []) AS cdn_asns,
        coalesce(list(asn) FILTER (WHERE kind = 'dns_filtering'), []) AS filtering_asns
    FROM networks
),
-- Expressions below are CASEs that take the cheap exit first: DuckDB evaluates a CASE branch only
-- on the rows that reach it, while AND and OR evaluate both sides on every row. Most measurements
-- are plain successes, so the costly tests (lambdas over lists, Unicode lower-casing) stay rare.
base AS (
    SELECT
        s.*,
        -- A plain success (imap_plainly_ok): every rule below says `ok`; it takes the first branch
        -- of each CASE and costs next to nothing. ($fast_path = false runs the full rules on it, as
        -- the tests do to prove both ways agree.)
        $fast_path AND imap_plainly_ok(s) AS plain,
        -- The control answered (OONI's test helper, the site seen from outside).
        (s.control_failure IS NULL AND (
            s.control_dns_failure IS NOT NULL OR len(coalesce(s.control_dns_addrs, [])) > 0
            OR s.control_http_status IS NOT NULL OR s.control_http_failure IS NOT NULL
            OR s.control_tcp_ok IS NOT NULL)) AS ctrl_present,
        coalesce(s.control_dns_addrs, []) AS ctrl_addrs,
        coalesce(s.doh_answers, []) AS doh,
        coalesce(s.dns_answers, []) AS answers,
        coalesce(s.tcp_ok_ips, []) AS tcp_ok,
        coalesce(s.tls_ok_ips, []) AS tls_ok,
        coalesce(s.http_request_url, s.input) AS final_url,
        -- Without redirects the final request is the input itself, whose host is the domain. (The
        -- URL is cut in two steps, as columns: a macro repeats its argument's whole expression.)
        CASE WHEN coalesce(s.http_redirects, 0) > 0 THEN split_part(imap_url_authority(s.http_request_url), '@', -1)
        END AS final_authority,
        -- 0.4 has no handshake records: its TLS happens inside the HTTP request.
        coalesce(s.tls_attempts, 0) = 0 AS no_tls_records,
        regexp_full_match(s.domain, '[0-9.]+|[0-9a-f:]*:[0-9a-f:.]*') AS ip_input,
        CASE WHEN len(coalesce(s.dns_answers, [])) > 0 THEN NULL
             ELSE coalesce(s.dns_failure, s.dns_experiment_failure) END AS sys_dns_failure,
        imap_failure_kind(s.http_experiment_failure) AS fail_kind,
        s.http_experiment_failure IS NULL AND s.http_status IS NOT NULL AND s.http_failure IS NULL AS response,
        -- Titles differ, case and spacing aside (the parser collapses spaces, OONI's control does
        -- not); the costly comparison only when the raw titles differ.
        CASE WHEN s.http_title IS NOT DISTINCT FROM s.control_http_title THEN false
             ELSE lower(regexp_replace(trim(coalesce(s.http_title, '')), '\s+', ' ', 'g'))
                  <> lower(regexp_replace(trim(coalesce(s.control_http_title, '')), '\s+', ' ', 'g')) END
            AS title_differs
    FROM scope s
),
features AS (
    SELECT
        b.*,
        b.ctrl_present AND b.control_http_failure IS NULL AND b.control_http_status IS NOT NULL AS ctrl_http_ok,
        b.ctrl_present AND b.control_http_failure IS NOT NULL AS ctrl_http_failed,
        b.ctrl_present AND b.control_dns_failure IS NOT NULL AND len(b.ctrl_addrs) = 0 AS ctrl_dns_failed,
        -- The name resolves to a public address out-of-band (control or the probe's own DoH).
        CASE WHEN b.plain THEN true
             WHEN len(b.ctrl_addrs) > 0 AND NOT imap_is_bogon(b.ctrl_addrs[1]) THEN true
             WHEN len(b.ctrl_addrs) = 0 AND len(b.doh) = 0 THEN false
             ELSE len(list_filter(b.ctrl_addrs || b.doh, lambda x: NOT imap_is_bogon(x))) > 0 END AS resolves_elsewhere,
        starts_with(lower(b.final_url), 'https://') AS final_https,
        CASE WHEN b.final_authority IS NULL THEN b.domain
             WHEN starts_with(b.final_authority, '[') THEN lower(split_part(split_part(b.final_authority, ']', 1), '[', 2))
             ELSE lower(split_part(b.final_authority, ':', 1)) END AS final_host,
        -- Every answer is a bogon and so is every control address: the site's own DNS says so.
        CASE WHEN b.plain OR len(b.answers) = 0 THEN false
             WHEN NOT imap_is_bogon(b.answers[1]) THEN false
             WHEN NOT list_has_all(b.ctrl_addrs || b.doh, b.answers) THEN false
             ELSE list_bool_and(list_transform(b.answers, lambda x: imap_is_bogon(x)))
                  AND len(b.ctrl_addrs) > 0
                  AND list_bool_and(list_transform(b.ctrl_addrs, lambda x: imap_is_bogon(x))) END AS bogon_everywhere,
        r.cdn_asns,
        list_contains(r.filtering_asns, b.resolver_asn) AS filtering_resolver
    FROM base b CROSS JOIN reference_networks r
),
proven AS (
    SELECT
        f.*,
        -- A response over TLS with a valid certificate from the site itself proves it was reachable
        -- (0.4 probes verify certificates inside the HTTP request, so a 0.4 HTTPS response counts).
        CASE WHEN f.http_status IS NULL THEN false
             WHEN f.final_authority IS NULL THEN true
             ELSE imap_same_site(f.final_host, f.domain) END AS final_same_site,
        CASE WHEN NOT f.response OR NOT f.final_https THEN false
             WHEN f.final_authority IS NOT NULL AND NOT imap_same_site(f.final_host, f.domain) THEN false
             ELSE f.no_tls_records OR len(f.tls_ok) > 0 END AS https_proof,
        CASE WHEN NOT (f.ctrl_http_ok AND f.response) THEN false
             ELSE f.http_status IS DISTINCT FROM f.control_http_status END AS status_differs,
        CASE WHEN NOT (f.ctrl_http_ok AND f.response) THEN false
             WHEN coalesce(f.http_body_truncated, false) THEN false
             WHEN f.http_body_length > 0 AND f.control_http_body_length > 0
                  AND least(f.http_body_length, f.control_http_body_length)
                      >= 0.7 * greatest(f.http_body_length, f.control_http_body_length) THEN false
             ELSE f.title_differs AND NOT coalesce(f.headers_match, false) END AS page_differs
    FROM features f
),
judged_input AS (
    SELECT
        p.*,
        -- Answers the control, DoH or a verified handshake do not explain (0.4 connects only to the
        -- system resolver's answers, so a verified 0.4 HTTPS response explains them all).
        CASE WHEN p.plain OR len(p.answers) = 0 THEN []
             WHEN list_has_all(p.ctrl_addrs, p.answers) THEN []
             WHEN p.no_tls_records AND p.https_proof THEN []
             ELSE list_filter(p.answers, lambda x: NOT list_contains(p.ctrl_addrs, x) AND NOT list_contains(p.doh, x)
                                                   AND NOT list_contains(p.tls_ok, x))
        END AS suspects,
        p.status_differs OR p.page_differs AS http_diff
    FROM proven p
),
suspected AS (
    SELECT j.*,
           CASE WHEN len(j.suspects) = 0 THEN [] ELSE list_filter(j.suspects, lambda x: imap_is_bogon(x)) END AS bogon_suspects,
           -- Answers in the control's networks or a CDN's: other addresses of the same service.
           CASE WHEN len(j.suspects) = 0 OR len(coalesce(j.dns_answer_asns, [])) = 0 THEN false
                ELSE list_has_all(coalesce(j.control_dns_asns, []), j.dns_answer_asns)
                     OR list_has_all(j.cdn_asns, j.dns_answer_asns) END AS asn_explained
    FROM judged_input j
),
-- The fingerprint matching below reads `scope` directly, not the derived features, so those stream
-- through once instead of being materialised for several readers. Answers the control also gave
-- cannot be block answers, and pages with the control's title and status are the site's own, so
-- only the rest is matched (a superset of what the rules consult).
dns_answer_rows AS (
    SELECT measurement_key, probe_cc, unnest(dns_answers) AS answer
    FROM measurements
    WHERE ingest_day BETWEEN $first_day AND $last_day
      AND len(dns_answers) > 0 AND NOT list_has_all(coalesce(control_dns_addrs, []), dns_answers)
),
dns_fp_matches AS (
    SELECT a.measurement_key, a.probe_cc, r.name, r.scope, r.can_confirm, r.countries
    FROM dns_answer_rows a
    JOIN imap_fingerprint_rules r ON r.location_found = 'dns' AND r.pattern_type = 'full' AND a.answer = r.pattern
    UNION ALL
    SELECT a.measurement_key, a.probe_cc, r.name, r.scope, r.can_confirm, r.countries
    FROM dns_answer_rows a
    JOIN imap_fingerprint_rules r ON r.location_found = 'dns' AND r.pattern_type <> 'full'
     AND CASE r.pattern_type
             WHEN 'prefix' THEN starts_with(a.answer, r.pattern)
             WHEN 'contains' THEN contains(a.answer, r.pattern)
             ELSE regexp_matches(a.answer, r.pattern) END
),
-- Pages worth matching against block page fingerprints: a response whose title or status differs
-- from the control's, or that came through an answer neither the control nor a verified handshake
-- vouches for, or has no control.
-- (Each condition here already rules out a plain success, so the fast path needs no test here.
-- Materialised once: a few percent of the pages, read by the four kinds of page rules below.
-- body_hits are the page's texts equal to a literal body pattern, found in one pass per chunk.)
http_candidates AS MATERIALIZED (
    SELECT measurement_key, probe_cc, http_headers, http_request_url, http_redirects,
           -- only bodies the one-pass prefilter finds something in are kept for the exact rules
           http_body_sample AS body,
           CASE WHEN http_body_sample IS NULL THEN [] ELSE imap_body_hits(http_body_sample) END AS body_hits,
           http_body_sample IS NOT NULL AND imap_body_regexp_maybe(http_body_sample) AS body_regexp_maybe
    FROM measurements
    WHERE ingest_day BETWEEN $first_day AND $last_day
      AND http_experiment_failure IS NULL AND http_status IS NOT NULL AND http_failure IS NULL
      -- a verified HTTPS response of the input URL itself is the site's page (https_proof)
      AND NOT (starts_with(coalesce(http_request_url, input), 'https://') AND coalesce(http_redirects, 0) = 0
               AND (coalesce(tls_attempts, 0) = 0 OR len(tls_ok_ips) > 0))
      AND (http_title IS DISTINCT FROM control_http_title
           OR http_status IS DISTINCT FROM control_http_status
           OR control_http_status IS NULL
           OR (NOT list_has_all(coalesce(control_dns_addrs, []), coalesce(dns_answers, []))
               AND NOT list_has_all(coalesce(tls_ok_ips, []), coalesce(dns_answers, []))))
),
http_fp_matches AS (
    SELECT c.measurement_key, c.probe_cc, r.name, r.scope, r.can_confirm, r.countries
    FROM (
        SELECT measurement_key, probe_cc, body, hit FROM (
            SELECT measurement_key, probe_cc, body, unnest(body_hits) AS hit FROM http_candidates)
        UNION ALL  -- patterns inside a hit (the scan reports the longest text at a place)
        SELECT h.measurement_key, h.probe_cc, h.body, n.inner_pattern AS hit
        FROM (SELECT measurement_key, probe_cc, body, unnest(body_hits) AS hit FROM http_candidates) h
        JOIN imap_body_nested n ON n.outer_pattern = h.hit
    ) c
    JOIN imap_fingerprint_rules r
      ON r.location_found = 'body' AND r.pattern_type IN ('contains', 'full', 'prefix') AND r.pattern = c.hit
    WHERE CASE r.pattern_type
              WHEN 'contains' THEN true
              WHEN 'prefix' THEN starts_with(c.body, r.pattern)
              ELSE c.body = r.pattern END
    UNION ALL
    SELECT c.measurement_key, c.probe_cc, r.name, r.scope, r.can_confirm, r.countries
    FROM http_candidates c
    JOIN imap_fingerprint_rules r ON r.location_found = 'body' AND r.pattern_type = 'regexp'
    WHERE c.body_regexp_maybe AND regexp_matches(c.body, r.pattern)
    UNION ALL
    SELECT h.measurement_key, h.probe_cc, r.name, r.scope, r.can_confirm, r.countries
    FROM (SELECT measurement_key, probe_cc, unnest(http_headers) AS header FROM http_candidates) h
    JOIN imap_fingerprint_rules r ON r.header_name = lower(h.header.name)
    WHERE CASE r.pattern_type
              WHEN 'full' THEN h.header.value = r.pattern
              WHEN 'prefix' THEN starts_with(h.header.value, r.pattern)
              WHEN 'contains' THEN contains(h.header.value, r.pattern)
              ELSE regexp_matches(h.header.value, r.pattern) END
    UNION ALL
    -- The Location header of the hop before the final request is that request's URL.
    SELECT c.measurement_key, c.probe_cc, r.name, r.scope, r.can_confirm, r.countries
    FROM http_candidates c
    JOIN imap_fingerprint_rules r ON r.header_name = 'location'
    WHERE c.http_redirects > 0 AND CASE r.pattern_type
              WHEN 'full' THEN c.http_request_url = r.pattern
              WHEN 'prefix' THEN starts_with(c.http_request_url, r.pattern)
              WHEN 'contains' THEN contains(c.http_request_url, r.pattern)
              ELSE regexp_matches(c.http_request_url, r.pattern) END
),
-- Matches in the probe's country terms. A rule whose expected_countries leave out the probe's
-- country is scope `foreign`: it still names a block page or answer, but neither confirms blocking
-- by the probe's ISP nor says which local product or institution it is (the generic
-- "<title>Access Denied</title>" of an Indian institution must not label a Cambodian page).
-- `rank` orders several matches of one measurement: strongest scope first, confirming rules first.
fp_matches AS (
    SELECT part, measurement_key, name, scope, confirms,
           CASE scope WHEN 'nat' THEN 1 WHEN 'isp' THEN 2 WHEN 'prod' THEN 3 WHEN 'inst' THEN 4
                      WHEN 'router' THEN 5 WHEN 'fp' THEN 6 ELSE 7 END * 2 - confirms::INTEGER AS rank
    FROM (
        SELECT part, measurement_key, name,
               CASE WHEN scope IN ('nat', 'isp', 'prod', 'inst') AND countries IS NOT NULL
                         AND NOT list_contains(countries, probe_cc) THEN 'foreign' ELSE scope END AS scope,
               can_confirm AND (countries IS NULL OR list_contains(countries, probe_cc)) AS confirms
        FROM (SELECT 'dns' AS part, * FROM dns_fp_matches UNION ALL BY NAME SELECT 'http' AS part, * FROM http_fp_matches)
    )
),
dns_fp AS (
    SELECT measurement_key, arg_min(name, rank) AS name, arg_min(scope, rank) AS scope, bool_or(confirms) AS confirms
    FROM fp_matches WHERE part = 'dns' GROUP BY measurement_key
),
http_fp AS (
    SELECT measurement_key, arg_min(name, rank) AS name, arg_min(scope, rank) AS scope, bool_or(confirms) AS confirms
    FROM fp_matches WHERE part = 'http' GROUP BY measurement_key
),
ruled AS (
    SELECT
        j.*,
        d.name AS dns_fp_name, d.scope AS dns_fp_scope, coalesce(d.confirms, false) AS dns_fp_confirms,
        h.name AS http_fp_name, h.scope AS http_fp_scope, coalesce(h.confirms, false) AS http_fp_confirms,
        -- The layer a non-DNS failure happened at: TCP when no connect succeeded (or nothing later
        -- failed), TLS when a handshake failed on the way to an HTTPS request, else HTTP.
        CASE
            WHEN imap_is_dns_kind(j.fail_kind) THEN 'dns'
            WHEN j.tcp_failure IS NOT NULL
                 AND (len(j.tcp_ok) = 0 OR (j.http_failure IS NULL AND j.tls_failure IS NULL)) THEN 'tcp'
            WHEN j.tls_failure IS NOT NULL AND (j.http_failure IS NULL OR j.final_https) THEN 'tls'
            WHEN j.no_tls_records AND j.final_https AND j.http_status IS NULL THEN 'tls'
            ELSE 'http'
        END AS fail_layer,
        CASE
            WHEN j.plain THEN 'dns_consistent'
            -- A home router's own page: the probe never reached the site, whatever DNS said.
            WHEN j.response AND h.scope = 'router' THEN 'router_page'
            WHEN d.scope = 'fp' THEN 'dns_consistent'
            WHEN j.ip_input THEN 'dns_consistent'
            WHEN j.bogon_everywhere THEN 'dns_down_bogon'
            WHEN j.sys_dns_failure IS NOT NULL THEN 'dns_failure'
            WHEN len(j.bogon_suspects) > 0 THEN 'dns_bogon'
            WHEN d.scope IS NOT NULL THEN 'dns_fingerprint'
            WHEN len(j.suspects) > 0 AND j.ctrl_dns_failed AND len(coalesce(j.doh_answers, [])) = 0 THEN 'dns_ghost'
            WHEN len(j.suspects) > 0 AND NOT j.asn_explained AND NOT j.resolves_elsewhere THEN 'dns_unverifiable'
            WHEN len(j.suspects) > 0 AND NOT j.asn_explained AND NOT (
                    -- evidence the unexplained answers serve the site: every one connected, none
                    -- failed a handshake, and the page matches the control's
                    list_has_all(j.tcp_ok, j.suspects)
                    AND NOT list_has_any(coalesce(j.tls_failed_ips, []), j.suspects)
                    AND j.response AND j.ctrl_http_ok AND NOT j.http_diff
                    AND (h.scope IS NULL OR h.scope IN ('fp', 'router'))) THEN 'dns_suspect'
            ELSE 'dns_consistent'
        END AS dns_rule
    FROM suspected j
    LEFT JOIN dns_fp d USING (measurement_key)
    -- A verified HTTPS response from the site is the site's page, whatever text it contains.
    LEFT JOIN http_fp h ON h.measurement_key = j.measurement_key AND NOT j.https_proof
),
decided AS (
    SELECT
        r.*,
        CASE
            WHEN r.plain THEN 'ok'
            WHEN r.dns_rule = 'router_page' THEN 'inconclusive'
            WHEN r.dns_rule = 'dns_down_bogon' THEN 'down'
            WHEN r.dns_rule = 'dns_failure' THEN CASE
                WHEN r.resolves_elsewhere THEN 'blocked'
                WHEN r.ctrl_dns_failed THEN 'down'
                ELSE 'inconclusive' END
            WHEN r.dns_rule IN ('dns_bogon', 'dns_fingerprint', 'dns_suspect') THEN
                CASE WHEN r.resolves_elsewhere OR r.dns_fp_confirms OR r.http_fp_confirms THEN 'blocked'
                     ELSE 'inconclusive' END
            WHEN r.dns_rule = 'dns_ghost' THEN 'blocked'
            WHEN r.https_proof THEN 'ok'
            WHEN r.dns_rule = 'dns_unverifiable' THEN 'inconclusive'
            WHEN r.response AND r.http_fp_scope = 'fp' THEN 'ok'
            WHEN r.response AND r.http_fp_scope IS NOT NULL THEN 'blocked'
            WHEN r.http_experiment_failure IS NOT NULL THEN CASE
                WHEN r.fail_kind = 'unreachable' THEN 'inconclusive'
                WHEN r.fail_kind = 'site' THEN CASE
                    WHEN r.ctrl_http_failed THEN 'down'
                    WHEN r.final_https AND r.final_same_site AND r.http_status IS NOT NULL
                         AND (r.no_tls_records OR len(r.tls_ok) > 0) THEN 'ok'
                    ELSE 'inconclusive' END
                WHEN NOT r.ctrl_present THEN 'inconclusive'
                WHEN r.fail_layer = 'tcp' THEN CASE
                    WHEN r.control_tcp_ok > 0 OR (r.control_tcp_ok IS NULL AND r.ctrl_http_ok) THEN 'blocked'
                    WHEN r.control_tcp_failures > 0 OR r.ctrl_http_failed THEN 'down'
                    ELSE 'inconclusive' END
                WHEN r.fail_layer = 'tls' THEN CASE
                    WHEN r.control_tls_ok > 0 OR (r.control_tls_ok IS NULL AND r.ctrl_http_ok) THEN 'blocked'
                    WHEN r.control_tls_failures > 0 OR r.ctrl_http_failed THEN 'down'
                    ELSE 'inconclusive' END
                ELSE CASE
                    WHEN r.ctrl_http_ok THEN 'blocked'
                    WHEN r.ctrl_http_failed THEN 'down'
                    ELSE 'inconclusive' END
                END
            WHEN NOT r.response THEN 'inconclusive'
            WHEN NOT r.ctrl_present OR r.ctrl_http_failed THEN 'inconclusive'
            WHEN r.http_diff THEN 'blocked'
            ELSE 'ok'
        END AS outcome,
        -- Which rule decided, to name the layer and method below.
        CASE
            WHEN r.plain THEN 'page_ok'
            WHEN r.dns_rule NOT IN ('dns_consistent', 'dns_unverifiable') THEN r.dns_rule
            WHEN r.https_proof THEN 'https_proof'
            WHEN r.dns_rule = 'dns_unverifiable' THEN 'dns_unverifiable'
            WHEN r.response AND r.http_fp_scope IS NOT NULL THEN 'http_fingerprint'
            WHEN r.http_experiment_failure IS NOT NULL THEN 'failure'
            WHEN NOT r.response THEN 'no_response'
            WHEN NOT r.ctrl_present THEN 'no_control'
            WHEN r.ctrl_http_failed THEN 'control_http_failed'
            WHEN r.http_diff THEN 'http_diff'
            ELSE 'page_ok'
        END AS rule
    FROM ruled r
),
labelled AS (
    SELECT
        d.*,
        CASE
            WHEN d.outcome = 'ok' THEN NULL
            WHEN d.rule = 'router_page' THEN 'http'
            WHEN d.rule LIKE 'dns_%' THEN 'dns'
            WHEN d.rule IN ('http_fingerprint', 'http_diff', 'control_http_failed') THEN 'http'
            WHEN d.rule = 'failure' THEN d.fail_layer
            ELSE NULL
        END AS layer,
        CASE
            WHEN d.rule = 'router_page' THEN 'http.router_page'
            WHEN d.rule = 'dns_failure' THEN imap_failure_method('dns', imap_failure_kind(d.sys_dns_failure))
            WHEN d.rule IN ('dns_bogon', 'dns_down_bogon') THEN 'dns.bogon'
            WHEN d.rule = 'dns_fingerprint' THEN 'dns.redirect'
            WHEN d.rule = 'dns_suspect' AND d.http_fp_scope IS NOT NULL AND d.http_fp_scope NOT IN ('fp', 'router')
                THEN 'dns.redirect'
            WHEN d.rule IN ('dns_suspect', 'dns_ghost', 'dns_unverifiable') THEN 'dns.inconsistent'
            WHEN d.outcome = 'ok' THEN NULL
            WHEN d.rule = 'http_fingerprint' THEN 'http.blockpage'
            WHEN d.rule = 'http_diff' THEN 'http.diff'
            WHEN d.rule = 'failure' AND d.fail_kind = 'site' THEN 'http.site_error'
            WHEN d.rule = 'failure' THEN imap_failure_method(d.fail_layer, d.fail_kind)
            WHEN d.rule = 'no_control' THEN 'control.failure'
            WHEN d.rule = 'control_http_failed' THEN 'control.http_failure'
            WHEN d.rule = 'no_response' THEN 'none'
        END AS method,
        -- The fingerprint the judgment rests on: the DNS one for DNS rules, else the page's.
        CASE WHEN d.rule IN ('dns_bogon', 'dns_fingerprint', 'dns_consistent', 'dns_down_bogon') AND d.dns_fp_name IS NOT NULL
             THEN d.dns_fp_name ELSE coalesce(d.http_fp_name, d.dns_fp_name) END AS fingerprint_name,
        CASE WHEN d.rule IN ('dns_bogon', 'dns_fingerprint', 'dns_consistent', 'dns_down_bogon') AND d.dns_fp_name IS NOT NULL
             THEN d.dns_fp_scope ELSE coalesce(d.http_fp_scope, d.dns_fp_scope) END AS fingerprint_scope,
        CASE WHEN d.rule IN ('dns_bogon', 'dns_fingerprint') THEN d.dns_fp_confirms
             WHEN d.rule IN ('dns_suspect', 'http_fingerprint') THEN d.http_fp_confirms OR d.dns_fp_confirms
             ELSE false END AS fp_confirms
    FROM decided d
)
SELECT
    measurement_key,
    measurement_uid,
    report_id,
    input,
    ingest_day,
    measurement_day,
    measurement_start_time,
    probe_cc,
    probe_asn,
    domain,
    test_version,
    outcome,
    layer,
    method,
    outcome = 'blocked' AND coalesce(fp_confirms, false) AND NOT local AS confirmed,
    outcome = 'blocked' AND local AS local_filtering,
    fingerprint_name,
    fingerprint_scope,
    CASE
        WHEN rule = 'dns_failure' THEN sys_dns_failure
        WHEN rule = 'failure' AND fail_layer = 'tcp' THEN coalesce(tcp_failure, http_experiment_failure)
        WHEN rule = 'failure' AND fail_layer = 'tls' THEN coalesce(tls_failure, http_experiment_failure)
        WHEN rule = 'failure' THEN http_experiment_failure
        WHEN rule = 'no_control' THEN control_failure
        WHEN rule = 'control_http_failed' THEN control_http_failure
    END AS failure,
    CASE WHEN len(suspects) > 0 THEN suspects END AS suspect_answers,
    probe_blocking IS NOT NULL AND probe_blocking NOT IN ('false', 'none') AS probe_anomaly
FROM (
    SELECT l.*,
           -- Not the ISP: a filtering product or an institution's firewall (fingerprint scope), or
           -- a filtering public resolver the user chose (DNS-layer blocking through OpenDNS & co).
           coalesce(l.fingerprint_scope IN ('prod', 'inst'), false)
           OR (coalesce(l.layer = 'dns', false) AND coalesce(l.filtering_resolver, false)) AS local
    FROM labelled l
)
