-- How often each entry of the effective test list was measured between $start (inclusive) and $end
-- (exclusive), by measurement day: the report's "never or rarely measured" view.
-- url_*: measurements whose input is exactly the list URL (what OONI probes test from the list);
-- domain_measurements: any measured URL on the same host (other lists, other paths).
WITH period AS (
    SELECT input, domain, probe_asn, measurement_day
    FROM measurements
    WHERE measurement_day >= $start AND measurement_day < $end
),
by_url AS (
    SELECT input,
           count(*)                  AS measurements,
           count(DISTINCT probe_asn) AS asns,
           min(measurement_day)      AS first_measured,
           max(measurement_day)      AS last_measured
    FROM period
    GROUP BY input
),
by_domain AS (
    SELECT domain, count(*) AS measurements
    FROM period
    GROUP BY domain
)
SELECT t.url,
       t.domain,
       t.category_code,
       t.category_description,
       t.list,
       t.lists,
       coalesce(u.measurements, 0) AS url_measurements,
       coalesce(u.asns, 0)         AS url_asns,
       u.first_measured,
       u.last_measured,
       coalesce(d.measurements, 0) AS domain_measurements
FROM test_list AS t
LEFT JOIN by_url AS u ON u.input = t.url
LEFT JOIN by_domain AS d ON d.domain = t.domain
ORDER BY url_measurements, t.list, t.url
