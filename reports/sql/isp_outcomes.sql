-- Measurements per network (ASN) over the period by outcome, with how many websites it measured and
-- how many of them it blocked in at least one month.
SELECT
    asn,
    sum(measurements)::BIGINT AS measurements,
    sum(ok_count)::BIGINT AS ok,
    sum(isp_blocked_count - confirmed_count)::BIGINT AS anomaly,
    sum(confirmed_count)::BIGINT AS confirmed,
    sum(blocked_count - isp_blocked_count)::BIGINT AS local_filtering,
    sum(down_count)::BIGINT AS down,
    sum(inconclusive_count)::BIGINT AS failure,
    count(DISTINCT month) AS months,
    count(DISTINCT domain) AS websites,
    count(DISTINCT domain) FILTER (WHERE verdict IN ('confirmed', 'likely')) AS blocked_websites
FROM site_month_verdicts
WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country
GROUP BY asn
ORDER BY measurements DESC, asn
