-- Measurements per upload day and probe ASN in $first..$last, with the network's name (the networks
-- reference, else the name probes report most often). VPN and hosting networks (excluded from
-- verdicts) are left out: their coverage says nothing about Cambodian ISPs.
SELECT
    m.ingest_day AS day,
    m.probe_asn AS asn,
    count(*) AS measurements,
    coalesce(any_value(n.name), mode(m.probe_network_name), '') AS network
FROM measurements AS m
LEFT JOIN (
    SELECT asn, any_value(name) AS name, bool_or(exclude_from_verdicts) AS exclude_from_verdicts
    FROM networks GROUP BY asn
) AS n ON n.asn = m.probe_asn
WHERE m.ingest_day BETWEEN $first AND $last
  AND NOT coalesce(n.exclude_from_verdicts, false)
GROUP BY m.ingest_day, m.probe_asn
ORDER BY day, asn
