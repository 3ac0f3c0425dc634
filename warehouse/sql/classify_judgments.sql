-- Tier 1: one judgment per measurement, for the measurements of imap_rule_rows (stored in
-- ruled_judgments; the view measurement_judgments adds the fast path's, schema.sql).
--
-- Reads imap_rule_input (classify_rule_input.sql: the measurements of imap_rule_rows) and the temporary
-- table imap_measurement_fingerprints (the strongest DNS and page fingerprint match of each
-- measurement that matched any, built first by warehouse.classification.matching); needs the macros
-- of classify_macros.sql and the network variables of classify_reference_networks.sql. With the fast
-- path, the measurements of imap_rule_rows (classify_rule_rows.sql) are all but those every rule
-- below calls `ok` with nothing to report, whose judgments the view measurement_judgments derives.
-- The rules are explained in README "Classification"; in short, first match wins:
--   DNS   : a bogon answer, a fingerprinted answer, or an answer neither the control, DoH nor a
--           verified TLS handshake explains; a failed lookup where the name resolves out-of-band.
--   HTTPS : a response over verified TLS from the same site proves access.
--   pages : fingerprinted block pages; known false positives (Cloudflare challenges).
--   errors: the failing layer is compared with the control: the same failure there means `down`.
--   pages : a plain-HTTP page unlike the control's is `http.diff`.
WITH
-- Expressions below are CASEs that take the cheap exit first: DuckDB evaluates a CASE branch only
-- on the rows that reach it, while AND and OR evaluate both sides on every row, so the costly
-- tests (lambdas over lists, Unicode lower-casing) stay rare.
base AS (
    SELECT
        s.*,
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
             ELSE imap_title_key(coalesce(s.http_title, '')) <> imap_title_key(coalesce(s.control_http_title, '')) END
            AS title_differs
    FROM imap_rule_input s
),
features AS (
    SELECT
        b.*,
        b.ctrl_present AND b.control_http_failure IS NULL AND b.control_http_status IS NOT NULL AS ctrl_http_ok,
        b.ctrl_present AND b.control_http_failure IS NOT NULL AS ctrl_http_failed,
        -- The control found that the name does not exist (NXDOMAIN, no answer): the site's own DNS
        -- says so. A control lookup that timed out or failed otherwise says nothing about the name.
        b.ctrl_present AND len(b.ctrl_addrs) = 0
            AND coalesce(imap_failure_kind(b.control_dns_failure) IN ('nxdomain', 'no_answer'), false) AS ctrl_dns_failed,
        -- The name resolves to a public address out-of-band (control or the probe's own DoH).
        CASE WHEN len(b.ctrl_addrs) > 0 AND NOT imap_is_bogon(b.ctrl_addrs[1]) THEN true
             WHEN len(b.ctrl_addrs) = 0 AND len(b.doh) = 0 THEN false
             ELSE len(list_filter(b.ctrl_addrs || b.doh, lambda x: NOT imap_is_bogon(x))) > 0 END AS resolves_elsewhere,
        starts_with(lower(b.final_url), 'https://') AS final_https,
        CASE WHEN b.final_authority IS NULL THEN b.domain
             WHEN starts_with(b.final_authority, '[') THEN lower(split_part(split_part(b.final_authority, ']', 1), '[', 2))
             ELSE lower(split_part(b.final_authority, ':', 1)) END AS final_host,
        -- Every answer is a bogon and so is every control address: the site's own DNS says so.
        CASE WHEN len(b.answers) = 0 THEN false
             WHEN NOT imap_is_bogon(b.answers[1]) THEN false
             WHEN NOT list_has_all(b.ctrl_addrs || b.doh, b.answers) THEN false
             ELSE list_bool_and(list_transform(b.answers, lambda x: imap_is_bogon(x)))
                  AND len(b.ctrl_addrs) > 0
                  AND list_bool_and(list_transform(b.ctrl_addrs, lambda x: imap_is_bogon(x))) END AS bogon_everywhere,
        getvariable('imap_cdn_asns') AS cdn_asns,
        list_contains(getvariable('imap_filtering_asns'), b.resolver_asn) AS filtering_resolver
    FROM base b
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
        -- Differences count only against a control that got the site's page: when the control
        -- itself got an error status (404, 503), a probe that got a page got more, not less.
        CASE WHEN NOT (f.ctrl_http_ok AND f.response) OR f.control_http_status >= 400 THEN false
             ELSE f.http_status IS DISTINCT FROM f.control_http_status END AS status_differs,
        CASE WHEN NOT (f.ctrl_http_ok AND f.response) OR f.control_http_status >= 400 THEN false
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
        CASE WHEN len(p.answers) = 0 THEN []
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
           -- A verified HTTPS response from the site is the site's page, whatever text it contains:
           -- page fingerprints count only without that proof.
           coalesce(NOT j.https_proof, false) AS page_fp_applies,
           CASE WHEN len(j.suspects) = 0 THEN [] ELSE list_filter(j.suspects, lambda x: imap_is_bogon(x)) END AS bogon_suspects,
           -- Answers in the control's networks or a CDN's: other addresses of the same service.
           CASE WHEN len(j.suspects) = 0 OR len(coalesce(j.dns_answer_asns, [])) = 0 THEN false
                ELSE list_has_all(coalesce(j.control_dns_asns, []), j.dns_answer_asns)
                     OR list_has_all(j.cdn_asns, j.dns_answer_asns) END AS asn_explained
    FROM judged_input j
),
ruled AS (
    SELECT
        j.*,
        f.dns_fp_name, f.dns_fp_scope, coalesce(f.dns_fp_confirms, false) AS dns_fp_confirms,
        CASE WHEN j.page_fp_applies THEN f.http_fp_name END AS http_fp_name,
        CASE WHEN j.page_fp_applies THEN f.http_fp_scope END AS http_fp_scope,
        j.page_fp_applies AND coalesce(f.http_fp_confirms, false) AS http_fp_confirms,
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
            -- A home router's own page: the probe never reached the site, whatever DNS said.
            WHEN j.response AND j.page_fp_applies AND f.http_fp_scope = 'router' THEN 'router_page'
            WHEN f.dns_fp_scope = 'fp' THEN 'dns_consistent'
            WHEN j.ip_input THEN 'dns_consistent'
            WHEN j.bogon_everywhere THEN 'dns_down_bogon'
            WHEN j.sys_dns_failure IS NOT NULL THEN 'dns_failure'
            WHEN len(j.bogon_suspects) > 0 THEN 'dns_bogon'
            WHEN f.dns_fp_scope IS NOT NULL THEN 'dns_fingerprint'
            WHEN len(j.suspects) > 0 AND j.ctrl_dns_failed AND len(coalesce(j.doh_answers, [])) = 0 THEN 'dns_ghost'
            WHEN len(j.suspects) > 0 AND NOT j.asn_explained AND NOT j.resolves_elsewhere THEN 'dns_unverifiable'
            WHEN len(j.suspects) > 0 AND NOT j.asn_explained AND NOT (
                    -- evidence the unexplained answers serve the site: every one connected, none
                    -- failed a handshake, and the page matches the control's
                    list_has_all(j.tcp_ok, j.suspects)
                    AND NOT list_has_any(coalesce(j.tls_failed_ips, []), j.suspects)
                    AND j.response AND j.ctrl_http_ok AND NOT j.http_diff
                    AND (NOT j.page_fp_applies OR f.http_fp_scope IS NULL OR f.http_fp_scope IN ('fp', 'router'))) THEN 'dns_suspect'
            ELSE 'dns_consistent'
        END AS dns_rule
    FROM suspected j
    LEFT JOIN imap_measurement_fingerprints f USING (measurement_row)
),
decided AS (
    SELECT
        r.*,
        CASE
            WHEN r.dns_rule = 'router_page' THEN 'inconclusive'
            WHEN r.dns_rule = 'dns_down_bogon' THEN 'down'
            WHEN r.dns_rule = 'dns_failure' THEN CASE
                WHEN imap_failure_kind(r.sys_dns_failure) = 'unreachable' THEN 'inconclusive'
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
            -- A `foreign` match (a rule for other countries' networks, such as a generic
            -- "<title>Access Denied</title>") proves nothing here: the page comparison below decides.
            WHEN r.response AND r.http_fp_scope IS NOT NULL AND r.http_fp_scope <> 'foreign' THEN 'blocked'
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
                    -- ssl_invalid_certificate is an expired or not yet valid certificate: at the probe
                    -- alone, usually its clock. Interception shows as a wrong host or unknown authority.
                    WHEN coalesce(r.tls_failure, r.http_experiment_failure) = 'ssl_invalid_certificate'
                         AND NOT coalesce(r.control_tls_failures > 0, false) THEN 'inconclusive'
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
            WHEN r.dns_rule NOT IN ('dns_consistent', 'dns_unverifiable') THEN r.dns_rule
            WHEN r.https_proof THEN 'https_proof'
            WHEN r.dns_rule = 'dns_unverifiable' THEN 'dns_unverifiable'
            WHEN r.response AND r.http_fp_scope IS NOT NULL AND r.http_fp_scope <> 'foreign' THEN 'http_fingerprint'
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
    ingest_day,
    measurement_day,
    probe_cc,
    probe_asn,
    domain,
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
    imap_probe_anomaly(probe_blocking) AS probe_anomaly
FROM (
    SELECT l.*,
           -- Not the ISP: a filtering product or an institution's firewall (fingerprint scope), or
           -- a filtering public resolver the user chose (DNS-layer blocking through OpenDNS & co).
           coalesce(l.fingerprint_scope IN ('prod', 'inst'), false)
           OR (coalesce(l.layer = 'dns', false) AND coalesce(l.filtering_resolver, false)) AS local
    FROM labelled l
)
