-- The name probes reported for each network (ASN) in the period, used where the reference table of
-- networks has no entry. The most frequent name wins; ties go to the alphabetically first.
SELECT
    probe_asn AS asn,
    list(probe_network_name ORDER BY n DESC, probe_network_name)[1] AS network_name
FROM (
    SELECT probe_asn, probe_network_name, count(*) AS n
    FROM measurements
    WHERE measurement_day BETWEEN $start AND $end AND probe_cc = $country AND probe_network_name IS NOT NULL
    GROUP BY ALL
)
GROUP BY probe_asn
