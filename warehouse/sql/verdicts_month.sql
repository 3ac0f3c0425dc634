-- Tier 3: one verdict per (month, ASN, domain) for measurement months in [$first_month, $last_month].
--
-- Reads measurement_judgments and networks (and measurements, for the Explorer ids and start times
-- of the example measurements); needs the macros of classify_macros.sql. Months are
-- measurement months (measurement_day), whatever day the measurement was uploaded. Networks whose
-- kind is excluded (networks.exclude_from_verdicts: VPN exits, foreign hosting) get no cells.
-- Thresholds are parameters (warehouse.settings.ClassificationThresholds); $z is the normal
-- quantile of the one-sided confidence level. Verdicts, first match wins:
--   insufficient  fewer than $min_measurements measurements or $min_days distinct days
--   confirmed     at least $confirmed_min measurements matched an ISP/national fingerprint
--   likely        Wilson lower bound of the ISP-blocked share >= $likely_lower_bound, one method behind
--                 >= $likely_method_share of the blocked measurements, blocked on >= $likely_blocked_days days
--   down          at least $down_share of the measurements found the site down everywhere
--   accessible    Wilson upper bound of the ISP-blocked share <= $accessible_upper_bound
--   inconclusive  anything else (mixed evidence, or mostly inconclusive measurements)
WITH
-- Not materialised: each reader below scans the few columns it needs (cheaper than copying a
-- year of judgments once for all of them).
judged AS NOT MATERIALIZED (
    SELECT j.measurement_key, j.measurement_day, j.probe_asn, j.domain, j.probe_cc, j.outcome, j.method,
           j.confirmed, j.local_filtering, j.fingerprint_name, j.probe_anomaly,
           date_trunc('month', j.measurement_day)::DATE AS month,
           j.outcome = 'blocked' AND NOT j.local_filtering AS isp_blocked
    FROM measurement_judgments j
    LEFT JOIN networks n ON n.asn = j.probe_asn
    WHERE j.measurement_day >= $first_month
      AND j.measurement_day < date_add($last_month, INTERVAL 1 MONTH)
      AND NOT coalesce(n.exclude_from_verdicts, false)
      AND ($country IS NULL OR j.probe_cc = $country)
),
cells AS (
    SELECT
        month, probe_asn AS asn, domain, probe_cc,
        count(*)::INTEGER AS measurements,
        count_if(outcome = 'ok')::INTEGER AS ok_count,
        count_if(outcome = 'blocked')::INTEGER AS blocked_count,
        count_if(outcome = 'down')::INTEGER AS down_count,
        count_if(outcome = 'inconclusive')::INTEGER AS inconclusive_count,
        count_if(isp_blocked)::INTEGER AS isp_blocked_count,
        count_if(outcome = 'blocked' AND confirmed)::INTEGER AS confirmed_count,
        count_if(outcome = 'blocked' AND local_filtering)::INTEGER AS local_filtering_count,
        count_if(coalesce(probe_anomaly, false))::INTEGER AS ooni_anomaly_count,
        -- distinct days of the month, as bits of a 64-bit mask (a count(DISTINCT) costs a hash table per cell)
        bit_count(bit_or(1::UBIGINT << (day(measurement_day) - 1)))::INTEGER AS days,
        coalesce(bit_count(bit_or(1::UBIGINT << (day(measurement_day) - 1)) FILTER (WHERE isp_blocked)), 0)::INTEGER
            AS blocked_days
    FROM judged
    GROUP BY ALL
),
-- Apart from the counts: a DISTINCT aggregate there would copy every judgment once more.
fingerprints AS (
    SELECT month, probe_asn AS asn, domain, probe_cc,
           list(DISTINCT fingerprint_name ORDER BY fingerprint_name) AS fingerprints
    FROM judged WHERE confirmed
    GROUP BY ALL
),
-- Up to three ISP-blocked measurements a reader can open in OONI Explorer, confirmed ones first,
-- then the latest (ties by id, so reruns agree): only the blocked few are joined to `measurements`
-- for their ids, and the top three kept without sorting the rest.
examples AS (
    SELECT j.month, j.probe_asn AS asn, j.domain, j.probe_cc,
           max_by(m.measurement_uid, {'confirmed': j.confirmed, 'started': m.measurement_start_time, 'uid': m.measurement_uid}, 3)
               FILTER (WHERE m.measurement_uid IS NOT NULL) AS example_measurement_uids
    FROM judged j
    JOIN measurements m USING (measurement_key)
    WHERE j.isp_blocked
    GROUP BY ALL
),
method_counts AS (
    SELECT month, asn, domain, probe_cc,
           list(struct_pack(method := method, count := n::INTEGER) ORDER BY n DESC, method) AS method_counts
    FROM (
        SELECT month, probe_asn AS asn, domain, probe_cc, method, count(*) AS n
        FROM judged WHERE isp_blocked GROUP BY ALL
    )
    GROUP BY ALL
),
bounded AS (
    SELECT
        c.*,
        f.fingerprints,
        e.example_measurement_uids,
        m.method_counts,
        m.method_counts[1].method AS method,
        m.method_counts[1].count / nullif(c.isp_blocked_count, 0) AS method_share,
        list_transform(m.method_counts, lambda x: x.method) AS methods,
        imap_wilson_lower(c.isp_blocked_count, c.isp_blocked_count + c.ok_count, $z) AS blocked_share_lower,
        imap_wilson_upper(c.isp_blocked_count, c.isp_blocked_count + c.ok_count, $z) AS blocked_share_upper
    FROM cells c
    LEFT JOIN method_counts m USING (month, asn, domain, probe_cc)
    LEFT JOIN examples e USING (month, asn, domain, probe_cc)
    LEFT JOIN fingerprints f USING (month, asn, domain, probe_cc)
)
SELECT
    *,
    CASE
        WHEN measurements < $min_measurements OR days < $min_days THEN 'insufficient'
        WHEN confirmed_count >= $confirmed_min THEN 'confirmed'
        WHEN blocked_share_lower >= $likely_lower_bound AND method_share >= $likely_method_share
             AND blocked_days >= $likely_blocked_days THEN 'likely'
        WHEN down_count >= $down_share * measurements THEN 'down'
        WHEN blocked_share_upper <= $accessible_upper_bound AND ok_count > 0 THEN 'accessible'
        ELSE 'inconclusive'
    END AS verdict
FROM bounded
