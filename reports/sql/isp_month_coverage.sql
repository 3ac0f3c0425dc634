-- The ISP x month coverage view: measurements and websites measured per network and month.
SELECT
    asn,
    month,
    sum(measurements)::BIGINT AS measurements,
    count(DISTINCT domain) AS websites,
    count(DISTINCT domain) FILTER (WHERE verdict IN ('confirmed', 'likely')) AS blocked_websites
FROM site_month_verdicts
WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country
GROUP BY asn, month
ORDER BY asn, month
