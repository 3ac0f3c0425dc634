-- Measurements per month by outcome, as the 2022 report's monthly table (ok / anomaly / confirmed /
-- failure), from the monthly verdict cells (tier 3). `anomaly` is ISP blocking judged without a
-- matching fingerprint, `confirmed` with one; `local_filtering` (a firewall or filtering resolver,
-- not the ISP), `down` (the site failed from outside too) and `failure` (no usable control or
-- result) are kept apart because none of them is ISP censorship. The parts add up to
-- `measurements`. `ooni_anomaly` is what the probes themselves flagged, as OONI Explorer counts.
SELECT
    month,
    sum(measurements)::BIGINT AS measurements,
    sum(ok_count)::BIGINT AS ok,
    sum(isp_blocked_count - confirmed_count)::BIGINT AS anomaly,
    sum(confirmed_count)::BIGINT AS confirmed,
    sum(blocked_count - isp_blocked_count)::BIGINT AS local_filtering,
    sum(down_count)::BIGINT AS down,
    sum(inconclusive_count)::BIGINT AS failure,
    sum(ooni_anomaly_count)::BIGINT AS ooni_anomaly,
    count(DISTINCT asn) AS networks,
    count(DISTINCT domain) AS websites,
    count(DISTINCT domain) FILTER (WHERE verdict IN ('confirmed', 'likely')) AS blocked_websites,
    count(DISTINCT domain) FILTER (WHERE verdict = 'confirmed') AS confirmed_websites
FROM site_month_verdicts
WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country
GROUP BY month
ORDER BY month
