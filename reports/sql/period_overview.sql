-- Tier 0 facts about the period: how much was measured, the data range, and whether any of it is
-- synthetic (the report then says so on every page).
SELECT
    count(*) AS measurements,
    count(*) FILTER (WHERE is_synthetic) AS synthetic_measurements,
    min(measurement_start_time) AS first_measurement,
    max(measurement_start_time) AS last_measurement,
    count(DISTINCT probe_asn) AS networks,
    count(DISTINCT domain) AS websites,
    count(DISTINCT input) AS urls
FROM measurements
WHERE measurement_day BETWEEN $start AND $end AND probe_cc = $country
