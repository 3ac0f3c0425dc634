-- The fingerprint each measurement of imap_rule_input (classify_rule_input.sql) matches, as the
-- temporary table imap_measurement_fingerprints: one row per measurement (by row number) that matched
-- anything, with the strongest DNS match and the strongest page match (warehouse.classification.matching).
--
-- Reads imap_rule_input, imap_fingerprint_rules, the headers of the candidate pages (from
-- `measurements`, by row number: no other rows' headers are copied), and what matching.py prepared:
-- imap_dns_answer_matches (classify_dns_answer_matches.sql) and imap_page_hits (measurement_row,
-- pattern, regexp, starts, whole): the body patterns each candidate page contains, found once per
-- distinct page body, and whether the page starts with or is the pattern.
CREATE OR REPLACE TEMP TABLE imap_measurement_fingerprints AS
WITH
pages AS (
    SELECT measurement_row, http_request_url, http_redirects
    FROM imap_rule_input WHERE page_candidate
),
headers AS (
    SELECT rowid AS measurement_row, unnest(http_headers) AS header
    FROM measurements
    WHERE rowid IN (SELECT measurement_row FROM imap_rule_rows WHERE page_candidate)
),
dns_fp_matches AS (
    SELECT d.measurement_row, r.name, r.scope, r.can_confirm, r.countries, r.specificity
    FROM (
        SELECT measurement_row, unnest(dns_answers) AS answer FROM imap_rule_input WHERE dns_candidate
    ) d
    JOIN imap_dns_answer_matches r USING (answer)
),
-- Pages: the body patterns a page contains are joined to the rules by equality; a `prefix` or
-- `full` rule also needs the page to start with or be the pattern.
http_fp_matches AS (
    SELECT h.measurement_row, r.name, r.scope, r.can_confirm, r.countries,
           CASE WHEN h.regexp THEN 1 ELSE 0 END AS specificity
    FROM imap_page_hits h
    JOIN imap_fingerprint_rules r
      ON r.location_found = 'body' AND r.pattern = h.pattern AND (r.pattern_type = 'regexp') = h.regexp
    WHERE CASE r.pattern_type WHEN 'prefix' THEN h.starts WHEN 'full' THEN h.whole ELSE true END
    UNION ALL
    SELECT h.measurement_row, r.name, r.scope, r.can_confirm, r.countries, 2 AS specificity
    FROM headers h
    JOIN imap_fingerprint_rules r ON r.header_name = lower(h.header.name)
    WHERE CASE r.pattern_type
              WHEN 'full' THEN h.header.value = r.pattern
              WHEN 'prefix' THEN starts_with(h.header.value, r.pattern)
              WHEN 'contains' THEN contains(h.header.value, r.pattern)
              ELSE regexp_matches(h.header.value, r.pattern) END
    UNION ALL
    -- The Location header of the hop before the final request is that request's URL.
    SELECT c.measurement_row, r.name, r.scope, r.can_confirm, r.countries, 3 AS specificity
    FROM pages c
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
    SELECT part, measurement_row, name, scope, confirms, specificity,
           CASE scope WHEN 'nat' THEN 1 WHEN 'isp' THEN 2 WHEN 'prod' THEN 3 WHEN 'inst' THEN 4
                      WHEN 'router' THEN 5 WHEN 'fp' THEN 6 ELSE 7 END * 2 - confirms::INTEGER AS rank
    FROM (
        SELECT part, measurement_row, name, specificity,
               CASE WHEN scope IN ('nat', 'isp', 'prod', 'inst') AND countries IS NOT NULL
                         AND NOT list_contains(countries, probe_cc) THEN 'foreign' ELSE scope END AS scope,
               can_confirm AND (countries IS NULL OR list_contains(countries, probe_cc)) AS confirms
        FROM (SELECT 'dns' AS part, * FROM dns_fp_matches UNION ALL BY NAME SELECT 'http' AS part, * FROM http_fp_matches)
        JOIN (SELECT measurement_row, probe_cc FROM imap_rule_input) USING (measurement_row)
    )
)
SELECT
    measurement_row,
    -- Between rules of the same rank: an exact address before a range, a literal page text before a
    -- regular expression, then a header, then the redirect; then the first name, so reruns agree.
    arg_min(name, {'rank': rank, 'specificity': specificity, 'name': name}) FILTER (WHERE part = 'dns') AS dns_fp_name,
    arg_min(scope, rank) FILTER (WHERE part = 'dns') AS dns_fp_scope,
    coalesce(bool_or(confirms) FILTER (WHERE part = 'dns'), false) AS dns_fp_confirms,
    arg_min(name, {'rank': rank, 'specificity': specificity, 'name': name}) FILTER (WHERE part = 'http') AS http_fp_name,
    arg_min(scope, rank) FILTER (WHERE part = 'http') AS http_fp_scope,
    coalesce(bool_or(confirms) FILTER (WHERE part = 'http'), false) AS http_fp_confirms
FROM fp_matches
GROUP BY measurement_row;
