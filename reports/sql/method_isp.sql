-- The method x ISP matrix: websites blocked with each method on each network (a website counts once
-- per method and network however many months it was blocked), and the blocked measurements behind it.
SELECT
    coalesce(method, 'unknown') AS method,
    asn,
    count(DISTINCT domain) AS websites,
    sum(blocked_count)::BIGINT AS blocked_measurements
FROM site_month_verdicts
WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country AND verdict IN ('confirmed', 'likely')
GROUP BY ALL
ORDER BY method, asn
