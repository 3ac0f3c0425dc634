-- Every test-list entry with how often its exact URL and its domain were measured in the period.
WITH url_counts AS (
    SELECT input AS url, count(*) AS measurements, count(DISTINCT probe_asn) AS networks
    FROM measurements
    WHERE measurement_day BETWEEN $start AND $end AND probe_cc = $country
    GROUP BY input
),
domain_counts AS (
    SELECT domain, sum(measurements)::BIGINT AS measurements
    FROM site_month_verdicts
    WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country
    GROUP BY domain
)
SELECT
    tl.url, tl.domain, tl.list, tl.category_code, tl.category_description, tl.date_added, tl.source,
    tl.notes, tl.upstream_ref,
    coalesce(u.measurements, 0) AS measurements,
    coalesce(u.networks, 0) AS networks,
    coalesce(d.measurements, 0) AS domain_measurements
FROM test_list AS tl
LEFT JOIN url_counts AS u ON u.url = tl.url
LEFT JOIN domain_counts AS d ON d.domain = tl.domain
ORDER BY tl.list, tl.url
