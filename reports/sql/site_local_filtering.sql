-- Local filtering (a firewall or filtering resolver on the probe's side, not the ISP) in the given
-- websites' cells: the fingerprints behind it and up to $max_examples measurements to open, so a
-- grid cell can show it apart from ISP blocking with its evidence. Months are measurement months,
-- as in site_month_verdicts.
SELECT
    j.domain,
    date_trunc('month', j.measurement_day)::DATE AS month,
    j.probe_asn AS asn,
    count(*) AS measurements,
    list(DISTINCT j.fingerprint_name ORDER BY j.fingerprint_name) FILTER (WHERE j.fingerprint_name IS NOT NULL)
        AS fingerprints,
    list(m.measurement_uid ORDER BY m.measurement_start_time DESC, m.measurement_uid)
        FILTER (WHERE m.measurement_uid IS NOT NULL)[1:$max_examples] AS example_measurement_uids
FROM measurement_judgments AS j
JOIN measurements AS m USING (measurement_key)
WHERE j.measurement_day BETWEEN $start AND $end AND j.probe_cc = $country
  AND j.outcome = 'blocked' AND j.local_filtering
  AND j.domain IN (SELECT unnest($domains))
GROUP BY ALL
ORDER BY j.domain, asn, month
