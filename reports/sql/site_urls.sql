-- The URLs actually measured for the given websites, with counts: probes test exact URLs, and a
-- journalist needs to know which ones the verdicts rest on. These count every measurement, so
-- `excluded_measurements` says how many came from networks that get no verdicts (VPN exits,
-- foreign hosting): without it the totals here would not match the website's verdict counts.
SELECT
    m.domain, m.input AS url, count(*) AS measurements, count(DISTINCT m.probe_asn) AS networks,
    count(*) FILTER (WHERE coalesce(n.exclude_from_verdicts, false)) AS excluded_measurements,
    count(DISTINCT m.probe_asn) FILTER (WHERE coalesce(n.exclude_from_verdicts, false)) AS excluded_networks
FROM measurements AS m
LEFT JOIN networks AS n ON n.asn = m.probe_asn
WHERE m.measurement_day BETWEEN $start AND $end AND m.probe_cc = $country AND m.domain IN (SELECT unnest($domains))
GROUP BY ALL
ORDER BY m.domain, measurements DESC, url
