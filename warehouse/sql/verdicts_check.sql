-- Do the monthly cells of [$first, $last] for $country agree with the judgments? One row:
--   cells_not_adding_up     cells whose outcome counts do not add up to their measurements, or whose
--                           ISP-blocked and local-filtering counts do not add up to the blocked ones;
--   measurements_in_cells   the cells' measurements, and
--   judged                  the judgments of those months (networks excluded from verdicts aside);
--   cells_unlike_judgments  cells whose counts by outcome differ from the same cell counted from the
--                           judgments (the view measurement_judgments), or cells missing on either
--                           side: verdicts_month.sql counts the fast path's judgments from the
--                           stored parts instead, and this is where the two ways meet;
--   unknown_verdicts        verdicts outside $verdicts;
--   not_judged              measurements of those months on upload days that are not judged (never,
--                           or not since a reload changed them: ingest_settle_judgments.sql), which
--                           no cell counts, and
--   days_not_judged         those upload days, the first ten.
WITH
cells AS (
    SELECT month, asn, domain, measurements, ok_count, blocked_count, down_count, inconclusive_count,
           isp_blocked_count, local_filtering_count
    FROM site_month_verdicts
    WHERE month BETWEEN $first AND $last AND probe_cc = $country
),
judged AS (
    SELECT date_trunc('month', j.measurement_day)::DATE AS month, j.probe_asn AS asn, j.domain,
           count(*) AS measurements,
           count_if(j.outcome = 'ok') AS ok_count,
           count_if(j.outcome = 'blocked') AS blocked_count,
           count_if(j.outcome = 'down') AS down_count,
           count_if(j.outcome = 'inconclusive') AS inconclusive_count
    FROM measurement_judgments j
    WHERE j.measurement_day >= $first AND j.measurement_day < $last + INTERVAL 1 MONTH
      AND j.probe_cc = $country
      AND NOT EXISTS (SELECT 1 FROM networks n WHERE n.asn = j.probe_asn AND n.exclude_from_verdicts)
    GROUP BY ALL
),
unjudged AS (
    SELECT m.ingest_day
    FROM measurements m
    WHERE m.measurement_day >= $first AND m.measurement_day < $last + INTERVAL 1 MONTH
      AND m.probe_cc = $country
      AND NOT EXISTS (SELECT 1 FROM networks n WHERE n.asn = m.probe_asn AND n.exclude_from_verdicts)
      AND m.ingest_day NOT IN (SELECT ingest_day FROM judged_days)
)
SELECT
    (SELECT count(*) FROM cells
     WHERE ok_count + blocked_count + down_count + inconclusive_count <> measurements
        OR isp_blocked_count + local_filtering_count <> blocked_count) AS cells_not_adding_up,
    (SELECT coalesce(sum(measurements), 0) FROM cells)::BIGINT AS measurements_in_cells,
    (SELECT coalesce(sum(measurements), 0) FROM judged)::BIGINT AS judged,
    (SELECT count(*) FROM cells c FULL JOIN judged j USING (month, asn, domain)
     WHERE c.measurements IS DISTINCT FROM j.measurements OR c.ok_count IS DISTINCT FROM j.ok_count
        OR c.blocked_count IS DISTINCT FROM j.blocked_count OR c.down_count IS DISTINCT FROM j.down_count
        OR c.inconclusive_count IS DISTINCT FROM j.inconclusive_count) AS cells_unlike_judgments,
    (SELECT count(*) FROM site_month_verdicts
     WHERE month BETWEEN $first AND $last AND NOT list_contains($verdicts, verdict)) AS unknown_verdicts,
    (SELECT count(*) FROM unjudged) AS not_judged,
    (SELECT list(DISTINCT ingest_day ORDER BY ingest_day)[1:10] FROM unjudged) AS days_not_judged
