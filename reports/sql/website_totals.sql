-- Every website measured in the period with its measurement counts, networks and verdict cells.
SELECT
    domain,
    sum(measurements)::BIGINT AS measurements,
    sum(blocked_count)::BIGINT AS blocked_measurements,
    count(DISTINCT asn) AS networks,
    count(DISTINCT month) AS months,
    count(*) FILTER (WHERE verdict IN ('confirmed', 'likely')) AS blocked_cells
FROM site_month_verdicts
WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country
GROUP BY domain
ORDER BY domain
