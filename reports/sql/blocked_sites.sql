-- The blocked websites of the period from the tier-4 summary (owned by the classification stage, so
-- "still blocked" and "change" mean what README "Classification" says they mean).
SELECT
    domain,
    verdict AS tier,
    asns,
    methods,
    first_blocked_month,
    last_blocked_month,
    blocked_months,
    months_measured,
    asns_measured,
    still_blocked,
    previous_verdict,
    change,
    measurements,
    ok_count,
    isp_blocked_count,
    confirmed_count,
    down_count,
    inconclusive_count,
    local_filtering_count,
    coalesce(example_measurement_uids, []) AS example_uids
FROM site_period_summary
WHERE period_label = $label AND verdict IN ('confirmed', 'likely')
ORDER BY domain
