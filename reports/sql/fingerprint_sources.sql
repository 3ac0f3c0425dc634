-- Versions and size of the fingerprint sets used by the classification.
SELECT origin, coalesce(origin_ref, '') AS origin_ref, location_found, scope, count(*) AS fingerprints
FROM fingerprints
GROUP BY ALL
ORDER BY origin, origin_ref, location_found, scope
