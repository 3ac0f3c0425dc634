-- Probe software and test versions the period's measurements came from.
SELECT
    coalesce(software_name, 'unknown') AS software_name,
    test_version,
    count(*) AS measurements
FROM measurements
WHERE measurement_day BETWEEN $start AND $end AND probe_cc = $country
GROUP BY ALL
ORDER BY measurements DESC, software_name, test_version
