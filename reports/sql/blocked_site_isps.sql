-- One row per blocked website x blocking network: the tier-4 entry for that network (verdict,
-- months, still blocked) plus the evidence behind it from its monthly cells (tier 3).
WITH entries AS (
    SELECT domain, unnest(by_asn) AS entry
    FROM site_period_summary
    WHERE period_label = $label AND verdict IN ('confirmed', 'likely')
),
isps AS (
    SELECT
        domain,
        entry.asn AS asn,
        entry.network_name AS network_name,
        entry.verdict AS tier,
        entry.first_blocked_month AS first_month,
        entry.last_blocked_month AS last_month,
        entry.blocked_months AS blocked_months,
        entry.still_blocked AS still_blocked,
        entry.measurements AS measurements
    FROM entries
),
cells AS (
    SELECT * FROM site_month_verdicts
    WHERE month BETWEEN $first_month AND $last_month AND probe_cc = $country
      AND domain IN (SELECT domain FROM isps)
),
cell_totals AS (
    SELECT
        domain, asn,
        count(*) AS months_measured,
        sum(isp_blocked_count)::BIGINT AS blocked_measurements,
        sum(confirmed_count)::BIGINT AS confirmed_measurements,
        list_filter(
            flatten(list(coalesce(example_measurement_uids, []) ORDER BY verdict = 'confirmed' DESC, month DESC)
                FILTER (WHERE verdict IN ('confirmed', 'likely'))),
            lambda uid: uid IS NOT NULL
        )[1:$max_examples] AS example_uids
    FROM cells
    GROUP BY domain, asn
),
method_weights AS (
    -- The method of a network is the one behind most ISP-blocked measurements of its blocked
    -- months; ties are broken by name so that the report is reproducible.
    SELECT c.domain, c.asn, mc.method, sum(mc.count) AS weight
    FROM cells AS c, unnest(c.method_counts) AS u(mc)
    WHERE c.verdict IN ('confirmed', 'likely') AND mc.method IS NOT NULL
    GROUP BY ALL
),
methods AS (
    SELECT domain, asn, list(method ORDER BY weight DESC, method) AS methods
    FROM method_weights
    GROUP BY ALL
)
SELECT
    i.domain, i.asn, i.network_name, i.tier,
    m.methods[1] AS method,
    coalesce(m.methods, []) AS methods,
    i.first_month, i.last_month, i.blocked_months,
    coalesce(t.months_measured, 0) AS months_measured,
    i.measurements,
    coalesce(t.blocked_measurements, 0) AS blocked_measurements,
    coalesce(t.confirmed_measurements, 0) AS confirmed_measurements,
    i.still_blocked,
    coalesce(t.example_uids, []) AS example_uids
FROM isps AS i
LEFT JOIN cell_totals AS t USING (domain, asn)
LEFT JOIN methods AS m USING (domain, asn)
ORDER BY i.domain, i.asn
