-- Tier 3: one verdict per (month, ASN, domain) for measurement months in [$first_month, $last_month].
--
-- Reads the judgments as stored (ruled_judgments, judged_days: see measurement_judgments in
-- schema.sql), measurements and networks; needs the macros of classify_macros.sql. Months are
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
-- The rules' judgments of the months (ruled_judgments, the stored part of measurement_judgments):
-- every judgment that is not plainly `ok`, so every blocked, confirmed or local-filtering one. Not
-- materialised: each reader below scans the few columns it needs.
ruled AS NOT MATERIALIZED (
    SELECT j.measurement_key, j.measurement_day, j.probe_asn, j.domain, j.probe_cc, j.outcome, j.method,
           j.confirmed, j.local_filtering, j.fingerprint_name,
           date_trunc('month', j.measurement_day)::DATE AS month,
           j.outcome = 'blocked' AND NOT j.local_filtering AS isp_blocked
    FROM ruled_judgments j
    LEFT JOIN networks n ON n.asn = j.probe_asn
    WHERE j.measurement_day >= $first_month
      AND j.measurement_day < date_add($last_month, INTERVAL 1 MONTH)
      AND NOT coalesce(n.exclude_from_verdicts, false)
      AND ($country IS NULL OR j.probe_cc = $country)
),
-- Every judged measurement of the months, per cell: the measurements of the judged days (judged_days).
-- Those the rules did not judge are the fast path's `ok` ones, counted below as the cell's
-- measurements less its rule judgments (every rule judgment belongs to a judged day's measurement,
-- schema.sql), which spares deriving 1.4 million `ok` rows per year through the view. The check
-- verdict_counts_add_up compares the cells with the view's judgments.
measured AS (
    SELECT
        date_trunc('month', m.measurement_day)::DATE AS month, m.probe_asn AS asn, m.domain, m.probe_cc,
        count(*)::INTEGER AS measurements,
        count_if(imap_probe_anomaly(m.probe_blocking))::INTEGER AS ooni_anomaly_count,
        -- distinct days of the month, as bits of a 64-bit mask (a count(DISTINCT) costs a hash table per cell)
        bit_count(bit_or(1::UBIGINT << (day(m.measurement_day) - 1)))::INTEGER AS days
    FROM measurements m
    SEMI JOIN judged_days d ON d.ingest_day = m.ingest_day
    LEFT JOIN networks n ON n.asn = m.probe_asn
    WHERE m.measurement_day >= $first_month
      AND m.measurement_day < date_add($last_month, INTERVAL 1 MONTH)
      AND NOT coalesce(n.exclude_from_verdicts, false)
      AND ($country IS NULL OR m.probe_cc = $country)
    GROUP BY ALL
),
ruled_counts AS (
    SELECT
        month, probe_asn AS asn, domain, probe_cc,
        count(*) AS ruled,
        count_if(outcome = 'ok') AS ok_count,
        count_if(outcome = 'blocked') AS blocked_count,
        count_if(outcome = 'down') AS down_count,
        count_if(outcome = 'inconclusive') AS inconclusive_count,
        count_if(isp_blocked) AS isp_blocked_count,
        count_if(outcome = 'blocked' AND confirmed) AS confirmed_count,
        count_if(outcome = 'blocked' AND local_filtering) AS local_filtering_count,
        bit_count(bit_or(1::UBIGINT << (day(measurement_day) - 1)) FILTER (WHERE isp_blocked)) AS blocked_days
    FROM ruled
    GROUP BY ALL
),
cells AS (
    SELECT
        m.month, m.asn, m.domain, m.probe_cc,
        m.measurements,
        (m.measurements - coalesce(r.ruled, 0) + coalesce(r.ok_count, 0))::INTEGER AS ok_count,
        coalesce(r.blocked_count, 0)::INTEGER AS blocked_count,
        coalesce(r.down_count, 0)::INTEGER AS down_count,
        coalesce(r.inconclusive_count, 0)::INTEGER AS inconclusive_count,
        coalesce(r.isp_blocked_count, 0)::INTEGER AS isp_blocked_count,
        coalesce(r.confirmed_count, 0)::INTEGER AS confirmed_count,
        coalesce(r.local_filtering_count, 0)::INTEGER AS local_filtering_count,
        m.ooni_anomaly_count,
        m.days,
        coalesce(r.blocked_days, 0)::INTEGER AS blocked_days
    FROM measured m
    LEFT JOIN ruled_counts r USING (month, asn, domain, probe_cc)
),
-- Apart from the counts: a DISTINCT aggregate there would copy every judgment once more.
fingerprints AS (
    SELECT month, probe_asn AS asn, domain, probe_cc,
           list(DISTINCT fingerprint_name ORDER BY fingerprint_name) AS fingerprints
    FROM ruled WHERE confirmed
    GROUP BY ALL
),
-- Up to three ISP-blocked measurements a reader can open in OONI Explorer, confirmed ones first,
-- then the latest (ties by id, so reruns agree): only the blocked few are joined to `measurements`
-- for their ids, and the top three kept without sorting the rest.
examples AS (
    SELECT j.month, j.probe_asn AS asn, j.domain, j.probe_cc,
           max_by(m.measurement_uid, {'confirmed': j.confirmed, 'started': m.measurement_start_time, 'uid': m.measurement_uid}, 3)
               FILTER (WHERE m.measurement_uid IS NOT NULL) AS example_measurement_uids
    FROM ruled j
    JOIN measurements m USING (measurement_key)
    WHERE j.isp_blocked
    GROUP BY ALL
),
method_counts AS (
    SELECT month, asn, domain, probe_cc,
           list(struct_pack(method := method, count := n::INTEGER) ORDER BY n DESC, method) AS method_counts
    FROM (
        SELECT month, probe_asn AS asn, domain, probe_cc, method, count(*) AS n
        FROM ruled WHERE isp_blocked GROUP BY ALL
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
