-- Tier 4: one row per website for the period of months [$first_month, $last_month], from
-- site_month_verdicts of that period and of the previous one ([$prev_first_month, $prev_last_month]).
--
-- Parameters: $label (Period.label), $period_start/$period_end (first and last day), $country (NULL:
-- all), $window_start (first month of the "still blocked" window). A cell is "blocking" when its
-- verdict is confirmed or likely, "conclusive" when it is confirmed, likely or accessible.
WITH
cells AS (
    SELECT v.*, n.name AS network_name,
           v.verdict IN ('confirmed', 'likely') AS blocking,
           v.verdict IN ('confirmed', 'likely', 'accessible') AS conclusive
    FROM site_month_verdicts v
    LEFT JOIN networks n ON n.asn = v.asn
    WHERE v.month BETWEEN $first_month AND $last_month AND ($country IS NULL OR v.probe_cc = $country)
),
-- Best verdict first: what a site's period (or ISP) verdict is when its cells disagree.
verdict_rank AS (
    SELECT * FROM (VALUES ('confirmed', 1), ('likely', 2), ('accessible', 3), ('down', 4),
                          ('inconclusive', 5), ('insufficient', 6)) AS t(verdict, rank)
),
per_asn AS (
    SELECT
        c.domain, c.asn,
        any_value(c.network_name) AS network_name,
        arg_min(c.verdict, r.rank) AS verdict,
        min(c.month) FILTER (WHERE c.blocking) AS first_blocked_month,
        max(c.month) FILTER (WHERE c.blocking) AS last_blocked_month,
        (count(*) FILTER (WHERE c.blocking))::INTEGER AS blocked_months,
        arg_max(c.blocking, c.month) FILTER (WHERE c.conclusive) AS latest_conclusive_blocking,
        max(c.month) FILTER (WHERE c.conclusive) AS latest_conclusive_month,
        sum(c.measurements)::INTEGER AS measurements,
        list_distinct(flatten(list(c.methods) FILTER (WHERE c.blocking))) AS methods
    FROM cells c JOIN verdict_rank r USING (verdict)
    GROUP BY c.domain, c.asn
),
per_asn_flagged AS (
    SELECT *,
           coalesce(latest_conclusive_blocking AND latest_conclusive_month >= $window_start, false) AS still_blocked
    FROM per_asn
),
method_totals AS (
    SELECT domain, list(method ORDER BY n DESC, method) AS methods
    FROM (
        SELECT c.domain, mc.method, sum(mc.count) AS n
        FROM cells c, unnest(c.method_counts) AS u(mc)
        WHERE c.blocking
        GROUP BY ALL
    )
    GROUP BY domain
),
per_domain AS (
    SELECT
        a.domain,
        arg_min(a.verdict, r.rank) AS verdict,
        list(a.asn ORDER BY a.asn) FILTER (WHERE a.blocked_months > 0) AS asns,
        list(struct_pack(
                asn := a.asn, network_name := a.network_name, verdict := a.verdict, methods := a.methods,
                first_blocked_month := a.first_blocked_month, last_blocked_month := a.last_blocked_month,
                blocked_months := a.blocked_months, still_blocked := a.still_blocked,
                measurements := a.measurements)
             ORDER BY a.asn) FILTER (WHERE a.blocked_months > 0) AS by_asn,
        min(a.first_blocked_month) AS first_blocked_month,
        max(a.last_blocked_month) AS last_blocked_month,
        bool_or(a.still_blocked) AS still_blocked,
        count(*)::INTEGER AS asns_measured
    FROM per_asn_flagged a JOIN verdict_rank r USING (verdict)
    GROUP BY a.domain
),
domain_counts AS (
    SELECT
        domain,
        (count(DISTINCT month) FILTER (WHERE blocking))::INTEGER AS blocked_months,
        count(DISTINCT month)::INTEGER AS months_measured,
        sum(measurements)::INTEGER AS measurements,
        sum(ok_count)::INTEGER AS ok_count,
        sum(isp_blocked_count)::INTEGER AS isp_blocked_count,
        sum(confirmed_count)::INTEGER AS confirmed_count,
        sum(down_count)::INTEGER AS down_count,
        sum(inconclusive_count)::INTEGER AS inconclusive_count,
        sum(local_filtering_count)::INTEGER AS local_filtering_count,
        (flatten(list(example_measurement_uids ORDER BY verdict = 'confirmed' DESC, month DESC)
            FILTER (WHERE blocking)))[1:5] AS example_measurement_uids
    FROM cells
    GROUP BY domain
),
previous AS (
    SELECT v.domain, arg_min(v.verdict, r.rank) AS previous_verdict
    FROM site_month_verdicts v JOIN verdict_rank r USING (verdict)
    WHERE v.month BETWEEN $prev_first_month AND $prev_last_month AND ($country IS NULL OR v.probe_cc = $country)
      AND NOT EXISTS (SELECT 1 FROM networks n WHERE n.asn = v.asn AND n.exclude_from_verdicts)
    GROUP BY v.domain
),
current_rows AS (
    SELECT d.*, c.blocked_months, c.months_measured, c.measurements, c.ok_count, c.isp_blocked_count,
           c.confirmed_count, c.down_count, c.inconclusive_count, c.local_filtering_count,
           c.example_measurement_uids
    FROM per_domain d JOIN domain_counts c USING (domain)
),
-- Sites blocked in the previous period but not measured at all in this one still get a row, so
-- "no longer blocked?" questions have an answer (unclear, with no measurements).
all_rows AS (
    SELECT * FROM current_rows
    UNION ALL BY NAME
    SELECT p.domain, 'insufficient' AS verdict, 0 AS measurements, 0 AS ok_count, 0 AS isp_blocked_count,
           0 AS confirmed_count, 0 AS down_count, 0 AS inconclusive_count, 0 AS local_filtering_count,
           0 AS blocked_months, 0 AS months_measured, 0 AS asns_measured, false AS still_blocked
    FROM previous p
    WHERE p.previous_verdict IN ('confirmed', 'likely')
      AND p.domain NOT IN (SELECT domain FROM current_rows)
)
SELECT
    $label AS period_label,
    $period_start::DATE AS period_start,
    $period_end::DATE AS period_end,
    a.domain,
    a.verdict,
    a.asns,
    m.methods,
    a.by_asn,
    a.first_blocked_month,
    a.last_blocked_month,
    a.blocked_months,
    a.months_measured,
    a.asns_measured,
    coalesce(a.still_blocked, false) AS still_blocked,
    p.previous_verdict,
    CASE
        WHEN a.verdict IN ('confirmed', 'likely') AND p.previous_verdict IN ('confirmed', 'likely') THEN 'continued'
        WHEN a.verdict IN ('confirmed', 'likely') AND p.previous_verdict IS NULL THEN 'first_measured'
        WHEN a.verdict IN ('confirmed', 'likely') THEN 'new'
        WHEN p.previous_verdict IN ('confirmed', 'likely') AND a.verdict = 'accessible' THEN 'stopped'
        WHEN p.previous_verdict IN ('confirmed', 'likely') THEN 'unclear'
        ELSE 'not_blocked'
    END AS change,
    a.measurements,
    a.ok_count,
    a.isp_blocked_count,
    a.confirmed_count,
    a.down_count,
    a.inconclusive_count,
    a.local_filtering_count,
    a.example_measurement_uids
FROM all_rows a
LEFT JOIN previous p USING (domain)
LEFT JOIN method_totals m USING (domain)
