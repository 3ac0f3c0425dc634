-- `imap export verdicts`: the per (website, ASN, month) verdicts of months [$first_month, $last_month].
SELECT
    strftime(v.month, '%Y-%m') AS month,
    v.asn,
    n.name AS network_name,
    v.domain,
    v.measurements, v.ok_count, v.blocked_count, v.down_count, v.inconclusive_count,
    v.isp_blocked_count, v.confirmed_count, v.local_filtering_count, v.ooni_anomaly_count,
    v.days, v.blocked_days,
    round(v.blocked_share_lower, 4) AS blocked_share_lower,
    round(v.blocked_share_upper, 4) AS blocked_share_upper,
    v.verdict, v.method, round(v.method_share, 4) AS method_share,
    coalesce(v.methods, []) AS methods,
    coalesce(v.fingerprints, []) AS fingerprints,
    coalesce(v.example_measurement_uids, []) AS example_measurement_uids
FROM site_month_verdicts v
LEFT JOIN networks n ON n.asn = v.asn
WHERE v.month BETWEEN $first_month AND $last_month AND ($country IS NULL OR v.probe_cc = $country)
ORDER BY v.month, v.asn, v.domain
