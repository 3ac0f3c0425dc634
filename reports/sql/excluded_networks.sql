-- Measurements from networks that get no ISP verdicts (VPN exits, foreign hosting geolocated to
-- the country): shown in the methodology so that nobody wonders where they went.
SELECT m.probe_asn AS asn, n.name, n.kind, count(*) AS measurements
FROM measurements AS m
JOIN networks AS n ON n.asn = m.probe_asn
WHERE m.measurement_day BETWEEN $start AND $end AND m.probe_cc = $country AND n.exclude_from_verdicts
GROUP BY ALL
ORDER BY measurements DESC, asn
