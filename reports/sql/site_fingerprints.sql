-- Which fingerprints matched the given websites' measurements, per network: the strongest evidence
-- a per-website page can cite. Scope tells ISP/state blocking (nat, isp) from local filtering.
SELECT
    domain, probe_asn AS asn, fingerprint_name, fingerprint_scope, bool_or(confirmed) AS confirmed,
    bool_or(local_filtering) AS local_filtering, count(*) AS measurements
FROM measurement_judgments
WHERE measurement_day BETWEEN $start AND $end AND probe_cc = $country
  AND fingerprint_name IS NOT NULL
  AND domain IN (SELECT unnest($domains))
GROUP BY domain, probe_asn, fingerprint_name, fingerprint_scope
ORDER BY domain, asn, measurements DESC, fingerprint_name
