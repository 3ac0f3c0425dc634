-- The URLs actually measured for the given websites, with counts: probes test exact URLs, and a
-- journalist needs to know which ones the verdicts rest on.
SELECT domain, input AS url, count(*) AS measurements, count(DISTINCT probe_asn) AS networks
FROM measurements
WHERE measurement_day BETWEEN $start AND $end AND probe_cc = $country AND domain IN (SELECT unnest($domains))
GROUP BY ALL
ORDER BY domain, measurements DESC, url
