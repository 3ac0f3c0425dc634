-- The fingerprints the judgments match against, as a temporary view over the `fingerprints` table.
--
-- OONI's rows are used as published. Rows of the reviewed local file count only once reviewed:
-- `confirmed` with full weight, `likely` as a match that never confirms on its own, and
-- `false_positive` as a known false positive (scope fp); `pending` rows are ignored.
-- Scopes other than nat/isp/prod/inst/fp/router (OONI's vbw "vague block words", prov, injb) are
-- too weak to decide anything and are left out.
CREATE OR REPLACE TEMP VIEW imap_fingerprint_rules AS
SELECT
    name,
    CASE WHEN origin = 'local' AND review_status = 'false_positive' THEN 'fp' ELSE scope END AS scope,
    lower(location_found) AS location_found,
    CASE WHEN starts_with(lower(location_found), 'header.') THEN substr(lower(location_found), 8) END AS header_name,
    pattern_type,
    pattern,
    -- Can this rule confirm ISP blocking? National or ISP scope, and (for the local file) confirmed by review.
    (scope IN ('nat', 'isp') AND (origin = 'ooni' OR review_status = 'confirmed')
        AND NOT (origin = 'local' AND review_status = 'false_positive')) AS can_confirm,
    -- Countries where the rule is known to apply; a nat/isp rule of another country still names a
    -- blocking product, but does not confirm blocking by a Cambodian ISP.
    CASE WHEN trim(coalesce(expected_countries, '')) = '' THEN NULL
         ELSE list_transform(string_split(upper(replace(expected_countries, ' ', '')), ','), lambda c: trim(c)) END AS countries
FROM fingerprints
WHERE (origin = 'ooni' OR review_status IN ('confirmed', 'likely', 'false_positive'))
  AND (CASE WHEN origin = 'local' AND review_status = 'false_positive' THEN 'fp' ELSE scope END)
      IN ('nat', 'isp', 'prod', 'inst', 'fp', 'router')
  AND pattern_type IN ('full', 'prefix', 'contains', 'regexp')
  AND pattern <> '';
