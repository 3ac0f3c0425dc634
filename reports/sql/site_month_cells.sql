-- Every verdict cell (month x network) of the given websites: the grid of a per-website page.
-- `isp_blocked_count` is what the verdict weighs; `blocked_count` also holds local filtering.
SELECT
    domain, month, asn, verdict, method, methods, measurements, ok_count, blocked_count, isp_blocked_count, down_count,
    inconclusive_count, confirmed_count, local_filtering_count, days, blocked_share_lower,
    blocked_share_upper, example_measurement_uids
FROM site_month_verdicts
WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country AND domain IN (SELECT unnest($domains))
ORDER BY domain, asn, month
