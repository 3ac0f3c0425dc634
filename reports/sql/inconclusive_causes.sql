-- Inconclusive cells of the period by what most of their non-ok measurements were, so that the
-- limitations say why they could not be judged instead of assuming one reason. Ties go to the
-- first cause in this order: local filtering, failed tests or controls, site down, ISP blocking
-- that was too mixed with successes for a verdict.
WITH cells AS (
    SELECT local_filtering_count AS lf, inconclusive_count AS failed, down_count AS down,
           isp_blocked_count AS mixed
    FROM site_month_verdicts
    WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country AND verdict = 'inconclusive'
)
SELECT
    CASE
        WHEN greatest(lf, failed, down, mixed) = 0 THEN 'other'
        WHEN lf = greatest(lf, failed, down, mixed) THEN 'local_filtering'
        WHEN failed = greatest(lf, failed, down, mixed) THEN 'failed'
        WHEN down = greatest(lf, failed, down, mixed) THEN 'down'
        ELSE 'mixed'
    END AS cause,
    count(*) AS cells
FROM cells
GROUP BY cause
ORDER BY cells DESC, cause
