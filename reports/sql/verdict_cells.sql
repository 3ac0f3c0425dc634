-- Verdict cells of the period by verdict: how much of the data could be judged at all.
SELECT verdict, count(*) AS cells, sum(measurements)::BIGINT AS measurements
FROM site_month_verdicts
WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country
GROUP BY verdict
ORDER BY cells DESC, verdict
